// The `what_if` section of report.json (a run with --what-if or a scenario's what_if list): per
// change, budgeted stage and percentile, the baseline, the prediction from the baseline's traces
// and what the re-run with the change measured.
import { z } from 'zod'

const ms = z.number()

export const whatIfRowSchema = z.object({
  change: z
    .string()
    .meta({ description: 'The change, e.g. reranker=0.5x (that dependency’s latency model × 0.5).' }),
  stage: z.string().meta({ description: 'A budgeted stage key.' }),
  metric: z.enum(['p50', 'p95', 'p99']),
  baseline_ms: ms.meta({ description: 'The baseline run’s percentile (every measured span).' }),
  predicted_ms: ms.meta({
    description:
      'baseline_ms + the change the baseline’s trace reservoir predicts: each span’s duration plus (factor − 1) × the dependency’s drawn latency on its critical path, then the percentile.',
  }),
  measured_ms: ms.nullable().meta({ description: 'The re-run’s percentile; null when it saw no such span.' }),
  measured_ci_ms: z.tuple([ms.nullable(), ms.nullable()]).meta({
    description:
      'The re-run percentile’s distribution-free 95% interval (order statistics, exact binomial ranks); null on a side the sample cannot bound.',
  }),
  baseline_ci_ms: z.tuple([ms.nullable(), ms.nullable()]).meta({
    description: 'The baseline percentile’s distribution-free 95% interval.',
  }),
  measured_change_ci_ms: z.tuple([ms.nullable(), ms.nullable()]).meta({
    description:
      'The measured change (re-run − baseline) as an interval: [re-run low − baseline high, re-run high − baseline low]; it covers both runs’ sampling noise (each side 95%, jointly at least 90%), not drift between the runs.',
  }),
  agrees: z.boolean().nullable().meta({
    description:
      'Whether the predicted change (predicted_ms − baseline_ms) lies inside measured_change_ci_ms (null when that interval is unbounded on a side).',
  }),
  spans: z
    .number()
    .int()
    .nonnegative()
    .meta({ description: 'Spans of the stage in the prediction’s reservoir.' }),
  rerun_trusted: z.boolean().meta({ description: 'Whether the re-run passed every trust guard.' }),
})

export const whatIfSchema = z.array(whatIfRowSchema)
export type WhatIfRow = z.infer<typeof whatIfRowSchema>
