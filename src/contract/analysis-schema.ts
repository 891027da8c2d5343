// The trace analysis in report.json (`analysis`): where the time goes, the dependency map, root
// causes and span hygiene, computed in the endpoint process from every measured trace
// (src/analysis/trace-analyzer.ts). The zod schema is the single source of the TypeScript types.
// Every list here is bounded, so the analysis stays a few KB whatever the run length.
import { z } from 'zod'

const count = z.number().int().nonnegative()
const ms = z.number().nonnegative()
const ratio = z.number().min(0).max(1)

export const savingSchema = z.object({
  faster_by: ratio.meta({ description: 'The fraction X by which the stage is made faster (0.1 = 10%).' }),
  p50_ms: ms.meta({
    description: 'The parent p50 if every trace lost X of this stage’s critical-path time.',
  }),
  p99_ms: ms,
})

export const stageBreakdownSchema = z.object({
  stage: z.string().meta({
    description: 'A child span name, "(self)" for the parent’s own time, "(other)" for unlisted children.',
  }),
  present_share: ratio.meta({ description: 'Share of traces (with the parent) in which this stage ran.' }),
  mean_duration_ms: ms.meta({ description: 'Mean duration where it ran (0 if it never ran).' }),
  mean_critical_path_ms: ms.meta({
    description: 'Mean critical-path time over all traces with the parent (0 where it did not run).',
  }),
  share_p50: ratio.meta({
    description:
      'Mean share of the parent’s duration on this stage’s critical path, among traces ranked 45th–55th percentile by parent duration.',
  }),
  share_p99: ratio.meta({ description: 'The same among traces ranked 98.5th–99.5th percentile.' }),
  dominates_slowest: count.meta({
    description: 'Of the slowest 1% of traces, how many had their largest critical-path time in this stage.',
  }),
  savings: z.array(savingSchema).meta({ description: 'Potential savings for X = 10%, 25%, 50%.' }),
})
export type StageBreakdown = z.infer<typeof stageBreakdownSchema>

export const breakdownLevelSchema = z.object({
  parent: z.string().meta({ description: 'The parent span: POST /ask (the request) or rag_pipeline.' }),
  traces: count.meta({ description: 'Traces in the reservoir that have this parent span.' }),
  p50_ms: ms.meta({ description: 'Parent duration p50 over those traces (linear interpolation, type 7).' }),
  p99_ms: ms,
  window_p50_traces: count.meta({
    description: 'Traces in the p50 rank window the shares are averaged over.',
  }),
  window_p99_traces: count,
  slowest_traces: count.meta({ description: 'Size of the slowest 1% (at least 1 when there are traces).' }),
  stages: z.array(stageBreakdownSchema),
})
export type BreakdownLevel = z.infer<typeof breakdownLevelSchema>

export const breakdownSchema = z
  .object({
    traces_seen: count.meta({ description: 'Measured traces offered to the reservoir.' }),
    reservoir_size: count.meta({
      description: 'Traces kept (uniform sample, Vitter’s Algorithm R, seeded).',
    }),
    reservoir_capacity: count,
    request: breakdownLevelSchema.meta({
      description: 'The server span POST /ask and its children: authentication, rate_limiting, rag_pipeline.',
    }),
    pipeline: breakdownLevelSchema.meta({
      description:
        'rag_pipeline and its stages: embedding_generation, vector_search, rerank, llm_generation.',
    }),
    method: z
      .array(z.string())
      .meta({ description: 'How each figure is computed, in words (for footnotes).' }),
  })
  .meta({ description: 'Where the time goes: the seed’s "Performance Optimization" table from the traces.' })

export const dependencySchema = z.object({
  dependency: z.string().meta({ description: 'peer.service of the client spans (or server.address).' }),
  traces_calling: count,
  request_share: ratio.meta({ description: 'Share of measured requests that called it at least once.' }),
  calls: count.meta({ description: 'Client spans (attempts, retries included).' }),
  calls_per_request: z
    .number()
    .nonnegative()
    .meta({ description: 'Mean client spans per request that called it: above 1 means retries.' }),
  retries: count.meta({ description: 'Client spans with http.request.resend_count > 0.' }),
  retry_share: ratio.meta({ description: 'retries / calls.' }),
  error_spans: count,
  error_rate: ratio.meta({ description: 'Client spans with status ERROR / calls.' }),
  failed_request_rate: ratio.meta({
    description: 'Share of the requests calling it whose server span has status ERROR (5xx).',
  }),
  latency_ms: z
    .object({ p50: ms, p99: ms, max: ms, mean: ms })
    .meta({ description: 'Client span durations, HDR histogram, nearest rank.' }),
  impact: z
    .string()
    .meta({ description: 'The seed’s impact analysis line, e.g. "If llm is down → 97.0% …".' }),
})
export type DependencyStats = z.infer<typeof dependencySchema>

export const rootCauseSchema = z.object({
  path: z.string().meta({ description: 'The deepest error span path, as in `root_causes`.' }),
  count,
  request_share: ratio.meta({ description: 'count / measured requests.' }),
  exemplar_trace_id: z.string().meta({
    description: 'The first measured trace of this kind (also kept in `exemplars` as an error exemplar).',
  }),
})
export type RootCause = z.infer<typeof rootCauseSchema>

export const hygieneFindingSchema = z.object({
  check: z.enum([
    'high_cardinality',
    'vague_name',
    'sub_millisecond',
    'error_without_type',
    'error_without_exception',
    'unended_spans',
  ]),
  span_name: z.string(),
  message: z.string(),
  example: z.string().meta({ description: 'An attribute value, a duration or a trace id that shows it.' }),
})
export type HygieneFinding = z.infer<typeof hygieneFindingSchema>

export const cardinalitySchema = z.object({
  span_name: z.string(),
  key: z.string(),
  distinct: count.meta({ description: 'Distinct values seen, counted up to the cap.' }),
  capped: z.boolean().meta({ description: 'true when counting stopped at the cap (1000).' }),
  spans: count.meta({
    description:
      'Spans of this name that carried the key, among those checked (every span of the first 10,000 traces, then of the traces sampled into the reservoir).',
  }),
  value_type: z.enum(['string', 'number', 'boolean', 'mixed']),
  examples: z
    .array(z.string())
    .meta({ description: 'Up to 5 values, truncated; none for secret-like keys.' }),
})
export type AttributeCardinality = z.infer<typeof cardinalitySchema>

export const hygieneSchema = z.object({
  spans_checked: count,
  findings: z.array(hygieneFindingSchema),
  attribute_cardinality: z
    .array(cardinalitySchema)
    .meta({ description: 'The (span name, key) pairs with the most distinct values, at most 25.' }),
})
export type HygieneResults = z.infer<typeof hygieneSchema>

export const analysisSchema = z
  .object({
    traces: count.meta({
      description: 'Measured traces analysed (one per request that reached the endpoint).',
    }),
    breakdown: breakdownSchema,
    dependencies: z
      .array(dependencySchema)
      .meta({ description: 'The seed’s "Service Dependency Mapping", most-called first.' }),
    root_causes: z
      .array(rootCauseSchema)
      .meta({ description: 'Failed traces by deepest error path, most frequent first (at most 50 kinds).' }),
    root_causes_other: count.meta({ description: 'Failed traces of kinds beyond the first 50.' }),
    hygiene: hygieneSchema,
  })
  .meta({ description: 'Trace analysis of the measured traces, computed in the endpoint process.' })
export type AnalysisResults = z.infer<typeof analysisSchema>
