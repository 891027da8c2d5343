// The `overhead` section of report.json (runs with an `overhead:` section only).
import { z } from 'zod'

const n = z.number()
const interval = z.tuple([n, n])

// One arm against the baseline arm on one metric, as stats/compare-arms.ts computes it.
export const armComparisonSchema = z.object({
  ratio: n, // mean(arm) / mean(baseline)
  effect: n.meta({ description: 'ratio − 1: +0.03 is 3% more than the baseline arm.' }),
  ci95: interval.meta({ description: 'Expanded-percentile bootstrap 95% interval of the effect.' }),
  difference: n, // mean(arm) − mean(baseline), in the metric's unit
  difference_ci95: interval,
  p_value: n.meta({ description: 'Two-sided permutation test on the difference of means.' }),
  n_arm: n,
  n_baseline: n,
  // Present when the effect was adjusted for a covariate (CUPED, stats/compare-arms.ts).
  covariate: z
    .object({
      name: z.string(),
      theta: n.meta({ description: 'Slope of the per-round metric difference on the covariate difference.' }),
      variance_explained: n.meta({
        description: 'Share of the per-round differences’ variance the covariate explains (r²).',
      }),
      unadjusted_ci95: interval.meta({ description: 'The effect’s interval without the adjustment.' }),
    })
    .optional(),
})
export type ArmComparison = z.infer<typeof armComparisonSchema>

// One trial: one arm for one round of the interleaved order.
export const trialSchema = z.object({
  arm: n,
  round: n,
  cpu_per_request_ms: n,
  // The mock servers' CPU time over the trial per endpoint request: the covariate of
  // cpu_per_request (null with in-process mocks; absent from reports written before it).
  mocks_cpu_per_request_ms: n.nullable().optional(),
  p50_ms: n,
  p99_ms: n,
  event_loop_delay_p99_ms: n,
  rss_mb: n,
  completed: n,
})
export type TrialRecord = z.infer<typeof trialSchema>

export const overheadSchema = z
  .object({
    separation: z
      .string()
      .meta({ description: 'How the arms were kept apart (one process, switched sampler).' }),
    order: z.string(),
    rate_per_sec: n,
    repeats: n,
    trial_s: n,
    warmup_s: n,
    arms: z.array(
      z.object({
        index: n,
        label: z.string(),
        sampler: z.string(),
        calibration_us: n,
        baseline: z.boolean(),
      }),
    ),
    trials: z.array(trialSchema),
    comparisons: z.array(
      z.object({
        arm: z.string(),
        metric: z.string(),
        ...armComparisonSchema.shape,
        within_noise: z.boolean(),
      }),
    ),
    verdicts: z.array(
      z.object({
        metric: z.string(),
        limit: n,
        arm: z.string(),
        verdict: z.enum(['pass', 'fail', 'inconclusive']),
        repeats_to_settle: n.nullable(),
      }),
    ),
    calibration: z.array(
      z.object({
        arm: z.string(),
        injected_ms: n,
        measured_ms: n,
        ci95_ms: interval,
        within_ci: z.boolean(),
      }),
    ),
    precision: z.array(
      z.object({
        arm: z.string(),
        stage: z.string(),
        count: n,
        p99_ms: n,
        p99_ci_ms: interval.nullable(),
        half_width_pct: n.nullable(),
        run_s_for_target: n.nullable(),
      }),
    ),
    precision_target: n,
    notes: z.array(z.string()),
  })
  .meta({ description: 'Sampling overhead: arms compared in interleaved trials with bootstrap intervals.' })
export type OverheadSection = z.infer<typeof overheadSchema>
