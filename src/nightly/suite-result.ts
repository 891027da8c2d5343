// What a nightly suite run produced, and the pure rules that turn it into verdicts and an exit
// code. The renderers (index.html, summary.md, junit.xml) only read these types.
import { ExitCode, type ExitCodeValue } from '../errors.ts'
import { normaliseBudgetId } from './load-suite.ts'
import type { Detection } from './regression.ts'
import { isUntrusted, type StoredBudget, type StoredReport } from './stored-report.ts'
import type { TrendChart } from './trends.ts'

export type BudgetOutcome = StoredBudget & {
  id: string // <target>.<metric>
  // inconclusive: the budget's 95% interval straddled its limit and the run (a quick one) counted
  // that as a warning; an inconclusive budget in a full run is a 'fail' (or 'expected-fail').
  outcome: 'pass' | 'fail' | 'expected-fail' | 'unexpected-pass' | 'inconclusive'
  inconclusive: boolean // its interval straddled the limit, whichever way it counted
  // Headroom as a share of the limit: positive = inside the budget, negative = over it.
  margin: number | null
}

export type ScenarioOutcome = {
  name: string
  file: string
  status: 'complete' | 'interrupted' | 'failed'
  error?: string // why the run failed
  report?: StoredReport
  links: { html?: string; json?: string } // relative to the suite directory
  budgets: BudgetOutcome[]
  untrusted: boolean
  trust: string | null // report.trust.verdict when the report has one
  detection: Detection | null
  trends: TrendChart[]
  appendedToHistory: boolean
  notes: string[] // anything the reader must know about this scenario's comparison
  exitCode: ExitCodeValue
}

export type SuiteResult = {
  suite: { name: string; description: string; file: string }
  startedAt: string
  finishedAt: string
  quick: boolean
  dir: string
  historyDir: string
  seededNights: number // synthetic nights fabricated per scenario by --seed-history in this run
  machine: string // describeFingerprint of this machine
  outcomes: ScenarioOutcome[]
  exitCode: ExitCodeValue
}

// Worst first. A run that did not finish says nothing about anything else; an untrusted one cannot
// be believed, so neither its budgets nor its regressions can; a regression is news, while a failed
// budget may have been failing for weeks (CI can tell them apart by the code).
export const EXIT_SEVERITY: readonly ExitCodeValue[] = [
  ExitCode.interrupted,
  ExitCode.runFailed,
  ExitCode.untrusted,
  ExitCode.regression,
  ExitCode.budgetFailed,
  ExitCode.ok,
]

export function worstExitCode(codes: Iterable<ExitCodeValue>): ExitCodeValue {
  let worst: ExitCodeValue = ExitCode.ok
  for (const code of codes) if (EXIT_SEVERITY.indexOf(code) < EXIT_SEVERITY.indexOf(worst)) worst = code
  return worst
}

export function marginOf(budget: Pick<StoredBudget, 'actual' | 'limit' | 'unit' | 'metric'>): number | null {
  if (budget.actual === null || budget.limit === 0) return null
  // min_rps is a floor; every other budget is a ceiling.
  return budget.metric === 'min_rps'
    ? (budget.actual - budget.limit) / budget.limit
    : (budget.limit - budget.actual) / budget.limit
}

export function budgetOutcomes(
  budgets: readonly StoredBudget[],
  expectedFailures: readonly string[],
): BudgetOutcome[] {
  const expected = new Set(expectedFailures.map(normaliseBudgetId))
  return budgets.map((budget) => {
    const id = `${budget.target}.${budget.metric}`
    const isExpected = expected.has(id)
    const inconclusive = budget.verdict === 'inconclusive'
    // A warning is neither a pass nor a failure: an expected failure that was only inconclusive
    // in a quick run did not pass either.
    const outcome =
      inconclusive && budget.pass
        ? 'inconclusive'
        : budget.pass
          ? isExpected
            ? 'unexpected-pass'
            : 'pass'
          : isExpected
            ? 'expected-fail'
            : 'fail'
    return { ...budget, id, outcome, inconclusive, margin: marginOf(budget) }
  })
}

// The budget closest to failing (or furthest over), leaving out expected failures.
export function worstMargin(budgets: readonly BudgetOutcome[]): BudgetOutcome | null {
  let worst: BudgetOutcome | null = null
  for (const budget of budgets) {
    if (budget.outcome === 'expected-fail') continue
    if (budget.margin === null) {
      if (budget.outcome === 'fail') return budget // no data: the worst there is
      continue
    }
    if (worst === null || (worst.margin !== null && budget.margin < worst.margin)) worst = budget
  }
  return worst
}

export function budgetsFailed(budgets: readonly BudgetOutcome[]): boolean {
  return budgets.some((b) => b.outcome === 'fail' || b.outcome === 'unexpected-pass')
}

export function scenarioExitCode(
  outcome: Pick<ScenarioOutcome, 'status' | 'budgets' | 'untrusted' | 'detection'>,
) {
  const codes: ExitCodeValue[] = []
  if (outcome.status === 'failed') codes.push(ExitCode.runFailed)
  if (outcome.status === 'interrupted') codes.push(ExitCode.interrupted)
  if (outcome.untrusted) codes.push(ExitCode.untrusted)
  if (outcome.detection?.status === 'regression') codes.push(ExitCode.regression)
  if (budgetsFailed(outcome.budgets)) codes.push(ExitCode.budgetFailed)
  return worstExitCode(codes)
}

export function trustOf(report: StoredReport): { untrusted: boolean; trust: string | null } {
  return { untrusted: isUntrusted(report), trust: report.trust?.verdict ?? null }
}

// One word for the verdict column.
export function verdictText(outcome: ScenarioOutcome): string {
  if (outcome.status === 'failed') return 'run failed'
  if (outcome.status === 'interrupted') return 'interrupted'
  if (outcome.untrusted) return 'untrusted'
  const unexpectedPass = outcome.budgets.some((b) => b.outcome === 'unexpected-pass')
  if (unexpectedPass) return 'fail (an expected failure passed)'
  const failed = outcome.budgets.filter((b) => b.outcome === 'fail')
  const expected = outcome.budgets.filter((b) => b.outcome === 'expected-fail').length
  const warnings = outcome.budgets.filter((b) => b.outcome === 'inconclusive').length
  const failedInconclusive = failed.filter((b) => b.inconclusive).length
  if (failed.length > 0) return failedInconclusive > 0 ? `fail (${failedInconclusive} inconclusive)` : 'fail'
  const extras = [
    ...(expected > 0 ? [`${expected} expected failure${expected === 1 ? '' : 's'}`] : []),
    ...(warnings > 0 ? [`${warnings} inconclusive: warning${warnings === 1 ? '' : 's'}`] : []),
  ]
  return extras.length > 0 ? `pass (${extras.join(', ')})` : 'pass'
}

export function marginText(budget: BudgetOutcome | null): string {
  if (budget === null) return '—'
  if (budget.margin === null) return `${budget.id}: no data`
  const pct = `${budget.margin >= 0 ? '' : '−'}${Math.abs(budget.margin * 100).toFixed(1)}%`
  return `${budget.id} ${pct}`
}
