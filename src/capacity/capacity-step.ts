// One capacity step, pure: the scenario it runs (the scenario at one open-model rate, with the
// step's own duration and warm-up) and what its report says (the step's verdict).
import type { Budget } from '../budget/parse-budget.ts'
import type { CapacityStep } from '../contract/capacity-schema.ts'
import type { Report } from '../contract/report-types.ts'
import { UsageError } from '../errors.ts'
import type { CapacityConfig, Scenario } from '../scenario/schema.ts'
import type { FailedBudget, NextStep, StepRecord } from './capacity-search.ts'

type Measure = Extract<NextStep, { kind: 'measure' }>

// The budgets a step is judged by: every stage budget (latency and error rate). Throughput is
// not one of them (in the open model it follows the offered rate; the achieved-rate trust guard
// checks that), nor are the capacity and sampling-overhead budgets (about the whole search and
// the overhead trials).
export function stepBudgets(budgets: readonly Budget[]): Budget[] {
  return budgets.filter((b) => b.kind === 'stage')
}

// Refuses what a search cannot run, before any load: naming the key.
export function checkCapacityScenario(scenario: Scenario, options: { connectionsFlag: boolean }): void {
  if (options.connectionsFlag) {
    throw new UsageError(
      'Failed to search for capacity: --connections sets the closed model, and a capacity search offers open-model rates (load.arrival). Drop --connections.',
    )
  }
  if (stepBudgets(scenario.budgets).length === 0) {
    throw new UsageError(
      `Failed to search for capacity in ${scenario.name}: budgets: no latency or error-rate budget to judge the steps by. Add one (e.g. rag_pipeline: { p95: 2s }).`,
    )
  }
}

// What the steps change from the scenario as written, for the report's notes.
export function conversionNotes(scenario: Scenario): string[] {
  const notes: string[] = []
  if (scenario.load.connections !== undefined)
    notes.push(
      `closed model (load.connections: ${scenario.load.connections}) converted to the open model: each step offers a constant rate (uniform arrivals, at most 1000 in flight)`,
    )
  if (scenario.load.arrival?.stages) notes.push('arrival stages replaced by one constant rate per step')
  if (scenario.overhead) notes.push('the overhead trials are not run in the steps')
  if (scenario.budgets.some((b) => b.target === 'throughput'))
    notes.push('throughput budgets do not judge the steps (the achieved-rate trust guard does)')
  return notes
}

// The step's scenario. Each step is a fresh run (new processes: a cold cache, a full token
// bucket, a fresh JIT), so its own warm-up is part of it. A re-measurement of a rate uses the
// next seed: common random numbers across rates (the same request sequence and draws at every
// rate), independent noise between the two looks at one rate. An inconclusive step is
// re-measured twice as long (the interval narrows as 1/√n).
export function stepScenario(scenario: Scenario, config: CapacityConfig, step: Measure): Scenario {
  const arrival = scenario.load.arrival
  return {
    ...scenario,
    seed: (scenario.seed + step.attempt) % 2 ** 32,
    load: {
      connections: undefined,
      arrival: {
        stages: undefined,
        ratePerSec: step.rateRps,
        distribution: arrival?.distribution ?? 'uniform',
        maxInFlight: arrival?.maxInFlight ?? 1000,
      },
      durationMs: step.reason === 'inconclusive re-measure' ? 2 * config.stepMs : config.stepMs,
      warmupMs: config.warmupMs,
      requestTimeoutMs: scenario.load.requestTimeoutMs,
    },
    overhead: undefined,
    whatIf: [],
    budgets: stepBudgets(scenario.budgets),
  }
}

export function judgeStep(
  report: Report,
  scenario: Scenario,
  step: Measure,
): { step: CapacityStep; record: StepRecord } {
  const trusted = report.trust.verdict === 'trusted' && report.status === 'complete'
  const notPassing = report.budgets.filter((b) => b.verdict === 'fail' || b.verdict === 'inconclusive')
  const verdict = !trusted
    ? 'untrusted'
    : notPassing.some((b) => b.verdict === 'fail')
      ? 'fail'
      : notPassing.length > 0
        ? 'inconclusive'
        : 'pass'
  const stages: CapacityStep['stages'] = {}
  for (const budget of report.budgets) {
    const stats = report.stages[budget.target]
    if (stats)
      stages[budget.target] = {
        count: stats.count,
        p50_ms: stats.p50_ms,
        p95_ms: stats.p95_ms,
        p99_ms: stats.p99_ms,
      }
  }
  const failed: FailedBudget[] = notPassing
    .filter((b) => b.verdict === 'fail')
    .map((b) => ({
      target: b.target,
      metric: b.metric,
      // A budget with no data (actual null) failed outright: count it as far beyond its limit.
      excess: b.actual === null ? Number.POSITIVE_INFINITY : b.limit > 0 ? b.actual / b.limit : b.actual + 1,
    }))
  const reasons = [
    ...report.trust.reasons,
    ...(report.status === 'complete' ? [] : [report.status_reason ?? report.status]),
  ]
  return {
    record: { rateRps: step.rateRps, verdict, budgetsFailed: failed },
    step: {
      rate_rps: step.rateRps,
      achieved_rps: report.load.rps,
      reason: step.reason,
      seed: scenario.seed,
      duration_s: report.duration_s,
      verdict,
      trusted,
      untrusted_reasons: trusted ? [] : reasons,
      budgets_failed: notPassing.map((b) => ({
        target: b.target,
        metric: b.metric,
        limit: b.limit,
        actual: b.actual,
        verdict: b.verdict === 'fail' ? 'fail' : 'inconclusive',
      })),
      stages,
    },
  }
}

// Spans a budget needs before its 95% interval can lie wholly on the passing side, with the
// estimate well inside the limit: for a percentile q, the largest of n spans is an upper bound
// only when qⁿ ≤ 2.5% (n ≥ ln 0.025 / ln q: 368 for a p99, 72 for a p95); for an error rate L
// with no errors, the Clopper–Pearson upper bound is under L only when (1 − L)ⁿ ≤ 2.5%. max,
// mean and an error rate of 0 are decided on the observed value (1 span).
const QUANTILE_OF: Record<string, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 }

export function spansToDecide(budget: Budget): number {
  if (budget.kind !== 'stage') return 0
  const q = budget.metric === 'error_rate' ? 1 - budget.limit : QUANTILE_OF[budget.metric]
  if (q === undefined || !(q > 0) || q >= 1) return 1
  return Math.ceil(Math.log(0.025) / Math.log(q))
}

// The lowest rate at which one step can decide every budget: below it a step is inconclusive by
// construction (too few spans), whatever the service does. spansPerRequest: each budgeted
// stage's spans per completed request in the run before the search (a stage on 30% of requests
// needs 1/0.3 as many requests); a stage that never ran is left out. 20% margin: the estimate is
// rarely far inside the limit.
export function lowestDecidableRps(
  budgets: readonly Budget[],
  spansPerRequest: Readonly<Record<string, number>>,
  stepMs: number,
): { rps: number; budget: string | null } {
  let worst = { rps: 0, budget: null as string | null }
  for (const budget of stepBudgets(budgets)) {
    if (budget.kind !== 'stage') continue
    const share = spansPerRequest[budget.selector.key] ?? 0
    if (!(share > 0)) continue
    const rps = (1.2 * spansToDecide(budget)) / share / (stepMs / 1000)
    if (rps > worst.rps) worst = { rps, budget: `${budget.selector.key}.${budget.metric}` }
  }
  return worst
}

export function spansPerRequestOf(
  stages: Readonly<Record<string, { count: number }>>,
  completedRequests: number,
): Record<string, number> {
  if (!(completedRequests > 0)) return {}
  return Object.fromEntries(Object.entries(stages).map(([key, s]) => [key, s.count / completedRequests]))
}
