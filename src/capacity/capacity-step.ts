// One capacity step, pure: the scenario it runs (the scenario at one open-model rate, with the
// step's own duration and warm-up) and what its report says (the step's verdict).
import type { Budget } from '../budget/parse-budget.ts'
import { UsageError } from '../errors.ts'
import type { CapacityStep } from '../report/capacity-schema.ts'
import type { Report } from '../report/report-types.ts'
import type { CapacityConfig, Scenario } from '../scenario/schema.ts'
import type { FailedBudget, NextStep, StepRecord } from './capacity-search.ts'

type Measure = Extract<NextStep, { kind: 'measure' }>

// The budgets a step is judged by: every stage budget (latency and error rate). Throughput is
// not one of them (in the open model it follows the offered rate; the achieved-rate trust guard
// checks that), nor are the capacity and sampling-overhead budgets (about the whole search and
// the overhead trials).
export function stepBudgets(budgets: readonly Budget[]): Budget[] {
  return budgets.filter((b) => 'selector' in b)
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
