// The what-if re-run's scenario, pure: the scenario with one dependency's latency model scaled by
// a factor. Scaling every parameter of a model scales the distribution exactly (fixed, uniform,
// normal truncated at 0, lognormal by p50 and p99; for tokens, the time to first token and the
// time per token), and the mocks draw the same random numbers in the same order, so with the
// same seed each call's latency is the baseline's × factor (common random numbers).
import type { LatencyModel, Scenario, TokenLatencyModel, WhatIfChange } from '../scenario/schema.ts'

export function scaleModel(model: LatencyModel, factor: number): LatencyModel
export function scaleModel(
  model: LatencyModel | TokenLatencyModel,
  factor: number,
): LatencyModel | TokenLatencyModel
export function scaleModel(
  model: LatencyModel | TokenLatencyModel,
  factor: number,
): LatencyModel | TokenLatencyModel {
  switch (model.kind) {
    case 'fixed':
      return { kind: 'fixed', ms: model.ms * factor }
    case 'uniform':
      return { kind: 'uniform', minMs: model.minMs * factor, maxMs: model.maxMs * factor }
    case 'normal':
      return { kind: 'normal', meanMs: model.meanMs * factor, stddevMs: model.stddevMs * factor }
    case 'lognormal':
      return { kind: 'lognormal', p50Ms: model.p50Ms * factor, p99Ms: model.p99Ms * factor }
    case 'tokens':
      return { ...model, ttft: scaleModel(model.ttft, factor), perTokenMs: model.perTokenMs * factor }
  }
}

// The re-run: the change applied, no further what-ifs, no capacity search or overhead trials.
export function whatIfScenario(scenario: Scenario, change: WhatIfChange): Scenario {
  const dependency = scenario.dependencies[change.dependency]
  return {
    ...scenario,
    dependencies: {
      ...scenario.dependencies,
      [change.dependency]: { ...dependency, latency: scaleModel(dependency.latency, change.factor) },
    },
    whatIf: [],
    overhead: undefined,
    budgets: scenario.budgets.filter((b) => b.target !== 'capacity'),
  }
}
