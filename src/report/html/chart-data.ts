// The data the report's charts draw, built from the report's aggregates only (stage statistics,
// 1 s intervals, the sampled exemplars): its size depends on the number of stages and seconds,
// not on the number of requests.

import type { Report, StageNumberField } from '../../contract/report-types.ts'
import { STAGE_SPAN_NAMES } from '../../contract/span-names.ts'
import { STAT_OF } from '../../contract/stage-metrics.ts'
import { orderedStageKeys } from '../render-console.ts'
import { groupIndices, mergeIntervals } from './merge-intervals.ts'

// At most this many points per time series: an hour-long run is drawn from 600 merged intervals.
export const MAX_TIME_POINTS = 600

export type BudgetMark = { index: number; metric: string; limit: number; pass: boolean }

export type Histogram = {
  stage: string
  source: 'histogram' | 'sample'
  count: number
  edges_ms: number[] // bin i covers [edges_ms[i], edges_ms[i + 1])
  counts: number[]
}

export type ChartData = {
  warmup_s: number
  stages: {
    keys: string[]
    p50: (number | null)[]
    p95: (number | null)[]
    p99: (number | null)[]
    marks: BudgetMark[]
  }
  ladder: { labels: string[]; ranks: number[]; series: { stage: string; values: (number | null)[] }[] }
  histograms: Histogram[]
  intervals: {
    t: number[]
    seconds_per_point: number
    warmup: boolean[]
    requests_per_s: number[]
    errors_by_status: Record<string, number[]>
    connection_errors: number[]
    p50: (number | null)[]
    p99: (number | null)[]
  }
  stage_p99: { t: number[]; series: Record<string, (number | null)[]> }
}

const STAT_FIELD: Record<string, StageNumberField> = { ...STAT_OF, min: 'min_ms' }

// Pipeline stages in pipeline order, then attribute-narrowed keys, then the rest (dependency calls).
function stageRank(stage: string): number {
  const i = STAGE_SPAN_NAMES.indexOf(stage)
  if (i >= 0) return i
  return stage.includes('{') ? 1000 : 2000
}

// Values for a log axis: a stage with no spans, or a zero, has no point.
function positive(value: number | undefined, count: number): number | null {
  return count > 0 && value !== undefined && value > 0 ? value : null
}

// The stages a reviewer budgets: the pipeline's named stages, attribute-narrowed keys and any
// other key with a latency budget. Dependency client spans stay in the table only.
export function chartStageKeys(report: Report): string[] {
  const budgeted = new Set(report.budgets.filter((b) => b.unit === 'ms').map((b) => b.target))
  const known = new Set(STAGE_SPAN_NAMES)
  return orderedStageKeys(report.stages).filter(
    (key) => (known.has(key) || key.includes('{') || budgeted.has(key)) && report.stages[key]!.count > 0,
  )
}

// Percentile ladder (the HDR "latency by percentile" view): x is the percentile on a
// 1/(1 − p) log scale, so the tail gets as much room as the body.
const LADDER: { label: string; stat: StageNumberField; rank: number }[] = [
  { label: 'p50', stat: 'p50_ms', rank: 2 },
  { label: 'p90', stat: 'p90_ms', rank: 10 },
  { label: 'p95', stat: 'p95_ms', rank: 20 },
  { label: 'p99', stat: 'p99_ms', rank: 100 },
  { label: 'p99.9', stat: 'p999_ms', rank: 1000 },
]

// report.stage_histograms: per stage, log bins as {lower_ms, counts} (stats/log-histogram.ts
// toJSON: lower_ms has one more entry than non-empty bins).
function recordedHistograms(report: Report): Histogram[] {
  const out: Histogram[] = []
  for (const [stage, { lower_ms, counts }] of Object.entries(report.stage_histograms)) {
    if (lower_ms.length < 2) continue
    const n = Math.min(lower_ms.length - 1, counts.length)
    const c = counts.slice(0, n)
    out.push({
      stage,
      source: 'histogram',
      count: c.reduce((a, b) => a + b, 0),
      edges_ms: lower_ms.slice(0, n + 1),
      counts: c,
    })
  }
  return out
}

// Without recorded histograms, the uniform sample of exemplar traces (at most 50) still shows
// each stage's shape. Bins grow by 2^(1/3) (three per doubling).
const SAMPLE_GROWTH = 2 ** (1 / 3)

function sampledHistograms(report: Report): Histogram[] {
  const samples = report.exemplars.filter((t) => t.reason === 'sample')
  const out: Histogram[] = []
  for (const stage of STAGE_SPAN_NAMES) {
    const durations = samples.flatMap((t) =>
      t.spans.filter((s) => s.name === stage && s.duration_ms > 0).map((s) => s.duration_ms),
    )
    if (durations.length < 5) continue
    const lo = Math.min(...durations)
    const first = Math.floor(Math.log(lo) / Math.log(SAMPLE_GROWTH))
    const last = Math.floor(Math.log(Math.max(...durations)) / Math.log(SAMPLE_GROWTH))
    const counts = new Array<number>(last - first + 1).fill(0)
    for (const d of durations) {
      const i = Math.min(last, Math.floor(Math.log(d) / Math.log(SAMPLE_GROWTH))) - first
      counts[Math.max(0, i)]!++
    }
    const edges = Array.from({ length: counts.length + 1 }, (_, i) =>
      Number((SAMPLE_GROWTH ** (first + i)).toPrecision(4)),
    )
    out.push({ stage, source: 'sample', count: durations.length, edges_ms: edges, counts })
  }
  return out
}

function positiveOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : null
}

// report.stage_intervals: per 1 s interval by span end, per stage {count, errors, p50_ms,
// p99_ms}. Only the pipeline's named stages are drawn.
function stageP99Series(report: Report): { t: number[]; series: Record<string, (number | null)[]> } {
  const rows = report.stage_intervals
  if (rows.length === 0) return { t: [], series: {} }
  // Merged like the client intervals: the largest p99 of each group.
  const groups = groupIndices(rows.length, MAX_TIME_POINTS)
  const series: Record<string, (number | null)[]> = {}
  for (const stage of STAGE_SPAN_NAMES) {
    if (!rows.some((r) => r.stages[stage] !== undefined)) continue
    series[stage] = groups.map((g) => {
      const values = g
        .map((i) => positiveOrNull(rows[i]!.stages[stage]?.p99_ms))
        .filter((v): v is number => v !== null)
      return values.length > 0 ? Math.max(...values) : null
    })
  }
  return { t: groups.map((g) => rows[g[0]!]!.start_ms / 1000), series }
}

export function chartData(report: Report): ChartData {
  const keys = chartStageKeys(report)
  const stat = (key: string, field: StageNumberField) => {
    const s = report.stages[key]!
    return positive(s[field], s.count)
  }
  const marks: BudgetMark[] = []
  for (const b of report.budgets) {
    const index = keys.indexOf(b.target)
    const field = STAT_FIELD[b.metric]
    if (index >= 0 && b.unit === 'ms' && field)
      marks.push({ index, metric: b.metric, limit: b.limit, pass: b.pass })
  }
  const recorded = recordedHistograms(report).sort(
    (a, b) => stageRank(a.stage) - stageRank(b.stage) || a.stage.localeCompare(b.stage),
  )
  const merged = mergeIntervals(report.intervals, MAX_TIME_POINTS)
  const statusKeys = new Set<string>()
  for (const interval of merged)
    for (const code of Object.keys(interval.status_codes)) if (Number(code) >= 400) statusKeys.add(code)
  const perSecond = (n: number, seconds: number) => Number((n / seconds).toFixed(3))
  const errorsByStatus: Record<string, number[]> = {}
  for (const code of [...statusKeys].sort())
    errorsByStatus[code] = merged.map((m) => perSecond(m.status_codes[code] ?? 0, m.seconds))

  return {
    warmup_s: report.warmup_s,
    stages: {
      keys,
      p50: keys.map((k) => stat(k, 'p50_ms')),
      p95: keys.map((k) => stat(k, 'p95_ms')),
      p99: keys.map((k) => stat(k, 'p99_ms')),
      marks,
    },
    ladder: {
      labels: LADDER.map((l) => l.label),
      ranks: LADDER.map((l) => l.rank),
      series: keys.map((stage) => ({ stage, values: LADDER.map((l) => stat(stage, l.stat)) })),
    },
    histograms: recorded.length > 0 ? recorded : sampledHistograms(report),
    intervals: {
      t: merged.map((m) => m.start_ms / 1000),
      seconds_per_point: merged[0]?.seconds ?? 1,
      warmup: merged.map((m) => m.warmup),
      requests_per_s: merged.map((m) => perSecond(m.requests, m.seconds)),
      errors_by_status: errorsByStatus,
      connection_errors: merged.map((m) => perSecond(m.errors, m.seconds)),
      p50: merged.map((m) => m.p50_ms),
      p99: merged.map((m) => m.p99_ms),
    },
    stage_p99: stageP99Series(report),
  }
}
