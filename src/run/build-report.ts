// report.json from what one run measured: the client's figures, the endpoint's (or a target's)
// span statistics and process figures, the mocks' process figures. One function per section of
// the contract (contract/report-schema.ts); buildReport assembles them.
import { evaluateBudgets, type InconclusivePolicy, verdictOf } from '../budget/evaluate-budgets.ts'
import type { MockCallTally } from '../contract/mock-call.ts'
import {
  type BudgetResult,
  REPORT_SCHEMA_VERSION,
  type Report,
  type TrustGuard,
} from '../contract/report-types.ts'
import { currentEnvironment } from '../environment.ts'
import type { ClientLoadResult } from '../load/client-load-result.ts'
import type { OpenLoadResult } from '../load/open-driver.ts'
import { type Scenario, samplerLabel } from '../scenario/schema.ts'
import { summarizeDurations } from '../stats/stage-stats.ts'
import { fidelityTable } from '../trust/mock-fidelity.ts'
import { targetFidelityNote } from '../trust/target-fidelity.ts'
import { serverTraceGuard, withClosestSpanNames } from '../trust/target-guards.ts'
import { nonSuccessNote } from '../trust/target-responses.ts'
import { evaluateTrust } from '../trust/trust-guards.ts'
import type { FromEndpoint } from './endpoint-protocol.ts'
import type { MocksProcessStats } from './mocks-protocol.ts'
import { type OverheadSection, overheadBudgetResults } from './run-overhead.ts'
import { isStreamBudget, streamBudgetResults, streamFields, streamNotes } from './stream-report.ts'

export type RunStatus =
  | { status: 'complete' }
  | { status: 'interrupted' | 'incomplete'; reason: string; figuresMissing?: boolean }

export type DriverFigures = {
  cpuShare: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  wallMs: number
}

export type RunMeasurements = {
  scenario: Scenario
  loaded: { file: string | null; text: string | null }
  applied: Record<string, string>
  startedAt: Date
  client: ClientLoadResult | OpenLoadResult
  finished: Extract<FromEndpoint, { type: 'results' }>
  driver: DriverFigures
  mocks: MocksProcessStats[]
  arrangement: string
  status: RunStatus
  overhead?: OverheadSection | undefined
  inconclusive: InconclusivePolicy
  mockCalls?: MockCallTally | undefined
}

export function buildReport(input: RunMeasurements): Report {
  const { scenario, client, finished } = input
  const budgets = budgetResults(input)
  const accounting = accountingSection(input)
  const trust = trustSection(input, accounting)
  const budgetVerdict = verdictOf(budgets)
  const trusted = trust.verdict === 'trusted'
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: scenario.name,
      file: input.loaded.file,
      seed: scenario.seed,
      description: scenario.description.trim(),
      text: input.loaded.text,
    },
    started_at: input.startedAt.toISOString(),
    duration_s: client.measuredDurationMs / 1000,
    warmup_s: scenario.load.warmupMs / 1000,
    verdict: trusted ? budgetVerdict : 'untrusted',
    budget_verdict: budgetVerdict,
    inconclusive_budgets: input.inconclusive,
    status: input.status.status,
    ...(input.status.status !== 'complete' ? { status_reason: input.status.reason } : {}),
    overrides: input.applied,
    load: loadSection(client),
    client_latency_ms: clientLatency(client),
    ...(scenario.requests.some((request) => request.stream)
      ? streamFields(client.streams ?? [], scenario.budgets, measuredSeconds(client))
      : {}),
    stages: finished.results.stages,
    stage_histograms: finished.results.stage_histograms,
    stage_intervals: stageIntervals(input),
    budgets: scenario.target ? withClosestSpanNames(budgets, Object.keys(finished.results.stages)) : budgets,
    trust,
    accounting,
    ...(input.overhead ? { overhead: input.overhead } : {}),
    analysis: finished.analysis,
    exemplars: finished.results.exemplars,
    endpoint_process: endpointProcess(input),
    intervals: client.intervals,
    arrangement: `${input.arrangement} (${client.model} model)`,
    sampler: samplerLabel(scenario.tracing.sampler),
    environment: currentEnvironment(),
  }
}

function measuredSeconds(client: ClientLoadResult): number {
  return client.measuredDurationMs / 1000
}

function throughputRps(client: ClientLoadResult): number {
  const seconds = measuredSeconds(client)
  return seconds > 0 ? client.completedAfterWarmup / seconds : 0
}

function budgetResults(input: RunMeasurements): BudgetResult[] {
  const { scenario, client, finished } = input
  const measuredS = measuredSeconds(client)
  return [
    ...evaluateBudgets(
      // ttft / itl / tpot / goodput are the client's figures, decided in stream-report.ts.
      scenario.budgets.filter((budget) => !isStreamBudget(budget)),
      { stages: finished.results.stages, throughputRps: throughputRps(client), measuredS },
      { inconclusive: input.inconclusive },
    ),
    ...overheadBudgetResults(scenario.budgets, input.overhead, input.inconclusive),
    ...(client.streams
      ? streamBudgetResults(client.streams, scenario.budgets, measuredS, input.inconclusive)
      : []),
  ]
}

function loadSection(client: ClientLoadResult): Report['load'] {
  return {
    model: client.model,
    driver: client.driver,
    connections: client.connections,
    sent: client.sent,
    completed: client.completed,
    errors: client.errors,
    timeouts: client.timeouts,
    in_flight_at_end: client.inFlightAtEnd,
    status_codes: client.statusCodes,
    rps: throughputRps(client),
  }
}

function clientLatency(client: ClientLoadResult): Report['client_latency_ms'] {
  const stats = summarizeDurations(client.latenciesMs, 0)
  return {
    count: stats.count,
    p50: stats.p50_ms,
    p90: stats.p90_ms,
    p95: stats.p95_ms,
    p99: stats.p99_ms,
    max: stats.max_ms,
  }
}

// The collector's per-second series by epoch second, relative to the run's start.
function stageIntervals({ client, finished, scenario }: RunMeasurements): Report['stage_intervals'] {
  const runStartS = client.startedAtMs / 1000
  return finished.results.stage_intervals.map((i) => ({
    start_ms: Math.round((i.start_s - runStartS) * 1000),
    warmup: (i.start_s - runStartS) * 1000 < scenario.load.warmupMs,
    stages: i.stages,
  }))
}

function endpointProcess({ client, finished }: RunMeasurements): Report['endpoint_process'] {
  const cpuMs = finished.stats.cpu_user_ms + finished.stats.cpu_system_ms
  return {
    ...finished.stats,
    cpu_ms_per_request: client.completedAfterWarmup > 0 ? cpuMs / client.completedAfterWarmup : 0,
  }
}

// Does everything add up? sent = completed + errors + timeouts + in flight; every response came
// from a server span that ended; every span that started ended. A mismatch is a note, not hidden.
function accountingSection(input: RunMeasurements): Report['accounting'] {
  const { scenario, client, finished } = input
  const counters = finished.results.counters
  // Driver warnings (e.g. autocannon timing later responses from older requests after a
  // server-closed connection) belong where a reader checks whether the numbers add up.
  const notes: string[] = [...client.warnings, ...streamNotes(client.streams ?? [])]
  const accounted = client.completed + client.errors + client.timeouts + client.inFlightAtEnd
  if (accounted !== client.sent) {
    notes.push(`sent ${client.sent} ≠ completed + errors + timeouts + in flight (${accounted})`)
  }
  // Requests still in flight at the end are drained before the spans are collected; connection
  // errors never reach the server.
  const serverRequests = counters.server_spans
  if (serverRequests < client.completed) {
    notes.push(
      `the endpoint ended ${serverRequests} server spans but the client completed ${client.completed} requests`,
    )
  }
  if (counters.spans_started !== counters.spans_ended) {
    notes.push(`${counters.spans_started - counters.spans_ended} spans started but never ended`)
  }
  if (counters.traces_dropped_pending > 0) {
    notes.push(`${counters.traces_dropped_pending} in-flight traces were evicted from the exemplar buffer`)
  }
  const sampledOnly = scenario.tracing.sampler.kind !== 'always_on'
  if (sampledOnly) {
    notes.push(`sampler ${samplerLabel(scenario.tracing.sampler)}: span counts cover sampled traces only`)
  }
  notes.push(...targetNotes(input))
  return {
    ok:
      accounted === client.sent &&
      (sampledOnly || serverRequests >= client.completed) &&
      counters.spans_started === counters.spans_ended,
    sent: client.sent,
    completed: client.completed,
    errors: client.errors,
    timeouts: client.timeouts,
    in_flight_at_end: client.inFlightAtEnd,
    server_requests: serverRequests,
    pipeline_roots: counters.pipeline_roots,
    ...(finished.serverSpanName !== undefined ? { server_span: finished.serverSpanName } : {}),
    spans_started: counters.spans_started,
    spans_ended: counters.spans_ended,
    notes,
  }
}

// A target service: what its OTLP exports lost, and answers that were not 2xx.
function targetNotes({ scenario, client, finished }: RunMeasurements): string[] {
  if (!scenario.target) return []
  const notes: string[] = []
  const receiver = finished.receiver
  if (receiver && receiver.malformed + receiver.too_large + receiver.spans_rejected > 0) {
    notes.push(
      `the OTLP receiver refused ${receiver.malformed} malformed and ${receiver.too_large} oversized exports and rejected ${receiver.spans_rejected} unreadable spans`,
    )
  }
  const failedAnswers = nonSuccessNote(client)
  if (failedAnswers) notes.push(failedAnswers)
  return notes
}

function cpuShareOf(stats: MocksProcessStats): number {
  return stats.wall_ms > 0 ? (stats.cpu_user_ms + stats.cpu_system_ms) / stats.wall_ms : 0
}

function isOpen(client: ClientLoadResult | OpenLoadResult): client is OpenLoadResult {
  return client.model === 'open'
}

function openSchedule({ client, scenario }: RunMeasurements) {
  if (!isOpen(client) || !scenario.load.arrival) return undefined
  return {
    targetRatePerSec: targetRatePerSec(scenario.load.arrival, scenario.load.durationMs),
    achievedRatePerSec:
      client.measuredDurationMs > 0
        ? (client.sent / (client.measuredDurationMs + scenario.load.warmupMs)) * 1000
        : 0,
    scheduled: client.scheduled,
    late: client.lateSends,
    dropped: client.dropped,
  }
}

function trustSection(input: RunMeasurements, accounting: Report['accounting']): Report['trust'] {
  const { scenario, client, finished, driver } = input
  const fidelity = fidelityTable(scenario.dependencies, finished.results.dependencies)
  const fidelityNote = scenario.target
    ? targetFidelityNote(input.mockCalls, finished.fidelityJoin)
    : undefined
  const gap = clientServerGap(client, finished.results.root_durations)
  const open = openSchedule(input)
  const guards = trustGuards(input, { fidelity, gap, open, accountingOk: accounting.ok })
  const trusted = guards.every((g) => g.pass)
  const lag = isOpen(client) ? summarizeDurations(client.scheduleLagMs, 0) : undefined
  return {
    verdict: trusted ? 'trusted' : 'untrusted',
    reasons: guards.filter((g) => !g.pass).map((g) => g.reason),
    guards,
    fidelity,
    ...(fidelityNote ? { fidelity_note: fidelityNote } : {}),
    client_server_gap_ms: gap,
    schedule_lag_ms:
      lag && open
        ? {
            p50: lag.p50_ms,
            p99: lag.p99_ms,
            max: lag.max_ms,
            late: open.late,
            dropped: open.dropped,
            scheduled: open.scheduled,
          }
        : null,
    driver: {
      cpu_share: driver.cpuShare,
      event_loop_delay_p99_ms: driver.loopDelayP99Ms,
      event_loop_delay_max_ms: driver.loopDelayMaxMs,
    },
    endpoint: {
      cpu_share: endpointCpuShare(finished),
      event_loop_delay_p99_ms: finished.stats.event_loop_delay_ms.p99,
      event_loop_delay_max_ms: finished.stats.event_loop_delay_ms.max,
      ...spanProcessingOf(finished.stats),
    },
    ...(input.mocks.length > 0
      ? {
          mocks: input.mocks.map((m) => ({
            cpu_share: cpuShareOf(m),
            event_loop_delay_p99_ms: m.event_loop_delay_ms.p99,
            event_loop_delay_max_ms: m.event_loop_delay_ms.max,
            rss_peak_mb: m.rss_peak_mb,
            heap_used_after_gc_mb: m.heap_used_after_gc_mb,
          })),
        }
      : {}),
  }
}

function spanProcessingOf(
  stats: RunMeasurements['finished']['stats'],
): Pick<Report['trust']['endpoint'], 'span_processing'> {
  const processing = stats.span_processing
  const cpuMs = stats.cpu_user_ms + stats.cpu_system_ms
  if (!processing || processing.requests === 0 || cpuMs === 0) return {}
  return {
    span_processing: {
      share_of_cpu: processing.ms / cpuMs,
      us_per_request: (processing.ms * 1000) / processing.requests,
    },
  }
}

function endpointCpuShare(finished: RunMeasurements['finished']): number {
  const cpuMs = finished.stats.cpu_user_ms + finished.stats.cpu_system_ms
  return finished.stats.wall_ms > 0 ? cpuMs / finished.stats.wall_ms : 0
}

function trustGuards(
  input: RunMeasurements,
  figures: {
    fidelity: Report['trust']['fidelity']
    gap: Report['trust']['client_server_gap_ms']
    open: ReturnType<typeof openSchedule>
    accountingOk: boolean
  },
): TrustGuard[] {
  const { scenario, client, finished, driver } = input
  const counters = finished.results.counters
  const guards = evaluateTrust(
    {
      endpointLoopDelayP99Ms: finished.stats.event_loop_delay_ms.p99,
      endpointCpuShare: endpointCpuShare(finished),
      driverLoopDelayP99Ms: driver.loopDelayP99Ms,
      driverCpuShare: driver.cpuShare,
      mocks: input.mocks.map((m) => ({ cpuShare: cpuShareOf(m), loopDelayP99Ms: m.event_loop_delay_ms.p99 })),
      ...(figures.open ? { open: figures.open } : {}),
      spansStarted: counters.spans_started,
      spansEnded: counters.spans_ended,
      tracesEvicted: counters.traces_dropped_pending,
      accountingOk: figures.accountingOk,
      fidelity: figures.fidelity.map((f) => ({
        dependency: f.dependency,
        excessP50Ms: f.excess_p50_ms,
        excessP99Ms: f.excess_p99_ms,
      })),
      gapP50Ms: figures.gap.joined > 0 ? figures.gap.p50_ms : null,
      responsesMeasured: client.latenciesMs.length,
    },
    scenario.trust,
  )
  if (scenario.target) guards.push(serverTraceGuard(client.samples ?? [], finished.results.root_durations))
  if (input.status.status === 'incomplete') {
    guards.push({
      name: 'run completed',
      figure: 0,
      threshold: 1,
      unit: 'count',
      comparison: '>=',
      pass: false,
      reason: input.status.figuresMissing
        ? `${input.status.reason}: server-side figures are missing`
        : input.status.reason,
    })
  }
  return guards
}

// Client latency minus the server's root span for the same trace (joined by the traceparent
// the driver sent): time spent outside the traced code. In the open model the client latency
// runs from the intended send time, so the schedule lag is taken off first.
function clientServerGap(client: ClientLoadResult, rootDurations: Map<string, number>) {
  const gaps: number[] = []
  for (const sample of client.samples ?? []) {
    if (sample.status === 0) continue
    const rootMs = rootDurations.get(sample.traceId)
    if (rootMs !== undefined) gaps.push(sample.latencyMs - sample.lagMs - rootMs)
  }
  const stats = summarizeDurations(
    gaps.map((g) => Math.max(0, g)),
    0,
  )
  return {
    joined: gaps.length,
    p50_ms: stats.p50_ms,
    p90_ms: stats.p90_ms,
    p99_ms: stats.p99_ms,
    max_ms: stats.max_ms,
  }
}

function targetRatePerSec(arrival: NonNullable<Scenario['load']['arrival']>, durationMs: number): number {
  if (arrival.ratePerSec !== undefined) return arrival.ratePerSec
  const stages = arrival.stages ?? []
  const totalMs = stages.reduce((sum, s) => sum + s.durationMs, 0)
  // Mean rate over the measured stages (the schedule's own definition of the load).
  return totalMs > 0
    ? stages.reduce((sum, s) => sum + s.ratePerSec * s.durationMs, 0) / Math.max(totalMs, durationMs)
    : 0
}
