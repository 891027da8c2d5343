// The capacity search's decisions, pure: given the steps measured so far, which rate to measure
// next, and what the steps say about capacity. The runner (run-capacity.ts) measures; this file
// never runs anything, so every rule here is unit-tested on made-up outcomes.
//
// The search (a breakpoint test that reads itself):
// - geometric: from `from`, doubling, until a step does not pass or `to` passed;
// - bisection: between the highest rate that passed every time (lo) and the lowest rate that did
//   not pass at least once (hi), at the geometric midpoint √(lo·hi) (rates are a ratio scale),
//   until hi / lo − 1 ≤ precision;
// - confirmation: lo and hi are measured a second time (fresh seed): a budget that passed or
//   failed by noise near the boundary then shows as a mixed rate, which counts as not passing,
//   so the interval widens and the bisection goes on where it must;
// - an inconclusive step (a budget interval straddling its limit) is re-measured at once with a
//   longer step; inconclusive again counts as not passing (not shown to be within budget);
// - an untrusted step is re-measured once (a busy moment on a shared machine passes); untrusted
//   again ends the search: at that rate the harness measures itself, not the service.

export type StepVerdict = 'pass' | 'fail' | 'inconclusive' | 'untrusted'
export type FailedBudget = { target: string; metric: string; excess: number } // excess: actual / limit
export type StepRecord = { rateRps: number; verdict: StepVerdict; budgetsFailed: readonly FailedBudget[] }
export type SearchConfig = { fromRps: number; toRps: number; precision: number }
export type StepReason =
  | 'geometric'
  | 'bisection'
  | 'confirmation'
  | 'inconclusive re-measure'
  | 'untrusted re-measure'
export type NextStep =
  | { kind: 'measure'; rateRps: number; reason: StepReason; attempt: number }
  | { kind: 'done' }

export const GROWTH_FACTOR = 2
export const MAX_STEPS = 40

export type CapacityEstimate = {
  rateRps: number | null // highest rate that passed every time, below any failure; null: none
  intervalRps: [number | null, number | null] // [lo, hi]: null where no step bounds that side
  limitedBy: { target: string; metric: string } | 'instrument' | null
  instrumentCeilingRps: number | null // the lowest untrusted rate
}

// Rates are kept to 0.01 req/s so that a midpoint equal to a measured rate is recognised.
export function roundRate(rateRps: number): number {
  return Math.round(rateRps * 100) / 100
}

// The trusted measurements of a rate (an untrusted one says nothing about the service).
function measurementsAt(history: readonly StepRecord[], rateRps: number): StepRecord[] {
  return history.filter((s) => s.rateRps === rateRps && s.verdict !== 'untrusted')
}

function untrustedAt(history: readonly StepRecord[], rateRps: number): number {
  return history.filter((s) => s.rateRps === rateRps && s.verdict === 'untrusted').length
}

// Rates untrusted twice: the instrument's limit.
function instrumentLimits(history: readonly StepRecord[]): number[] {
  return [...new Set(history.map((s) => s.rateRps))].filter((r) => untrustedAt(history, r) >= 2)
}

// A rate passes only if every measurement of it passed. An inconclusive measurement followed by
// another at the same rate counts by the later one; one left standing counts as not passing.
function passesEveryTime(records: readonly StepRecord[]): boolean {
  const effective = records.filter((r, i) => r.verdict !== 'inconclusive' || i === records.length - 1)
  return effective.length > 0 && effective.every((r) => r.verdict === 'pass')
}

export function bounds(history: readonly StepRecord[]): { lo: number | null; hi: number | null } {
  const rates = [...new Set(history.filter((s) => s.verdict !== 'untrusted').map((s) => s.rateRps))].sort(
    (a, b) => a - b,
  )
  const notPassing = rates.filter((r) => !passesEveryTime(measurementsAt(history, r)))
  const hi = notPassing[0] ?? null
  const passing = rates.filter((r) => (hi === null || r < hi) && passesEveryTime(measurementsAt(history, r)))
  return { lo: passing.at(-1) ?? null, hi }
}

export function nextStep(config: SearchConfig, history: readonly StepRecord[]): NextStep {
  if (history.length === 0)
    return { kind: 'measure', rateRps: roundRate(config.fromRps), reason: 'geometric', attempt: 0 }
  if (history.length >= MAX_STEPS || instrumentLimits(history).length > 0) return { kind: 'done' }
  const last = history.at(-1)!
  const atLast = history.filter((s) => s.rateRps === last.rateRps).length
  if (last.verdict === 'untrusted') {
    return { kind: 'measure', rateRps: last.rateRps, reason: 'untrusted re-measure', attempt: atLast }
  }
  if (last.verdict === 'inconclusive' && measurementsAt(history, last.rateRps).length === 1) {
    return { kind: 'measure', rateRps: last.rateRps, reason: 'inconclusive re-measure', attempt: atLast }
  }
  const { lo, hi } = bounds(history)
  if (hi === null) {
    const top = Math.max(...history.map((s) => s.rateRps))
    if (top >= config.toRps) return { kind: 'done' }
    return {
      kind: 'measure',
      rateRps: roundRate(Math.min(config.toRps, top * GROWTH_FACTOR)),
      reason: 'geometric',
      attempt: 0,
    }
  }
  if (lo !== null && hi / lo - 1 > config.precision) {
    const mid = roundRate(Math.sqrt(lo * hi))
    if (mid > lo && mid < hi) return { kind: 'measure', rateRps: mid, reason: 'bisection', attempt: 0 }
  }
  // Converged (or the first step already failed): measure each bound a second time.
  for (const rate of lo === null ? [hi] : [lo, hi]) {
    if (measurementsAt(history, rate).length < 2) {
      const attempt = history.filter((s) => s.rateRps === rate).length
      return { kind: 'measure', rateRps: rate, reason: 'confirmation', attempt }
    }
  }
  return { kind: 'done' }
}

export function estimate(history: readonly StepRecord[]): CapacityEstimate {
  const limits = instrumentLimits(history)
  const instrumentCeilingRps = limits.length > 0 ? Math.min(...limits) : null
  const { lo, hi } = bounds(history)
  // The instrument gave out first when a rate was untrusted twice at or below every rate a budget
  // failed at: then no capacity is claimed.
  if (instrumentCeilingRps !== null && (hi === null || instrumentCeilingRps <= hi)) {
    return { rateRps: null, intervalRps: [lo, null], limitedBy: 'instrument', instrumentCeilingRps }
  }
  return {
    rateRps: lo,
    intervalRps: [lo, hi],
    limitedBy: hi === null ? null : firstBroken(measurementsAt(history, hi)),
    instrumentCeilingRps,
  }
}

// The budget that breaks first above capacity: at the lowest failing rate, the failed budget
// furthest beyond its limit.
function firstBroken(records: readonly StepRecord[]): { target: string; metric: string } | null {
  let best: FailedBudget | undefined
  for (const record of records)
    for (const failed of record.budgetsFailed) if (!best || failed.excess > best.excess) best = failed
  return best ? { target: best.target, metric: best.metric } : null
}

// The most steps the search can take from `from` to `to` at this precision, for the announced
// estimate: the doublings, the bisections of one doubling down to the precision, two
// confirmations and one re-measure per inconclusive step (counted once).
export function plannedSteps(config: SearchConfig): number {
  const doublings = Math.ceil(Math.log2(config.toRps / config.fromRps)) + 1
  const bisections = Math.ceil(Math.log2(Math.log(GROWTH_FACTOR) / Math.log(1 + config.precision)))
  return doublings + Math.max(0, bisections) + 2 + 1
}
