// Every run checks the instrument before anyone reads its budgets: a saturated event loop, a
// driver that fell behind its schedule, dropped spans or mocks that drifted from their model
// make the stage numbers describe the harness, not the service. Each guard compares one figure
// with a documented threshold (overridable under `trust:` in the scenario); any failure makes
// the run `untrusted` (exit code 3), with the reason in plain words.

import type { TrustGuard } from '../contract/report-types.ts'
import type { TrustThresholds } from '../scenario/schema.ts'

export type Guard = TrustGuard

export type TrustInputs = {
  endpointLoopDelayP99Ms: number
  endpointCpuShare: number // CPU time / wall time of the endpoint process (1 = one core busy)
  driverLoopDelayP99Ms: number
  driverCpuShare: number
  // Each mock servers process (mocks.transport: http); absent or empty for in-process mocks.
  mocks?: { cpuShare: number; loopDelayP99Ms: number }[]
  open?: {
    targetRatePerSec: number
    achievedRatePerSec: number
    scheduled: number
    late: number
    dropped: number
  }
  spansStarted: number
  spansEnded: number
  tracesEvicted: number
  accountingOk: boolean
  fidelity: { dependency: string; excessP50Ms: number; excessP99Ms: number }[]
  gapP50Ms: number | null
  responsesMeasured: number // client responses after warm-up
}

function guard(
  name: string,
  figure: number | null,
  comparison: Guard['comparison'],
  threshold: number,
  unit: Guard['unit'],
  failReason: string,
  passReason: string,
): Guard {
  const pass = figure === null || (comparison === '<=' ? figure <= threshold : figure >= threshold)
  return { name, figure, threshold, unit, comparison, pass, reason: pass ? passReason : failReason }
}

const ms = (value: number) => `${value.toFixed(1)} ms`
const pct = (value: number) => `${(value * 100).toFixed(1)}%`

// The busiest mock servers process stands for all of them: one late mock makes its stage late.
function mocksGuards(mocks: NonNullable<TrustInputs['mocks']>, t: TrustThresholds): Guard[] {
  if (mocks.length === 0) return []
  const loopDelayP99Ms = Math.max(...mocks.map((m) => m.loopDelayP99Ms))
  const cpuShare = Math.max(...mocks.map((m) => m.cpuShare))
  return [
    guard(
      'mock servers event-loop delay p99',
      loopDelayP99Ms,
      '<=',
      t.mocksLoopDelayP99Ms,
      'ms',
      `the mock servers' event loop was delayed ${ms(loopDelayP99Ms)} at p99: mocked calls were answered late by up to that much; lower the load or raise mocks.processes`,
      'the mock servers kept up',
    ),
    guard(
      'mock servers CPU (share of one core)',
      cpuShare,
      '<=',
      t.mocksCpuShare,
      'ratio',
      `a mock servers process used ${pct(cpuShare)} of a core: it cannot answer on time at this load; lower the load or raise mocks.processes`,
      'the mock servers had CPU to spare',
    ),
  ]
}

export function evaluateTrust(inputs: TrustInputs, t: TrustThresholds): Guard[] {
  return [
    ...processGuards(inputs, t),
    ...mocksGuards(inputs.mocks ?? [], t),
    ...(inputs.open ? scheduleGuards(inputs.open, t) : []),
    ...collectionGuards(inputs),
    ...fidelityGuards(inputs.fidelity, t),
    gapGuard(inputs.gapP50Ms, t),
    responsesGuard(inputs.responsesMeasured),
  ]
}

function processGuards(inputs: TrustInputs, t: TrustThresholds): Guard[] {
  return [
    guard(
      'endpoint event-loop delay p99',
      inputs.endpointLoopDelayP99Ms,
      '<=',
      t.endpointLoopDelayP99Ms,
      'ms',
      `the endpoint's event loop was delayed ${ms(inputs.endpointLoopDelayP99Ms)} at p99: stage tails include harness queueing; lower the rate or connections`,
      'the endpoint process kept up',
    ),
    guard(
      'endpoint CPU (share of one core)',
      inputs.endpointCpuShare,
      '<=',
      t.endpointCpuShare,
      'ratio',
      `the endpoint process used ${pct(inputs.endpointCpuShare)} of a core: it is near saturation, so latencies include waiting for CPU; lower the load`,
      'the endpoint process had CPU to spare',
    ),
    guard(
      'driver event-loop delay p99',
      inputs.driverLoopDelayP99Ms,
      '<=',
      t.driverLoopDelayP99Ms,
      'ms',
      `the load driver's event loop was delayed ${ms(inputs.driverLoopDelayP99Ms)} at p99: client latencies and send times are late by that much; lower the load`,
      'the load driver kept up',
    ),
    guard(
      'driver CPU (share of one core)',
      inputs.driverCpuShare,
      '<=',
      t.driverCpuShare,
      'ratio',
      `the load driver used ${pct(inputs.driverCpuShare)} of a core: it cannot generate this load faithfully; lower the rate or connections`,
      'the load driver had CPU to spare',
    ),
  ]
}

function scheduleGuards(open: NonNullable<TrustInputs['open']>, t: TrustThresholds): Guard[] {
  const { targetRatePerSec, achievedRatePerSec, scheduled, late, dropped } = open
  const rateRatio = targetRatePerSec > 0 ? achievedRatePerSec / targetRatePerSec : 1
  return [
    guard(
      'achieved / target rate',
      rateRatio,
      '>=',
      t.minRateRatio,
      'ratio',
      `the driver sent ${achievedRatePerSec.toFixed(1)} req/s of the ${targetRatePerSec.toFixed(1)} req/s asked for: the service was tested at a lower load than the scenario says`,
      'the driver sent at the rate asked for',
    ),
    guard(
      'late sends',
      scheduled > 0 ? late / scheduled : 0,
      '<=',
      t.maxLateRatio,
      'ratio',
      `${late} of ${scheduled} requests were sent late (more than 10 ms after their intended time): the driver could not keep its schedule`,
      'requests left on schedule',
    ),
    guard(
      'dropped sends',
      scheduled > 0 ? dropped / scheduled : 0,
      '<=',
      t.maxDroppedRatio,
      'ratio',
      `${dropped} of ${scheduled} requests were dropped because the concurrency cap (load.arrival.max_in_flight) was reached: the service could not keep up, or the cap is too low`,
      'no request was dropped',
    ),
  ]
}

function collectionGuards(inputs: TrustInputs): Guard[] {
  return [
    guard(
      'spans started − ended',
      inputs.spansStarted - inputs.spansEnded + inputs.tracesEvicted,
      '<=',
      0,
      'count',
      `${inputs.spansStarted - inputs.spansEnded} spans never ended and ${inputs.tracesEvicted} traces were evicted: stage statistics miss spans`,
      'every span that started ended and was collected',
    ),
    guard(
      'request accounting',
      inputs.accountingOk ? 1 : 0,
      '>=',
      1,
      'count',
      'requests sent, answered and seen by the server do not add up (see accounting notes)',
      'every request is accounted for',
    ),
  ]
}

// The worst dependency is taken separately at p50 and at p99: they need not be the same one.
function fidelityGuards(fidelity: TrustInputs['fidelity'], t: TrustThresholds): Guard[] {
  const worst = [...fidelity].sort((a, b) => b.excessP99Ms - a.excessP99Ms)[0]
  if (!worst) return []
  const worstP50 = [...fidelity].sort((a, b) => b.excessP50Ms - a.excessP50Ms)[0]!
  return [
    guard(
      'mock fidelity: excess p50 (worst dependency)',
      worstP50.excessP50Ms,
      '<=',
      t.fidelityExcessP50Ms,
      'ms',
      `calls to the mocked ${worstP50.dependency} took ${ms(worstP50.excessP50Ms)} longer than the latency drawn for them at p50: the harness adds that to every stage`,
      'mocked calls took the latency they were given',
    ),
    guard(
      'mock fidelity: excess p99 (worst dependency)',
      worst.excessP99Ms,
      '<=',
      t.fidelityExcessP99Ms,
      'ms',
      `calls to the mocked ${worst.dependency} took up to ${ms(worst.excessP99Ms)} longer than drawn at p99: stage tails are inflated by the harness; lower the load`,
      'mock tails stayed close to their model',
    ),
  ]
}

function gapGuard(gapP50Ms: number | null, t: TrustThresholds): Guard {
  return guard(
    'client − server gap p50',
    gapP50Ms,
    '<=',
    t.gapP50Ms,
    'ms',
    `responses took ${ms(gapP50Ms ?? 0)} longer at the client than the server's root span at p50: time is lost queueing outside the traced code (sockets, parsing, the driver)`,
    'the client saw what the server measured',
  )
}

// A run that measured nothing passes every latency guard vacuously; its budgets say nothing.
function responsesGuard(responsesMeasured: number): Guard {
  return guard(
    'responses measured',
    responsesMeasured,
    '>=',
    1,
    'count',
    'no response arrived after warm-up: nothing was measured; lengthen load.duration',
    `${responsesMeasured} responses after warm-up`,
  )
}
