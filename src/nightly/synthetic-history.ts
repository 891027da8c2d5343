// Seeded synthetic histories. Two uses:
//   - calibration (bench/regression-calibration.ts and the tests): nights of pure noise, optionally
//     with one stage slowed down, to measure the detector's false-alarm and detection rates;
//   - `nightly --seed-history <n>`: past nights fabricated from a real report so that trend charts
//     can be demonstrated and tested. Every fabricated report carries `synthetic: true`.
//
// Noise model: each latency or throughput value is its median times a lognormal factor exp(σZ)
// with σ = √ln(1 + CV²), so the factor's median is 1 and its coefficient of variation is CV.
// Lognormal because run-to-run latency noise is multiplicative and skewed (a busy neighbour makes
// a night slower, never faster than the machine allows). Error rates are binomial counts over the
// run's requests. Metrics are drawn independently: real p50/p95/p99 of one stage move together,
// so independent draws are the pessimistic case for a detector that tests each metric alone.

import type { Fingerprint } from '../environment.ts'
import { createRng, type Rng } from '../rng.ts'
import { type Metric, metricKey, type RunSnapshot, THROUGHPUT_KEY } from './run-snapshot.ts'
import type { StoredReport } from './stored-report.ts'

const DAY_MS = 86_400_000

export function lognormalFactor(rng: Rng, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv))
  return Math.exp(sigma * rng.normal())
}

export type SyntheticMetricSpec = Omit<Metric, 'value'> &
  ({ noise: 'lognormal'; median: number; cv: number } | { noise: 'binomial'; probability: number })

// The budgeted stages of scenarios/baseline.yaml as measured on the development machine (2 cores,
// Node 20, six consecutive `npm run scenario -- baseline` runs of 12 s while other work shared the
// machine): mean p50/p95/p99 in ms and their run-to-run CV, and spans per run. Six runs give each
// CV to within about ±30%; they set the scale, not a guarantee for other machines.
type StageProfile = {
  stage: string
  spans: number
  p50: [number, number]
  p95: [number, number]
  p99: [number, number]
}
const BASELINE_MEASURED: StageProfile[] = [
  { stage: 'rag_pipeline', spans: 211, p50: [888, 0.004], p95: [1281, 0.01], p99: [1459, 0.012] },
  {
    stage: 'rag_pipeline{tenant_id=globex}',
    spans: 53,
    p50: [813, 0.013],
    p95: [1112, 0.038],
    p99: [1428, 0.06],
  },
  { stage: 'authentication', spans: 211, p50: [13.7, 0.017], p95: [28.8, 0.055], p99: [37.7, 0.064] },
  { stage: 'embedding_generation', spans: 211, p50: [18.7, 0.08], p95: [104.8, 0.015], p99: [144, 0.019] },
  { stage: 'vector_search', spans: 212, p50: [34.7, 0.01], p95: [48.3, 0.02], p99: [54.3, 0.026] },
  { stage: 'rerank', spans: 159, p50: [120.5, 0.011], p95: [160.7, 0.008], p99: [165.3, 0.021] },
  { stage: 'llm_generation', spans: 213, p50: [731.5, 0.002], p95: [1123, 0.001], p99: [1215, 0.001] },
]
const BASELINE_RPS: [number, number] = [16.07, 0.004]
// Errors per span in a healthy run: baseline has none; 0.2% makes the count test do some work.
const ERROR_PROBABILITY = 0.002

export const BASELINE_STAGE_NAMES = BASELINE_MEASURED.map((s) => s.stage)

// `cv`: a fixed CV for every metric, a [min, max] range drawn per metric (seeded), or 'measured'.
export function baselineLikeSpecs(
  seed: number,
  cv: 'measured' | number | readonly [number, number],
): SyntheticMetricSpec[] {
  const rng = createRng(seed)
  const pick = (measured: number) =>
    cv === 'measured' ? measured : typeof cv === 'number' ? cv : cv[0] + rng.next() * (cv[1] - cv[0])
  const specs: SyntheticMetricSpec[] = []
  for (const profile of BASELINE_MEASURED) {
    for (const metric of ['p50', 'p95', 'p99'] as const) {
      const [median, measuredCv] = profile[metric]
      specs.push({
        key: metricKey(profile.stage, metric),
        stage: profile.stage,
        metric,
        unit: 'ms',
        better: 'lower',
        count: profile.spans,
        noise: 'lognormal',
        median,
        cv: pick(measuredCv),
      })
    }
    specs.push({
      key: metricKey(profile.stage, 'error_rate'),
      stage: profile.stage,
      metric: 'error_rate',
      unit: 'ratio',
      better: 'lower',
      count: profile.spans,
      noise: 'binomial',
      probability: ERROR_PROBABILITY,
    })
  }
  specs.push({
    key: THROUGHPUT_KEY,
    stage: null,
    metric: 'rps',
    unit: 'req/s',
    better: 'higher',
    count: null,
    noise: 'lognormal',
    median: BASELINE_RPS[0],
    cv: pick(BASELINE_RPS[1]),
  })
  return specs
}

export const SYNTHETIC_FINGERPRINT: Fingerprint = {
  cpuModel: 'Synthetic CPU',
  cpus: 2,
  nodeMajor: 22,
  harnessVersion: '0.0.0-synthetic',
}

export type Slowdown = { stage: string; factor: number; fromNight: number }

// Nights 0 … nights−1, one day apart from `start`. A slowdown multiplies every latency metric of one
// stage from night `fromNight` on (its error rate and the throughput are left alone).
export function syntheticNights(options: {
  specs: readonly SyntheticMetricSpec[]
  nights: number
  seed: number
  scenario?: string
  start?: string
  slowdown?: Slowdown
}): RunSnapshot[] {
  const rng = createRng(options.seed)
  const start = Date.parse(options.start ?? '2026-01-01T03:00:00.000Z')
  const runs: RunSnapshot[] = []
  for (let night = 0; night < options.nights; night++) {
    const metrics: Record<string, Metric> = {}
    for (const spec of options.specs) {
      let value: number
      if (spec.noise === 'lognormal') {
        value = spec.median * lognormalFactor(rng, spec.cv)
        const slow = options.slowdown
        if (slow && night >= slow.fromNight && spec.stage === slow.stage && spec.unit === 'ms')
          value *= slow.factor
      } else {
        const trials = spec.count ?? 100
        let failures = 0
        for (let i = 0; i < trials; i++) if (rng.next() < spec.probability) failures++
        value = failures / trials
      }
      metrics[spec.key] = {
        key: spec.key,
        stage: spec.stage,
        metric: spec.metric,
        unit: spec.unit,
        better: spec.better,
        count: spec.count,
        value,
      }
    }
    runs.push({
      scenario: options.scenario ?? 'synthetic',
      startedAt: new Date(start + night * DAY_MS).toISOString(),
      fingerprint: SYNTHETIC_FINGERPRINT,
      workload: 'synthetic',
      synthetic: true,
      metrics,
    })
  }
  return runs
}

const STAGE_MS_FIELDS = ['min_ms', 'mean_ms', 'p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'p999_ms', 'max_ms']

// `nights` past nights fabricated from a real report, one day apart, ending one day before it.
// Each night scales every statistic of a stage by one lognormal factor (so p50 ≤ p95 ≤ p99 holds)
// and the throughput by another; budgets are re-evaluated on the scaled numbers. Exemplars are
// dropped. The result is marked `synthetic: true` and must never be mistaken for a measurement.
export function fabricateHistory(
  report: StoredReport,
  options: { nights: number; seed: number; cv?: number },
): StoredReport[] {
  const rng = createRng(options.seed)
  const cv = options.cv ?? 0.05
  const end = Date.parse(report.started_at)
  const fabricated: StoredReport[] = []
  for (let night = options.nights; night >= 1; night--) {
    const stages: StoredReport['stages'] = {}
    for (const [key, stats] of Object.entries(report.stages)) {
      const factor = lognormalFactor(rng, cv)
      const scaled: Record<string, unknown> = { ...stats }
      for (const field of STAGE_MS_FIELDS) {
        const value = stats[field]
        if (typeof value === 'number') scaled[field] = value * factor
      }
      stages[key] = scaled as StoredReport['stages'][string]
    }
    const rps = report.load.rps * lognormalFactor(rng, cv)
    const budgets = report.budgets.map((budget) => {
      if (budget.actual === null) return budget
      if (budget.target === 'throughput') return { ...budget, actual: rps, pass: rps >= budget.limit }
      const stats = stages[budget.target] as Record<string, unknown> | undefined
      const value = budget.unit === 'ms' ? stats?.[`${budget.metric}_ms`] : undefined
      return typeof value === 'number' ? { ...budget, actual: value, pass: value <= budget.limit } : budget
    })
    const verdict =
      report.verdict === 'pass' || report.verdict === 'fail'
        ? budgets.every((b) => b.pass)
          ? 'pass'
          : 'fail'
        : report.verdict
    fabricated.push({
      ...report,
      started_at: new Date(end - night * DAY_MS).toISOString(),
      stages,
      budgets,
      verdict,
      load: { ...report.load, rps },
      exemplars: [],
      synthetic: true,
    })
  }
  return fabricated
}
