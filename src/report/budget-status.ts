// How a budget result reads in every renderer: its status (pass, fail, or inconclusive when its
// 95% interval straddles the limit), the evidence it was decided on (sample count and interval)
// and, when inconclusive, the run length that would decide it. A leaf of the renderers (the
// console imports it too), so it formats with format-ms.ts only.

import type { BudgetResult, Report } from '../contract/report-types.ts'
import { sampleNounOf } from '../contract/stage-metrics.ts'
import { formatMs } from './format-ms.ts'

export function formatBudgetValue(value: number | null, unit: BudgetResult['unit']): string {
  if (value === null) return 'no data'
  if (unit === 'ms') return `${formatMs(value)} ms`
  if (unit === 'ratio') return `${(value * 100).toFixed(2)}%`
  return `${value.toFixed(1)} req/s`
}

// pass | fail | inconclusive, as every renderer shows it. An inconclusive budget (its 95%
// interval straddles the limit) is shown as such whether it failed the run (a full run) or
// was only a warning (a quick run; then `pass` is true).
export type BudgetStatus = 'pass' | 'fail' | 'inconclusive'

export function budgetStatus(budget: BudgetResult): BudgetStatus {
  if (budget.verdict === 'inconclusive') return 'inconclusive'
  return budget.pass ? 'pass' : 'fail'
}

// "INCONCLUSIVE (fails)" / "INCONCLUSIVE (warning)": whether it counted against the verdict.
export function budgetStatusText(budget: BudgetResult): string {
  const status = budgetStatus(budget)
  if (status !== 'inconclusive') return status.toUpperCase()
  return budget.pass ? 'INCONCLUSIVE (warning)' : 'INCONCLUSIVE (fails)'
}

function boundText(value: number | null, unit: BudgetResult['unit']): string {
  return value === null ? 'unbounded' : formatBudgetValue(value, unit)
}

// "n=120 · 95% CI [812 ms, unbounded]", or "n=120" for a budget decided on the observed value.
export function budgetEvidenceText(budget: BudgetResult): string {
  const parts: string[] = []
  if (budget.count !== undefined) parts.push(`n=${budget.count}`)
  if (budget.ci) {
    const level = Math.round(budget.ci.level * 100)
    parts.push(
      `${level}% CI [${boundText(budget.ci.low, budget.unit)}, ${boundText(budget.ci.high, budget.unit)}]`,
    )
  }
  return parts.join(' · ')
}

// "about 1600 spans (≈ 160 s at the observed rate) would decide it", for an inconclusive budget.
export function budgetToDecideText(budget: BudgetResult): string | null {
  if (budgetStatus(budget) !== 'inconclusive' || !budget.to_decide) return null
  const { count, seconds } = budget.to_decide
  if (count === null) return 'the estimate sits on the limit: no run length would decide it'
  const time =
    seconds === null
      ? ''
      : ` (≈ ${seconds < 100 ? seconds.toFixed(1) : seconds.toFixed(0)} s at the observed rate)`
  return `about ${count} ${sampleNounOf(budget.target)}${time} would decide it`
}

// "3 of 5 budgets failed (1 inconclusive)", "4 of 5 budgets passed; 1 inconclusive (warning)".
export function verdictDetail(report: Report): string {
  const failed = report.budgets.filter((b) => !b.pass).length
  const total = report.budgets.length
  if (total === 0) return 'no budgets declared'
  const inconclusive = report.budgets.filter((b) => budgetStatus(b) === 'inconclusive')
  const failedInconclusive = inconclusive.filter((b) => !b.pass).length
  const warnings = inconclusive.length - failedInconclusive
  const warned = warnings > 0 ? `; ${warnings} inconclusive (warning${warnings === 1 ? '' : 's'})` : ''
  if (failed === 0 && warnings === 0) return `all ${total} budget${total === 1 ? '' : 's'} passed`
  if (failed === 0) return `${total - warnings} of ${total} budgets passed${warned}`
  const ofWhich = failedInconclusive > 0 ? ` (${failedInconclusive} inconclusive)` : ''
  return `${failed} of ${total} budget${total === 1 ? '' : 's'} failed${ofWhich}${warned}`
}
