// The capacity budget (`capacity: { min_rps: N }`) decided on the search's interval, and the
// report with the capacity section and that budget line added (the verdicts recomputed).
import { type InconclusivePolicy, verdictOf } from '../budget/evaluate-budgets.ts'
import type { Budget } from '../budget/parse-budget.ts'
import type { CapacitySection } from '../contract/capacity-schema.ts'
import type { BudgetResult, Report } from '../contract/report-types.ts'

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
  // The interval is the search's [highest passing, lowest failing] rate, not a confidence
  // interval at a level, so it goes in the note rather than in `ci`.
  const interval = `capacity interval [${lo ?? '–'}, ${hi ?? '∞'}] req/s`
  const note =
    capacity.limited_by === 'instrument'
      ? `${interval}; the harness cannot measure beyond ${capacity.instrument_ceiling_rps} req/s on this machine`
      : verdict === 'inconclusive'
        ? `${budget.limit} req/s lies inside the ${interval}`
        : interval
  return {
    target: 'capacity',
    metric: 'min_rps',
    limit: budget.limit,
    actual: lo,
    unit: 'req/s',
    pass: verdict === 'pass' || (verdict === 'inconclusive' && policy === 'warn'),
    verdict,
    source: budget.source,
    note,
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
