// Figures shared by the report renderers (report.html, summary.md, junit.xml): the overall
// verdict with trust, budget values and margins.

import type { BudgetResult, Report, TrustGuard } from '../contract/report-types.ts'
import { budgetEvidenceText, budgetStatus, formatBudgetValue } from './budget-status.ts'
import { formatMs } from './render-console.ts'
import { serverSpanOf } from './server-span.ts'

export {
  budgetEvidenceText,
  budgetStatus,
  budgetStatusText,
  budgetToDecideText,
  formatBudgetValue,
  verdictDetail,
} from './budget-status.ts'

export type OverallVerdict = 'pass' | 'fail' | 'untrusted'

// pass | fail | untrusted. A run whose trust guards failed is untrusted whatever its budgets say
// (the trust issue may also write 'untrusted' into report.verdict directly).
export function overallVerdict(report: Report): OverallVerdict {
  if (report.verdict === 'untrusted' || report.trust.verdict === 'untrusted') return 'untrusted'
  return report.verdict === 'pass' ? 'pass' : 'fail'
}

// One line: "Trust: trusted — all 9 guards passed." or "Trust: untrusted — 5 of 9 guards failed."
export function trustHeadline(report: Report): string {
  const trust = report.trust
  const failed = trust.guards.filter((g) => !g.pass).length
  const head = `Trust: ${trust.verdict}`
  if (trust.guards.length === 0) return `${head}.`
  const n = trust.guards.length
  if (failed === 0) return `${head} — ${n === 1 ? 'the one guard' : `all ${n} guards`} passed.`
  return `${head} — ${failed} of ${n} guard${n === 1 ? '' : 's'} failed.`
}

// Why the run is untrusted, in plain words (the trust section's reasons, else the failed guards).
export function trustReasons(report: Report): string[] {
  const trust = report.trust
  const failed = trust.guards.filter((g) => !g.pass)
  if (failed.length === 0 && trust.verdict !== 'untrusted') return []
  if (trust.reasons.length > 0) return trust.reasons
  return failed.map((g) => g.reason || guardText(g))
}

export function trustLine(report: Report): string {
  const reasons = trustReasons(report)
  const head = trustHeadline(report)
  return reasons.length === 0 ? head : `${head.replace(/\.$/, ':')} ${reasons.join('; ')}`
}

export function formatScalar(value: number | null, unit?: string): string {
  if (value === null) return 'not measured'
  if (unit === 'ratio') return `${(value * 100).toFixed(value !== 0 && Math.abs(value) < 0.01 ? 2 : 1)}%`
  if (unit === 'ms') return `${formatMs(value)} ms`
  const text = Number.isInteger(value)
    ? String(value)
    : Math.abs(value) >= 100
      ? value.toFixed(0)
      : Number(value.toPrecision(3)).toString()
  return unit && unit !== 'count' ? `${text} ${unit}` : text
}

export function thresholdText(guard: TrustGuard): string {
  const op = guard.comparison === '>=' ? '≥ ' : '≤ '
  return `${op}${formatScalar(guard.threshold, guard.unit)}`
}

export function guardText(guard: TrustGuard): string {
  return `${guard.name} ${formatScalar(guard.figure, guard.unit)} (threshold ${thresholdText(guard)})`
}

export function budgetLimitText(budget: BudgetResult): string {
  return `${budget.unit === 'req/s' ? '≥' : '≤'} ${formatBudgetValue(budget.limit, budget.unit)}`
}

export type BudgetMargin = {
  headroom: number // in the budget's unit; negative when the budget is exceeded
  ratio: number | null // headroom / limit; null for a zero limit
  text: string // "503 ms", "−0.50 pp", "12.4 req/s"
  ratioText: string // "28.0%" or "–"
}

// How far the actual value is from the limit, positive when within it: limit − actual for an
// upper bound (latency, error rate), actual − limit for a lower bound (throughput). Error rates
// are ratios, so their margin is in percentage points.
export function budgetMargin(budget: BudgetResult): BudgetMargin | null {
  if (budget.actual === null) return null
  const headroom = budget.unit === 'req/s' ? budget.actual - budget.limit : budget.limit - budget.actual
  const ratio = budget.limit !== 0 ? headroom / budget.limit : null
  const sign = headroom < 0 ? '−' : '+'
  const abs = Math.abs(headroom)
  const text =
    budget.unit === 'ms'
      ? `${sign}${formatMs(abs)} ms`
      : budget.unit === 'ratio'
        ? `${sign}${(abs * 100).toFixed(2)} pp`
        : `${sign}${abs.toFixed(1)} req/s`
  const ratioText = ratio === null ? '–' : `${ratio < 0 ? '−' : '+'}${Math.abs(ratio * 100).toFixed(1)}%`
  return { headroom, ratio, text, ratioText }
}

// Failing budgets first, then inconclusive warnings, then passes; each group in the scenario's order.
export function budgetsFailingFirst(budgets: readonly BudgetResult[]): BudgetResult[] {
  const warning = (b: BudgetResult) => b.pass && budgetStatus(b) === 'inconclusive'
  return [
    ...budgets.filter((b) => !b.pass),
    ...budgets.filter(warning),
    ...budgets.filter((b) => b.pass && !warning(b)),
  ]
}

export function budgetFailureMessage(budget: BudgetResult): string {
  if (budget.actual === null) return `no data for ${budget.target}${budget.note ? ` (${budget.note})` : ''}`
  if (budgetStatus(budget) === 'inconclusive')
    return `inconclusive: ${budgetEvidenceText(budget)} straddles limit ${formatBudgetValue(budget.limit, budget.unit)} (actual ${formatBudgetValue(budget.actual, budget.unit)})`
  const verb = budget.unit === 'req/s' ? 'is below' : 'exceeds'
  return `actual ${formatBudgetValue(budget.actual, budget.unit)} ${verb} limit ${formatBudgetValue(budget.limit, budget.unit)}`
}

// Share of measured requests: root-cause counts are traces after warm-up, so the denominator
// is the server spans after warm-up (falling back to the client's count).
export function measuredRequests(report: Report): number {
  const server = report.stages[serverSpanOf(report)]?.count ?? 0
  return server > 0 ? server : report.client_latency_ms.count
}

// Most frequent first (the analysis already sorts them so; kept explicit for readers of the
// contract who build reports by hand).
export function rootCausesByCount(report: Report): { path: string; count: number }[] {
  return report.analysis.root_causes
    .map(({ path, count }) => ({ path, count }))
    .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path))
}
