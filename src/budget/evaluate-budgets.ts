// Compares measured statistics with the scenario's budgets. A limit is inclusive: a p95 budget
// of 250ms passes at exactly 250 ms, an error_rate of 1% passes at exactly 1%, and min_rps 25
// passes at exactly 25 req/s.
//
// `target` in each result is the stage's canonical key (as in report.stages), so a consumer can
// join budgets to stages; `source` keeps the budget exactly as the user wrote it.
// sampling_overhead budgets need two runs and are evaluated elsewhere; they yield no result here.
import type { BudgetResult, StageStats } from '../report/report-types.ts'
import type { Budget, DurationMetric } from './parse-budget.ts'

export const STAT_OF: Record<DurationMetric, keyof StageStats> = {
  p50: 'p50_ms',
  p90: 'p90_ms',
  p95: 'p95_ms',
  p99: 'p99_ms',
  p999: 'p999_ms',
  max: 'max_ms',
  mean: 'mean_ms',
}

export type MeasuredForBudgets = { stages: Record<string, StageStats>; throughputRps: number }

export function evaluateBudgets(budgets: readonly Budget[], measured: MeasuredForBudgets): BudgetResult[] {
  const results: BudgetResult[] = []
  for (const budget of budgets) {
    if (budget.target === 'sampling_overhead') continue
    if (budget.target === 'throughput') {
      const actual = Number.isFinite(measured.throughputRps) ? measured.throughputRps : null
      results.push({
        target: 'throughput',
        metric: budget.metric,
        limit: budget.limit,
        actual,
        unit: budget.unit,
        pass: actual !== null && actual >= budget.limit,
        source: budget.source,
        ...(actual === null ? { note: 'no completed requests after warm-up' } : {}),
      })
      continue
    }
    // Narrowing on the target string cannot exclude a stage key, so check the variant's field.
    if (!('selector' in budget)) continue
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
      results.push({ ...base, actual: null, pass: false, note: `no spans matched ${key} after warm-up` })
      continue
    }
    const actual =
      budget.metric === 'error_rate' ? stats.error_count / stats.count : stats[STAT_OF[budget.metric]]
    results.push({ ...base, actual, pass: actual <= budget.limit })
  }
  return results
}

// No budgets at all is a pass: there was nothing to fail.
export function verdictOf(results: readonly BudgetResult[]): 'pass' | 'fail' {
  return results.every((result) => result.pass) ? 'pass' : 'fail'
}
