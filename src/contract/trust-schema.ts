// The `trust` section of report.json: how far the run's own numbers can be trusted.
import { z } from 'zod'

const ms = z.number().nonnegative()

export const guardSchema = z.object({
  name: z.string(),
  figure: z.number().nullable().meta({ description: 'null: not measured in this run.' }),
  threshold: z.number(),
  unit: z.enum(['ms', 'ratio', 'count']),
  comparison: z.enum(['<=', '>=']),
  pass: z.boolean(),
  reason: z.string().meta({ description: 'In plain words; says what to do when the guard fails.' }),
})

export const fidelityRowSchema = z.object({
  dependency: z.string(),
  calls: z.number().int().nonnegative(),
  model_p50_ms: ms,
  model_p99_ms: ms,
  measured_p50_ms: ms,
  measured_p99_ms: ms,
  excess_p50_ms: ms.meta({ description: 'Per call: client span duration minus the latency the mock drew.' }),
  excess_p99_ms: ms,
  excess_max_ms: ms,
  lateness_p50_ms: ms.nullable().optional().meta({
    description: 'Per call: how long the mock held it minus the drawn latency (the mock was late).',
  }),
  lateness_p99_ms: ms.nullable().optional(),
  transport_p50_ms: ms
    .nullable()
    .optional()
    .meta({ description: 'Per call: client span minus how long the mock held it (transport and client).' }),
  transport_p99_ms: ms.nullable().optional(),
})

export const trustSchema = z
  .object({
    verdict: z.enum(['trusted', 'untrusted']),
    reasons: z.array(z.string()),
    guards: z.array(guardSchema),
    fidelity: z.array(fidelityRowSchema),
    fidelity_note: z.string().optional().meta({
      description:
        'A target service: why mock fidelity is not available (no traceparent on its dependency calls), or what part of the calls it covers.',
    }),
    client_server_gap_ms: z
      .object({ joined: z.number().int().nonnegative(), p50_ms: ms, p90_ms: ms, p99_ms: ms, max_ms: ms })
      .meta({
        description: 'Client latency minus the server root span of the same trace (joined by traceparent).',
      }),
    schedule_lag_ms: z
      .object({ p50: ms, p99: ms, max: ms, late: z.number(), dropped: z.number(), scheduled: z.number() })
      .nullable()
      .meta({
        description: 'Open model: actual − intended send time after warm-up; null in the closed model.',
      }),
    driver: z.object({ cpu_share: ms, event_loop_delay_p99_ms: ms, event_loop_delay_max_ms: ms }),
    endpoint: z.object({
      cpu_share: ms,
      event_loop_delay_p99_ms: ms,
      event_loop_delay_max_ms: ms,
      span_processing: z
        .object({
          share_of_cpu: ms.meta({
            description:
              "Time inside the harness's span processors (StageCollector, trace analysis) ÷ the endpoint's CPU time, over the measured window.",
          }),
          us_per_request: ms,
        })
        .optional()
        .meta({
          description:
            "The harness's own cost in the measured process, timed around each span processor call; it leaves out the SDK's span work and the collections the processors cause (npm run bench measures the whole tax). Absent for a target service, whose spans are processed in the receiver.",
        }),
    }),
    mocks: z
      .array(
        z.object({
          cpu_share: ms,
          event_loop_delay_p99_ms: ms,
          event_loop_delay_max_ms: ms,
          rss_peak_mb: ms,
          heap_used_after_gc_mb: ms.nullable(),
        }),
      )
      .optional()
      .meta({
        description: 'Each mock servers process (mocks.transport: http); absent for in-process mocks.',
      }),
  })
  .meta({
    description: 'The harness checking itself; any failed guard makes the run untrusted (exit code 3).',
  })
