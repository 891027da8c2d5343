// Compares measured statistics with the scenario's budgets. A limit is inclusive: a p95 budget
// of 250ms passes at exactly 250 ms, an error_rate of 1% passes at exactly 1%, and min_rps 25
// passes at exactly 25 req/s.
//
// A percentile or error rate is an estimate from a sample, so each such budget is decided on its
// 95% confidence interval, not on the point estimate (stats/quantile-interval.ts): `pass` when
// the whole interval is within the limit, `fail` when it is wholly beyond it, `inconclusive`
// when it straddles the limit (a p99 from 120 spans rests on one or two values). Percentiles use
// the distribution-free order-statistic interval computed where the histogram is; error rates the
// exact Clopper–Pearson interval on the error share. An inconclusive budget is not a pass: it
// fails the run (as the overhead budget lines do), except where the caller asks for warnings (a
// quick smoke run), and it carries the run length that would probably decide it.
//
// max and mean are decided on the observed value, with no interval. No distribution-free
// interval exists for either: a population maximum of latencies has no finite-sample upper
// bound, and one rare huge value can move a mean anywhere (Bahadur & Savage, Ann. Math. Stat.
// 1956). max states what this run saw; prefer a percentile budget for a statement about the
// service. An error_rate limit of 0 is likewise decided on the observed count (no sample can
// show a rate of exactly 0), and so is min_rps (one run, one rate).
//
// `target` in each result is the stage's canonical key (as in report.stages), so a consumer can
// join budgets to stages; `source` keeps the budget exactly as the user wrote it.
// sampling_overhead budgets need two runs and are evaluated elsewhere; they yield no result here.
import type { BudgetResult, StageStats } from '../contract/report-types.ts'
import { STAT_OF, sampleNounOf } from '../contract/stage-metrics.ts'
import {
  CONFIDENCE,
  clopperPearson,
  countToExcludeProportion,
  countToExcludeQuantile,
} from '../stats/quantile-interval.ts'
import type { Budget, StageMetric } from './parse-budget.ts'

const QUANTILE_OF = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 } as const
type PercentileMetric = keyof typeof QUANTILE_OF

// fail: an inconclusive budget fails the verdict (a full run); warn: it is reported as
// inconclusive but does not fail it (a quick smoke run, too short to decide by design).
export type InconclusivePolicy = 'fail' | 'warn'

export type MeasuredForBudgets = {
  stages: Record<string, StageStats>
  throughputRps: number
  measuredS?: number // the measured window, to turn a sample count into seconds at the observed rate
}

export type BudgetVerdict = NonNullable<BudgetResult['verdict']>

export function evaluateBudgets(
  budgets: readonly Budget[],
  measured: MeasuredForBudgets,
  options: { inconclusive?: InconclusivePolicy } = {},
): BudgetResult[] {
  const policy = options.inconclusive ?? 'fail'
  const results: BudgetResult[] = []
  for (const budget of budgets) {
    if (budget.kind === 'sampling_overhead') continue
    if (budget.kind === 'throughput') {
      const actual = Number.isFinite(measured.throughputRps) ? measured.throughputRps : null
      const verdict = actual !== null && actual >= budget.limit ? 'pass' : 'fail'
      results.push({
        target: 'throughput',
        metric: budget.metric,
        limit: budget.limit,
        actual,
        unit: budget.unit,
        pass: verdict === 'pass',
        verdict,
        source: budget.source,
        ...(actual === null ? { note: 'no completed requests after warm-up' } : {}),
      })
      continue
    }
    // Narrowing on the target string cannot exclude a stage key, so check the variant's field.
    if (budget.kind !== 'stage') continue
    const key = budget.selector.key
    const stats = Object.hasOwn(measured.stages, key) ? measured.stages[key] : undefined
    const base = {
      target: key,
      metric: budget.metric,
      limit: budget.limit,
      unit: budget.unit,
      source: budget.source,
    }
    if (!stats || stats.count === 0) {
      results.push({
        ...base,
        actual: null,
        pass: false,
        verdict: 'fail',
        count: 0,
        note: `no spans matched ${key} after warm-up`,
      })
      continue
    }
    results.push({
      ...base,
      ...stageDecision(budget, stats, measured.measuredS, policy),
    })
  }
  return results
}

type Decision = Pick<BudgetResult, 'actual' | 'pass' | 'verdict' | 'count' | 'ci' | 'to_decide' | 'note'>

function stageDecision(
  { metric, limit, target }: { metric: StageMetric; limit: number; target: string },
  stats: StageStats,
  measuredS: number | undefined,
  policy: InconclusivePolicy,
): Decision {
  const n = stats.count
  if (metric === 'max' || metric === 'mean' || (metric === 'error_rate' && limit === 0)) {
    const actual = metric === 'error_rate' ? stats.error_count / n : stats[STAT_OF[metric]]
    const verdict = actual <= limit ? 'pass' : 'fail'
    return { actual, pass: verdict === 'pass', verdict, count: n }
  }
  const interval = metric === 'error_rate' ? errorRateInterval(stats) : percentileInterval(metric, stats)
  const { actual, low, high } = interval
  const verdict: BudgetVerdict =
    high !== null && high <= limit ? 'pass' : low !== null && low > limit ? 'fail' : 'inconclusive'
  const ci = { level: CONFIDENCE, low, high, method: interval.method }
  if (verdict !== 'inconclusive') return { actual, pass: verdict === 'pass', verdict, count: n, ci }
  const count = interval.countToDecide(limit)
  const ratePerS = measuredS !== undefined && measuredS > 0 ? n / measuredS : 0
  const seconds = count !== null && ratePerS > 0 ? count / ratePerS : null
  return {
    actual,
    pass: policy === 'warn',
    verdict,
    count: n,
    ci,
    to_decide: { count, seconds },
    note: inconclusiveNote({
      n,
      noun: sampleNounOf(target),
      low,
      high,
      ratio: metric === 'error_rate',
      count,
      seconds,
      policy,
    }),
  }
}

type Interval = {
  actual: number
  low: number | null
  high: number | null
  method: string
  countToDecide: (limit: number) => number | null
}

function percentileInterval(metric: PercentileMetric, stats: StageStats): Interval {
  const actual = stats[STAT_OF[metric]]
  const bounds = stats.ci95_ms?.[metric]
  // Stage statistics without intervals (from an older report, or computed elsewhere) cannot show
  // the budget either way.
  const [low, high] = bounds ?? [null, null]
  const q = QUANTILE_OF[metric]
  return {
    actual,
    low,
    high,
    method: bounds ? 'order statistics, exact binomial ranks' : 'none available',
    countToDecide: (limit) =>
      bounds
        ? countToExcludeQuantile({
            n: stats.count,
            q,
            estimate: actual,
            low,
            high,
            min: stats.min_ms,
            max: stats.max_ms,
            limit,
          })
        : null,
  }
}

function errorRateInterval(stats: StageStats): Interval {
  const [low, high] = clopperPearson(stats.error_count, stats.count)
  return {
    actual: stats.error_count / stats.count,
    low,
    high,
    method: 'Clopper–Pearson (exact binomial)',
    countToDecide: (limit) => countToExcludeProportion(stats.error_count, stats.count, limit),
  }
}

// Also the goodput budgets' note (run/stream-report.ts): one wording for every undecided budget.
export function inconclusiveNote(input: {
  n: number
  noun: string
  low: number | null
  high: number | null
  ratio: boolean
  count: number | null
  seconds: number | null
  policy: InconclusivePolicy
}): string {
  const { n, count, seconds, policy } = input
  const bound = (x: number | null) =>
    x === null ? 'unbounded' : input.ratio ? `${(x * 100).toFixed(2)}%` : `${Number(x.toPrecision(4))} ms`
  const interval = `[${bound(input.low)}, ${bound(input.high)}]`
  const head = `inconclusive: the 95% interval ${interval} from ${n} ${n === 1 ? input.noun.replace(/s$/, '') : input.noun} straddles the limit`
  const decide =
    count === null
      ? 'the estimate sits on the limit, so no run length would decide it'
      : `about ${count} ${input.noun}${seconds !== null ? ` (≈ ${formatSeconds(seconds)} of measurement at the observed rate)` : ''} would probably decide it`
  const effect = policy === 'warn' ? 'a warning in a quick run' : 'not shown to hold, so it fails'
  return `${head}; ${decide}; ${effect}`
}

function formatSeconds(s: number): string {
  if (s < 100) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  if (s < 6000) return `${(s / 60).toFixed(1)} min`
  return `${(s / 3600).toFixed(1)} h`
}

// No budgets at all is a pass: there was nothing to fail.
export function verdictOf(results: readonly BudgetResult[]): 'pass' | 'fail' {
  return results.every((result) => result.pass) ? 'pass' : 'fail'
}
