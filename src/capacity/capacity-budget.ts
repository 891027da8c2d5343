// The capacity budget (`capacity: { min_rps: N }`) decided on the search's interval, and the
// report with the capacity section and that budget line added (the verdicts recomputed).
import { type InconclusivePolicy, verdictOf } from '../budget/evaluate-budgets.ts'
import type { Budget } from '../budget/parse-budget.ts'
import type { CapacitySection } from '../report/capacity-schema.ts'
import type { BudgetResult, Report } from '../report/report-types.ts'

// pass: the rate that passed every time is at least N; fail: a rate at or below N did not pass
// (or the instrument gave out below N, so headroom N cannot be shown on this machine);
// inconclusive: N lies inside the interval.
export function capacityBudgetResult(
  budget: Extract<Budget, { target: 'capacity' }>,
  capacity: CapacitySection,
  policy: InconclusivePolicy,
): BudgetResult {
  const [lo, hi] = capacity.interval_rps
  const ceiling = capacity.limited_by === 'instrument' ? capacity.instrument_ceiling_rps : hi
  const verdict =
    lo !== null && lo >= budget.limit
      ? 'pass'
      : ceiling !== null && ceiling <= budget.limit
        ? 'fail'
        : 'inconclusive'
  const note =
    capacity.limited_by === 'instrument' && verdict !== 'pass'
      ? `the harness cannot measure beyond ${capacity.instrument_ceiling_rps} req/s on this machine`
      : verdict === 'inconclusive'
        ? `${budget.limit} req/s lies inside the capacity interval [${lo ?? 0}, ${hi ?? '∞'}]`
        : undefined
  return {
    target: 'capacity',
    metric: 'min_rps',
    limit: budget.limit,
    actual: lo,
    unit: 'req/s',
    pass: verdict === 'pass' || (verdict === 'inconclusive' && policy === 'warn'),
    verdict,
    source: budget.source,
    ci: {
      level: 0.95,
      low: lo,
      high: hi,
      method: 'capacity search: highest passing and lowest failing rate',
    },
    ...(note ? { note } : {}),
  }
}

export function withCapacity(
  report: Report,
  capacity: CapacitySection,
  budgets: readonly Budget[],
  policy: InconclusivePolicy,
): Report {
  const lines = budgets
    .filter((b): b is Extract<Budget, { target: 'capacity' }> => b.target === 'capacity')
    .map((b) => capacityBudgetResult(b, capacity, policy))
  const all = [...report.budgets, ...lines]
  const budgetVerdict = verdictOf(all)
  return {
    ...report,
    budgets: all,
    budget_verdict: budgetVerdict,
    verdict: report.trust.verdict === 'trusted' ? budgetVerdict : 'untrusted',
    capacity,
  }
}
