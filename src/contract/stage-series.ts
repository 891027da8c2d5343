// Per-stage shapes beside the summary statistics: the log-binned histogram of each stage after
// warm-up, and the per-second series by span end (warm-up included, so drift is visible).
import { z } from 'zod'

const ms = z.number().nonnegative()

export const stageHistogramSchema = z
  .object({ lower_ms: z.array(z.number()), counts: z.array(z.number().int().nonnegative()) })
  .meta({
    description:
      'Log-binned (×1.1 per bin) histogram of a stage after warm-up; lower_ms[i] is bin i’s lower edge.',
  })

export const stageIntervalSchema = z.object({
  start_ms: z.number().meta({ description: 'From the start of the load (warm-up included).' }),
  warmup: z.boolean(),
  stages: z.record(
    z.string(),
    z.object({
      count: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      p50_ms: ms,
      p99_ms: ms,
    }),
  ),
})

export type StageHistogram = z.infer<typeof stageHistogramSchema>
export type StageInterval = z.infer<typeof stageIntervalSchema>
