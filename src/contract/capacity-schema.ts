// The `capacity` section of report.json (a run with --find-capacity or a capacity budget): the
// highest offered rate at which every budget passed on a trusted step, with the steps behind it.
import { z } from 'zod'

const rate = z.number().nonnegative()
const bound = rate.nullable()

export const capacityStepSchema = z.object({
  rate_rps: rate.meta({ description: 'The offered (open-model) rate of this step.' }),
  achieved_rps: rate.meta({ description: 'Completed requests per second after the step’s warm-up.' }),
  reason: z.enum([
    'geometric',
    'bisection',
    'confirmation',
    'inconclusive re-measure',
    'untrusted re-measure',
  ]),
  seed: z.number().int(),
  duration_s: z.number().nonnegative(),
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'untrusted']).meta({
    description:
      'untrusted when a trust guard failed (whatever the budgets say); otherwise fail when a budget failed, inconclusive when one was undecided, pass when all passed.',
  }),
  trusted: z.boolean(),
  untrusted_reasons: z.array(z.string()),
  budgets_failed: z.array(
    z.object({
      target: z.string(),
      metric: z.string(),
      limit: z.number(),
      actual: z.number().nullable(),
      verdict: z.enum(['fail', 'inconclusive']),
    }),
  ),
  stages: z
    .record(
      z.string(),
      z.object({ count: z.number().int().nonnegative(), p50_ms: rate, p95_ms: rate, p99_ms: rate }),
    )
    .meta({ description: 'p50/p95/p99 of every budgeted stage at this step.' }),
})

export const capacitySchema = z
  .object({
    rate_rps: bound.meta({
      description:
        'The highest rate that passed every budget on every trusted measurement, below any rate that failed; null when none did or when the instrument gave out first (no capacity claim).',
    }),
    interval_rps: z.tuple([bound, bound]).meta({
      description:
        '[highest rate that passed every time, lowest rate that did not pass at least once]: the capacity lies between; null where no step bounds that side.',
    }),
    limited_by: z
      .union([z.object({ target: z.string(), metric: z.string() }), z.literal('instrument')])
      .nullable()
      .meta({
        description:
          'The budget that breaks first above capacity (at the lowest failing rate, the one furthest beyond its limit); "instrument" when a step was untrusted before any budget failed; null when nothing failed up to `to`.',
      }),
    instrument_ceiling_rps: bound.meta({
      description:
        'The lowest rate at which the run was untrusted: the harness cannot measure beyond it here.',
    }),
    status: z.enum(['complete', 'time_limit', 'interrupted']).meta({
      description: 'time_limit: stopped at the time limit; the interval is what was known then.',
    }),
    config: z.object({
      from_rps: rate,
      to_rps: rate,
      step_s: rate,
      warmup_s: rate,
      precision: rate,
      time_limit_s: rate,
    }),
    elapsed_s: rate,
    notes: z.array(z.string()).meta({ description: 'How the steps differ from the scenario as written.' }),
    method: z.array(z.string()),
    limits: z
      .array(z.object({ target: z.string(), metric: z.string(), limit: z.number() }))
      .meta({ description: 'The latency budgets the steps were judged by (chart lines).' }),
    steps: z.array(capacityStepSchema),
  })
  .meta({
    description:
      'Capacity search: open-model steps at increasing rates, judged by the budgets and trust guards.',
  })

export type CapacitySection = z.infer<typeof capacitySchema>
export type CapacityStep = z.infer<typeof capacityStepSchema>
