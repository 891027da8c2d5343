// The numbers of one run that regression detection compares: per stage p50, p95, p99 and error
// rate, and the throughput. By default only budgeted stages are tracked: they are the stages the
// team declared it cares about, and every further metric is one more chance of a false alarm
// (the per-night false-alarm rate grows with the number of metrics compared; see regression.ts).
import { type Fingerprint, fingerprintOf } from '../environment.ts'
import { type StoredReport, workloadKey } from './stored-report.ts'

export type MetricName = 'p50' | 'p95' | 'p99' | 'error_rate' | 'rps'
export type MetricUnit = 'ms' | 'ratio' | 'req/s'

export type Metric = {
  key: string // "<stage> <metric>", or "throughput rps"
  stage: string | null // null for throughput
  metric: MetricName
  unit: MetricUnit
  better: 'lower' | 'higher'
  value: number
  count: number | null // spans behind a stage metric
}

export type RunSnapshot = {
  scenario: string
  startedAt: string
  fingerprint: Fingerprint
  workload: string
  synthetic: boolean
  metrics: Record<string, Metric>
  source?: string // the file it was read from
}

export type StageSelection = 'budgeted' | 'all'

export const THROUGHPUT_KEY = 'throughput rps'
// The names the client's stream figures are tracked under (report.client_ttft_ms, client_itl_ms).
export const CLIENT_TTFT_STAGE = 'client_ttft'
export const CLIENT_ITL_STAGE = 'client_itl'
// The capacity search's answer, tracked night to night like the throughput (higher is better).
export const CAPACITY_KEY = 'capacity rps'

export function metricKey(stage: string, metric: MetricName): string {
  return `${stage} ${metric}`
}

// Stage keys that have at least one budget, in the order the budgets list them.
export function budgetedStages(report: Pick<StoredReport, 'budgets'>): string[] {
  const stages: string[] = []
  for (const budget of report.budgets) {
    if (
      budget.target === 'throughput' ||
      budget.target === 'sampling_overhead' ||
      budget.target === 'capacity'
    )
      continue
    if (!stages.includes(budget.target)) stages.push(budget.target)
  }
  return stages
}

export function snapshotOf(
  report: StoredReport,
  options: { stages?: StageSelection; source?: string } = {},
): RunSnapshot {
  const stageKeys = options.stages === 'all' ? Object.keys(report.stages) : budgetedStages(report)
  const metrics: Record<string, Metric> = {}
  for (const stage of stageKeys) {
    const stats = report.stages[stage]
    if (!stats) continue
    const add = (metric: MetricName, value: number, unit: MetricUnit) => {
      metrics[metricKey(stage, metric)] = {
        key: metricKey(stage, metric),
        stage,
        metric,
        unit,
        better: 'lower',
        value,
        count: stats.count,
      }
    }
    add('p50', stats.p50_ms, 'ms')
    add('p95', stats.p95_ms, 'ms')
    add('p99', stats.p99_ms, 'ms')
    add('error_rate', stats.count > 0 ? stats.error_count / stats.count : 0, 'ratio')
  }
  // Streamed answers: TTFT and ITL p95 are tracked like stage percentiles, whether budgeted or
  // not (they are what a streaming scenario is about).
  for (const [stage, summary] of [
    [CLIENT_TTFT_STAGE, report.client_ttft_ms],
    [CLIENT_ITL_STAGE, report.client_itl_ms],
  ] as const) {
    if (!summary || summary.count === 0) continue
    const key = metricKey(stage, 'p95')
    metrics[key] = {
      key,
      stage,
      metric: 'p95',
      unit: 'ms',
      better: 'lower',
      value: summary.p95,
      count: summary.count,
    }
  }
  metrics[THROUGHPUT_KEY] = {
    key: THROUGHPUT_KEY,
    stage: null,
    metric: 'rps',
    unit: 'req/s',
    better: 'higher',
    value: report.load.rps,
    count: null,
  }
  const capacityRps = report.capacity?.rate_rps
  if (typeof capacityRps === 'number') {
    metrics[CAPACITY_KEY] = {
      key: CAPACITY_KEY,
      stage: null,
      metric: 'rps',
      unit: 'req/s',
      better: 'higher',
      value: capacityRps,
      count: null,
    }
  }
  return {
    scenario: report.scenario.name,
    startedAt: report.started_at,
    fingerprint: fingerprintOf(report.environment),
    workload: workloadKey(report),
    synthetic: report.synthetic === true,
    metrics,
    ...(options.source === undefined ? {} : { source: options.source }),
  }
}
