// The capacity search, run: one fresh scenario run per step (runStep is the harness's own
// runScenario, passed in so this module does not import the run it is called from), the next
// rate from capacity-search.ts, a time limit announced before the first step and enforced by
// aborting the step in progress.
import type { CapacitySection, CapacityStep } from '../contract/capacity-schema.ts'
import type { Report } from '../contract/report-types.ts'
import type { Scenario } from '../scenario/schema.ts'
import {
  estimate,
  nextStep,
  plannedSteps,
  roundRate,
  type SearchConfig,
  type StepRecord,
} from './capacity-search.ts'
import { conversionNotes, judgeStep, lowestDecidableRps, stepBudgets, stepScenario } from './capacity-step.ts'

export type RunStep = (scenario: Scenario, options: { signal: AbortSignal }) => Promise<Report>

export type CapacityOptions = {
  runStep: RunStep
  signal?: AbortSignal | undefined
  onPhase?: ((phase: string) => void) | undefined
  // Each budgeted stage's spans per completed request in the run before (to start the search
  // where a step can decide the budgets).
  spansPerRequest?: Readonly<Record<string, number>> | undefined
}

// Starting a step's processes and draining it take a few seconds beyond warm-up + measurement
// on this project's machine (2 vCPUs); the announced estimate counts this much per step.
const STEP_OVERHEAD_MS = 4000

export const CAPACITY_METHOD: readonly string[] = [
  'Each step is a fresh run of the scenario in the open model at one offered rate (own processes, own warm-up), judged by every stage budget (latency and error rate, each on its 95% interval) and by every trust guard.',
  'Rates double from `from` until a step does not pass, then the geometric midpoint of the highest passing and lowest failing rate is measured until they are within `precision` of each other.',
  'Both bounds are then measured a second time with the next seed; an inconclusive step is re-measured at once, twice as long. A rate passes only if every measurement of it passed.',
  'interval_rps = [highest rate that passed every time, lowest rate that did not pass at least once]; rate_rps is its low end. An untrusted step is re-measured once; untrusted twice ends the search, and if no budget failed at or below that rate the instrument gave out first and no capacity is claimed.',
]

export function estimatedSearchMs(config: Scenario['capacity']): number {
  return plannedSteps(searchConfig(config)) * (config.warmupMs + config.stepMs + STEP_OVERHEAD_MS)
}

function searchConfig(config: Scenario['capacity']): SearchConfig {
  return { fromRps: config.fromRps, toRps: config.toRps, precision: config.precision }
}

// `from`, raised to the lowest rate at which one step can decide every budget (below it every
// step would be inconclusive by construction), and the note that says so.
function effectiveConfig(
  scenario: Scenario,
  spansPerRequest: Readonly<Record<string, number>>,
): { config: Scenario['capacity']; note: string | null } {
  const config = scenario.capacity
  const decidable = lowestDecidableRps(scenario.budgets, spansPerRequest, config.stepMs)
  const fromRps = Math.min(config.toRps, Math.max(config.fromRps, roundRate(decidable.rps)))
  if (fromRps === config.fromRps) return { config, note: null }
  return {
    config: { ...config, fromRps },
    note: `from raised to ${fromRps} req/s: below it a ${config.stepMs / 1000} s step has too few spans to decide ${decidable.budget}; lengthen capacity.step_duration to search lower`,
  }
}

export async function runCapacity(scenario: Scenario, options: CapacityOptions): Promise<CapacitySection> {
  const { config, note } = effectiveConfig(scenario, options.spansPerRequest ?? {})
  const startedAt = performance.now()
  const estimateMin = estimatedSearchMs(config) / 60_000
  const limitMin = config.timeLimitMs / 60_000
  options.onPhase?.(
    `capacity search ${config.fromRps}–${config.toRps} req/s to ${(config.precision * 100).toFixed(1)}%: at most ${plannedSteps(searchConfig(config))} steps, about ${estimateMin.toFixed(1)} min${estimateMin > limitMin ? `, more than the ${limitMin.toFixed(1)} min limit: it will stop there with a partial answer` : ` (limit ${limitMin.toFixed(1)} min)`}`,
  )
  const limit = AbortSignal.timeout(config.timeLimitMs)
  const signal = options.signal ? AbortSignal.any([options.signal, limit]) : limit
  const records: StepRecord[] = []
  const steps: CapacityStep[] = []
  let status: CapacitySection['status'] = 'complete'
  for (;;) {
    const next = nextStep(searchConfig(config), records)
    if (next.kind === 'done') break
    if (signal.aborted) {
      status = options.signal?.aborted ? 'interrupted' : 'time_limit'
      break
    }
    const run = stepScenario(scenario, config, next)
    options.onPhase?.(`capacity step ${steps.length + 1}: ${next.rateRps} req/s (${next.reason})`)
    const report = await options.runStep(run, { signal })
    // A step cut short by the limit or Ctrl+C measured less than it should: it is not counted.
    if (report.status === 'interrupted' || signal.aborted) {
      status = options.signal?.aborted ? 'interrupted' : 'time_limit'
      break
    }
    const judged = judgeStep(report, run, next)
    records.push(judged.record)
    steps.push(judged.step)
    options.onPhase?.(`  ${next.rateRps} req/s: ${judged.step.verdict}`)
  }
  const result = estimate(records)
  return {
    rate_rps: result.rateRps,
    interval_rps: result.intervalRps,
    limited_by: result.limitedBy,
    instrument_ceiling_rps: result.instrumentCeilingRps,
    status,
    config: {
      from_rps: config.fromRps,
      to_rps: config.toRps,
      step_s: config.stepMs / 1000,
      warmup_s: config.warmupMs / 1000,
      precision: config.precision,
      time_limit_s: config.timeLimitMs / 1000,
    },
    elapsed_s: (performance.now() - startedAt) / 1000,
    notes: [...(note ? [note] : []), ...conversionNotes(scenario)],
    method: [...CAPACITY_METHOD],
    limits: stepBudgets(scenario.budgets)
      .filter((b) => b.unit === 'ms')
      .map((b) => ({
        target: b.kind === 'stage' ? b.selector.key : b.target,
        metric: b.metric,
        limit: b.limit,
      })),
    steps,
  }
}
