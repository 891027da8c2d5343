// The report's figures for streamed answers (issue 13), from the driver's per-request stream
// records: client_ttft_ms, client_itl_ms, client_tpot_ms, output_tokens_per_s, goodput and the
// stream requests' own accounting; and the stage-like statistics (with 95% intervals) that the
// ttft / itl / tpot budgets are decided on, tenant-narrowed where a budget asks.
import { evaluateBudgets, type InconclusivePolicy, inconclusiveNote } from '../budget/evaluate-budgets.ts'
import type { Budget } from '../budget/parse-budget.ts'
import type { GoodputBudget } from '../budget/stream-budget.ts'
import { isClientStreamTarget } from '../budget/stream-budget.ts'
import type { PERCENTILE_METRICS } from '../contract/report-schema.ts'
import type { BudgetResult, Report, StageStats } from '../contract/report-types.ts'
import { meetsSlo, type StreamRecord, streamSeries } from '../load/stream-timing.ts'
import {
  CONFIDENCE,
  clopperPearson,
  countToExcludeProportion,
  quantileInterval,
} from '../stats/quantile-interval.ts'
import { summarizeDurations } from '../stats/stage-stats.ts'

type Summary = { p50: number; p90: number; p95: number; p99: number; max: number; count: number }
type StreamFields = Pick<
  Report,
  | 'client_ttft_ms'
  | 'client_itl_ms'
  | 'client_tpot_ms'
  | 'output_tokens_per_s'
  | 'goodput'
  | 'stream_requests'
>

const QUANTILE = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 } as const

function summary(values: readonly number[]): Summary {
  const s = summarizeDurations(values, 0)
  return { p50: s.p50_ms, p90: s.p90_ms, p95: s.p95_ms, p99: s.p99_ms, max: s.max_ms, count: s.count }
}

// Exact statistics and the distribution-free 95% interval of each percentile (the same method
// as the stages', on the sorted sample instead of the histogram).
export function statsWithIntervals(values: readonly number[]): StageStats {
  const stats = summarizeDurations(values, 0)
  if (stats.count === 0) return stats
  const sorted = Float64Array.from(values).sort()
  const at = (rank: number) => sorted[rank - 1]!
  const bounds = (metric: (typeof PERCENTILE_METRICS)[number]): [number | null, number | null] => {
    const interval = quantileInterval(sorted.length, QUANTILE[metric], at)
    return [interval?.low ?? null, interval?.high ?? null]
  }
  const ci95_ms = {
    p50: bounds('p50'),
    p90: bounds('p90'),
    p95: bounds('p95'),
    p99: bounds('p99'),
    p999: bounds('p999'),
  }
  return { ...stats, ci95_ms }
}

function seriesOf(records: readonly StreamRecord[], key: string, tenant: string | undefined): number[] {
  const series = streamSeries(records, tenant)
  return key === 'ttft' ? series.ttftMs : key === 'itl' ? series.itlMs : series.tpotMs
}

export function streamFields(
  records: readonly StreamRecord[],
  budgets: readonly Budget[],
  measuredS: number,
): StreamFields {
  const series = streamSeries(records)
  const failures: Record<string, number> = {}
  for (const record of records)
    if (record.failure) failures[record.failure] = (failures[record.failure] ?? 0) + 1
  // The report's goodput is the whole mix's when a budget says so, else the first narrowed one's.
  const goodputBudgets = budgets.filter((b): b is GoodputBudget => b.target.startsWith('goodput'))
  const goodputBudget = goodputBudgets.find((b) => b.tenant === undefined) ?? goodputBudgets[0]
  const goodput = goodputBudget ? goodputOf(records, goodputBudget, measuredS) : undefined
  return {
    client_ttft_ms: summary(series.ttftMs),
    client_itl_ms: summary(series.itlMs),
    client_tpot_ms: summary(series.tpotMs),
    output_tokens_per_s: summary(series.outputTokensPerS),
    ...(goodput && goodputBudget
      ? { goodput: { slo: sloText(goodputBudget), share: goodput.share, rps: goodput.rps } }
      : {}),
    stream_requests: { count: records.length, ok: records.length - sumOf(failures), failures },
  }
}

function sumOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

function sloText(budget: GoodputBudget): Record<string, number> {
  const { ttftMs, itlMs, tpotMs, e2eMs } = budget.slo
  const slo: Record<string, number> = {}
  if (ttftMs !== undefined) slo.ttft_ms = ttftMs
  if (itlMs !== undefined) slo.itl_ms = itlMs
  if (tpotMs !== undefined) slo.tpot_ms = tpotMs
  if (e2eMs !== undefined) slo.e2e_ms = e2eMs
  return slo
}

function goodputOf(records: readonly StreamRecord[], budget: GoodputBudget, measuredS: number) {
  const mine = records.filter((r) => budget.tenant === undefined || r.tenant === budget.tenant)
  const met = mine.filter((r) => meetsSlo(r, budget.slo)).length
  return {
    met,
    total: mine.length,
    share: mine.length > 0 ? met / mine.length : 0,
    rps: measuredS > 0 ? met / measuredS : 0,
  }
}

export function isStreamBudget(budget: Budget): boolean {
  return (
    budget.target.startsWith('goodput') ||
    (budget.kind === 'stage' && isClientStreamTarget(budget.selector.spanName))
  )
}

// ttft / itl / tpot budgets are decided as stage budgets on the client's series; goodput on its
// share (Clopper–Pearson interval, as error rates) or its rate of good requests.
export function streamBudgetResults(
  records: readonly StreamRecord[],
  budgets: readonly Budget[],
  measuredS: number,
  policy: InconclusivePolicy,
): BudgetResult[] {
  const stages: Record<string, StageStats> = {}
  const streamBudgets = budgets.filter((b) => b.kind === 'stage' && isClientStreamTarget(b.selector.spanName))
  for (const budget of streamBudgets) {
    if (budget.kind !== 'stage' || Object.hasOwn(stages, budget.selector.key)) continue
    stages[budget.selector.key] = statsWithIntervals(
      seriesOf(records, budget.selector.spanName, budget.selector.attributes.tenant_id),
    )
  }
  const results = evaluateBudgets(
    streamBudgets,
    { stages, throughputRps: 0, measuredS },
    { inconclusive: policy },
  ).map((result) =>
    // A client figure has no spans: say what was missing in its own words.
    result.count === 0
      ? { ...result, note: `no successful streamed request gave a ${result.target} figure after warm-up` }
      : result,
  )
  for (const budget of budgets) {
    if (budget.target.startsWith('goodput') && 'slo' in budget)
      results.push(goodputResult(records, budget, measuredS, policy))
  }
  return results
}

function goodputResult(
  records: readonly StreamRecord[],
  budget: GoodputBudget,
  measuredS: number,
  policy: InconclusivePolicy,
): BudgetResult {
  const { met, total, share, rps } = goodputOf(records, budget, measuredS)
  const base = {
    target: budget.target,
    metric: budget.metric,
    limit: budget.limit,
    unit: budget.unit,
    source: budget.source,
  }
  if (total === 0) {
    return {
      ...base,
      actual: null,
      pass: false,
      verdict: 'fail',
      count: 0,
      note: 'no streamed requests after warm-up',
    }
  }
  if (budget.metric === 'min_rps') {
    const verdict = rps >= budget.limit ? 'pass' : 'fail'
    return { ...base, actual: rps, pass: verdict === 'pass', verdict, count: total }
  }
  const [low, high] = clopperPearson(met, total)
  const verdict = low >= budget.limit ? 'pass' : high < budget.limit ? 'fail' : 'inconclusive'
  return {
    ...base,
    actual: share,
    pass: verdict === 'pass' || (verdict === 'inconclusive' && policy === 'warn'),
    verdict,
    count: total,
    ci: { level: CONFIDENCE, low, high, method: 'Clopper–Pearson (exact binomial)' },
    ...(verdict === 'inconclusive'
      ? undecidedGoodput(met, total, budget.limit, measuredS, [low, high], policy)
      : {}),
  }
}

// How many streamed requests would make the share's interval exclude the limit if the share
// stayed where it is (the error-rate budgets' method), and the seconds that takes at this rate.
function undecidedGoodput(
  met: number,
  total: number,
  limit: number,
  measuredS: number,
  [low, high]: [number, number],
  policy: InconclusivePolicy,
): Pick<BudgetResult, 'to_decide' | 'note'> {
  const count = countToExcludeProportion(met, total, limit)
  const seconds = count !== null && measuredS > 0 ? count / (total / measuredS) : null
  const noun = 'streamed requests'
  return {
    to_decide: { count, seconds },
    note: inconclusiveNote({ n: total, noun, low, high, ratio: true, count, seconds, policy }),
  }
}

// Plain-language notes for the report's accounting, e.g. a target that does not stream.
export function streamNotes(records: readonly StreamRecord[]): string[] {
  const notStreamed = records.filter((record) => record.failure === 'not_streamed').length
  return notStreamed > 0
    ? [
        `${notStreamed} streamed requests were answered without text/event-stream: the target does not stream, so they have no TTFT, ITL or TPOT. Check that it honours "stream": true, or drop stream from the requests.`,
      ]
    : []
}
