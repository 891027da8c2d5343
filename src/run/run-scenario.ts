import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { TraceAnalyzer } from '../analysis/trace-analyzer.ts'
import { evaluateBudgets, type InconclusivePolicy, verdictOf } from '../budget/evaluate-budgets.ts'
import { withCapacity } from '../capacity/capacity-budget.ts'
import { checkCapacityScenario, spansPerRequestOf } from '../capacity/capacity-step.ts'
import { runCapacity } from '../capacity/run-capacity.ts'
import type { CapacitySection } from '../contract/capacity-schema.ts'
import type { MockCallTally } from '../contract/mock-call.ts'
import { REPORT_SCHEMA_VERSION, type Report } from '../contract/report-types.ts'
import { currentEnvironment } from '../environment.ts'
import { RunError } from '../errors.ts'
import type { ClientLoadResult } from '../load/client-load-result.ts'
import { runClosedLoad } from '../load/closed-driver.ts'
import { runClosedStreamLoad } from '../load/closed-stream-driver.ts'
import { type OpenLoadResult, runOpenLoad } from '../load/open-driver.ts'
import { createRequestMix } from '../load/request-mix.ts'
import { redactKnownSecrets, redactReport } from '../report/redact-secrets.ts'
import { timestampDirName } from '../report/write-report.ts'
import { loadScenario, scenarioFromObject } from '../scenario/load-scenario.ts'
import { type Scenario, samplerLabel } from '../scenario/schema.ts'
import { summarizeDurations } from '../stats/stage-stats.ts'
import { StageCollector } from '../telemetry/stage-collector.ts'
import { fidelityTable } from '../trust/mock-fidelity.ts'
import { targetFidelityNote } from '../trust/target-fidelity.ts'
import { serverTraceGuard, withClosestSpanNames } from '../trust/target-guards.ts'
import { nonSuccessNote, noSuccessReason } from '../trust/target-responses.ts'
import { evaluateTrust } from '../trust/trust-guards.ts'
import { runWhatIf } from '../what-if/run-what-if.ts'
import type { FromEndpoint } from './endpoint-protocol.ts'
import type { MocksProcessStats } from './mocks-protocol.ts'
import { applyOverrides, type RunOverrides } from './overrides.ts'
import { type OverheadSection, overheadBudgetResults, runOverhead } from './run-overhead.ts'
import { isStreamBudget, streamBudgetResults, streamFields, streamNotes } from './stream-report.ts'
import { startSystemUnderTest } from './system-under-test.ts'

export type RunProgress = {
  elapsedMs: number
  totalMs: number
  sent: number
  completed: number
  errors: number
}

export type RunOptions = RunOverrides & {
  signal?: AbortSignal
  onProgress?: (progress: RunProgress) => void
  onPhase?: (phase: string) => void
  // Called with the endpoint process's pid once it is ready (for profilers, and for the tests
  // that make it crash mid-run).
  onEndpointStarted?: (pid: number) => void
  // The same for the mock servers' processes (mocks.transport: http).
  onMocksStarted?: (pids: number[]) => void
  // How an inconclusive budget counts: 'fail' (default) or 'warn' (the nightly suite's --quick).
  inconclusiveBudgets?: InconclusivePolicy
  // Where the reports go (default reports): a target service's log is written beside its report.
  reportsDir?: string
  // Called with the pid of a target service the harness started (null for target.url).
  onTargetStarted?: (pid: number | null) => void
  // Search for the capacity after the run (src/capacity/), even without a capacity budget.
  findCapacity?: boolean
}

export type LoadedScenario = { scenario: Scenario; file: string | null; text: string | null }

export function resolveScenario(pathOrObject: string | object): LoadedScenario {
  if (typeof pathOrObject === 'string') return loadScenario(pathOrObject)
  return { scenario: scenarioFromObject(pathOrObject), file: null, text: null }
}

export async function runScenario(pathOrObject: string | object, options: RunOptions = {}): Promise<Report> {
  return runLoadedScenario(resolveScenario(pathOrObject), options)
}

export async function runLoadedScenario(loaded: LoadedScenario, options: RunOptions = {}): Promise<Report> {
  const { scenario, applied } = applyOverrides(loaded.scenario, options)
  // A capacity search (--find-capacity, or a capacity budget) runs after the run, like the
  // overhead trials; what it cannot do is refused before any load.
  const searchCapacity =
    options.findCapacity === true || scenario.budgets.some((b) => b.kind === 'capacity')
  if (searchCapacity) checkCapacityScenario(scenario, { connectionsFlag: options.connections !== undefined })
  const startedAt = new Date()
  options.onPhase?.(
    scenario.mocks.transport === 'http'
      ? 'starting the mock servers and the endpoint'
      : 'starting the endpoint',
  )
  const targetLog = scenario.target ? targetLogFile(scenario.name, startedAt, options.reportsDir) : undefined
  const system = await startSystemUnderTest(
    scenario,
    targetLog ? { target: { scenarioFile: loaded.file, logFile: targetLog } } : {},
  )
  const host = system.endpoint
  if (system.target) options.onTargetStarted?.(system.target.servicePid)
  options.onEndpointStarted?.(host.pid)
  options.onMocksStarted?.(system.mocks?.pids ?? [])
  const abort = new AbortController()
  const onOuterAbort = () => abort.abort(options.signal?.reason)
  // Ctrl+C may come while the processes start (a few seconds on a loaded machine).
  if (options.signal?.aborted) onOuterAbort()
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  let crash: string | undefined
  void system.crashed.then((what) => {
    crash = what
    abort.abort(new RunError(`Failed to finish the run: ${crash}.`))
  })

  try {
    const { load } = scenario
    // The harness's own load: CPU and event-loop delay of this process (the driver's), from the
    // end of warm-up, when the endpoint starts counting too.
    const driverLoop = monitorEventLoopDelay({ resolution: 1 })
    let driverCpuAtMeasure = process.cpuUsage()
    let measuredFrom = performance.now()
    const measure = async () => {
      driverLoop.reset()
      driverLoop.enable()
      driverCpuAtMeasure = process.cpuUsage()
      measuredFrom = performance.now()
      await Promise.all([host.request({ type: 'measure' }, 'measuring', 10_000), system.mocks?.measure()])
    }
    let warmupTimer: NodeJS.Timeout | undefined
    if (load.warmupMs === 0) await measure()
    else warmupTimer = setTimeout(() => void measure().catch(() => undefined), load.warmupMs)

    options.onPhase?.('driving load')
    const totalMs = load.warmupMs + load.durationMs
    const url = system.target ? `${system.target.baseUrl}/` : `http://127.0.0.1:${host.port}/ask`
    const mix = createRequestMix(scenario.requests, scenario.seed)
    const onTick = (p: { elapsedMs: number; sent: number; completed: number; errors: number }) =>
      options.onProgress?.({ ...p, totalMs })
    let client: ClientLoadResult | OpenLoadResult
    try {
      client = load.arrival
        ? await runOpenLoad({
            url,
            arrival: load.arrival,
            durationMs: load.durationMs,
            warmupMs: load.warmupMs,
            requestTimeoutMs: load.requestTimeoutMs,
            mix,
            seed: scenario.seed,
            signal: abort.signal,
            onTick,
            keepSamples: true,
          })
        : scenario.requests.some((request) => request.stream)
          ? await runClosedStreamLoad({
              url,
              connections: load.connections ?? 10,
              durationMs: load.durationMs,
              warmupMs: load.warmupMs,
              requestTimeoutMs: load.requestTimeoutMs,
              mix,
              signal: abort.signal,
              onTick,
              keepSamples: true,
            })
          : await runClosedLoad({
              url,
              connections: load.connections ?? 10,
              durationMs: load.durationMs,
              warmupMs: load.warmupMs,
              requestTimeoutMs: load.requestTimeoutMs,
              mix,
              signal: abort.signal,
              onTick,
              keepSamples: true,
            })
    } finally {
      clearTimeout(warmupTimer)
    }
    const driverWallMs = performance.now() - measuredFrom
    const driverCpu = process.cpuUsage(driverCpuAtMeasure)
    driverLoop.disable()
    const driver = {
      cpuShare: driverWallMs > 0 ? (driverCpu.user + driverCpu.system) / 1000 / driverWallMs : 0,
      loopDelayP99Ms: driverLoop.count > 0 ? driverLoop.percentile(99) / 1e6 : 0,
      loopDelayMaxMs: driverLoop.count > 0 ? driverLoop.max / 1e6 : 0,
      wallMs: driverWallMs,
    }
    options.onPhase?.('collecting spans')
    // A target service: the mocks send the rest of their call records before the join is read.
    const mockCalls = scenario.target && system.mocks && !crash ? await system.mocks.flushCalls() : undefined
    // A crashed endpoint took its spans with it: the report keeps what the client saw and says so.
    const finished = crash
      ? noServerResults()
      : await host.request(
          scenario.target
            ? {
                type: 'finish',
                drainTimeoutMs: scenario.target.drainMs,
                expectedServerSpans: client.completed,
              }
            : { type: 'finish', drainTimeoutMs: Math.min(load.requestTimeoutMs, 10_000) },
          'results',
          30_000 + (scenario.target?.drainMs ?? 0),
        )
    const mocksStats = crash || !system.mocks ? [] : await system.mocks.stats()
    // A target service that never answered with a 2xx was not measured (target-responses.ts).
    const noSuccess = scenario.target ? noSuccessReason(client) : undefined
    const status: RunStatus = crash
      ? { status: 'incomplete', reason: crash, figuresMissing: true }
      : options.signal?.aborted
        ? { status: 'interrupted', reason: 'interrupted (Ctrl+C): the numbers cover what ran before it' }
        : noSuccess
          ? { status: 'incomplete', reason: noSuccess }
          : { status: 'complete' }
    let overhead: OverheadSection | undefined
    if (scenario.overhead && status.status === 'complete') {
      await system.stop()
      overhead = await runOverhead(scenario, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onPhase ? { onPhase: options.onPhase } : {}),
      })
    }
    let capacity: CapacitySection | undefined
    if (searchCapacity && status.status === 'complete') {
      await system.stop()
      capacity = await runCapacity(scenario, {
        runStep: (step, o) => runLoadedScenario({ scenario: step, file: loaded.file, text: loaded.text }, o),
        signal: options.signal,
        onPhase: options.onPhase,
        spansPerRequest: spansPerRequestOf(finished.results.stages, client.completedAfterWarmup),
      })
    }
    const built = buildReport({
      scenario,
      loaded,
      applied,
      startedAt,
      client,
      finished,
      driver,
      mocks: mocksStats,
      arrangement: system.arrangement,
      status,
      overhead,
      inconclusive: options.inconclusiveBudgets ?? 'fail',
      mockCalls,
    })
    const withCapacitySection = capacity
      ? withCapacity(built, capacity, scenario.budgets, options.inconclusiveBudgets ?? 'fail')
      : built
    let report = withCapacitySection
    if (scenario.whatIf.length > 0 && status.status === 'complete') {
      await system.stop()
      const rows = await runWhatIf(scenario, finished.whatIf ?? [], built, {
        runStep: (rerun, o) =>
          runLoadedScenario({ scenario: rerun, file: loaded.file, text: loaded.text }, o),
        signal: options.signal,
        onPhase: options.onPhase,
      })
      report = { ...withCapacitySection, what_if: rows }
    }
    // Ctrl+C during the capacity search or a what-if re-run: the run itself was whole, the
    // answers after it are partial, and the exit code says interrupted.
    if (status.status === 'complete' && options.signal?.aborted) {
      report = {
        ...report,
        status: 'interrupted',
        status_reason:
          'interrupted (Ctrl+C) after the run: the capacity search or what-if covers the steps before it',
      }
    }
    // Credentials never leave the run: report.json, the history and --json are written from this.
    return redactReport(
      redactKnownSecrets(
        report,
        scenario.requests.map((request) => request.apiKey),
      ),
    )
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort)
    await system.stop()
  }
}

type RunStatus =
  | { status: 'complete' }
  | { status: 'interrupted' | 'incomplete'; reason: string; figuresMissing?: boolean }

// target.log beside the report: the directory writeRunReports will use for this run.
function targetLogFile(name: string, startedAt: Date, reportsDir = 'reports'): string {
  const dir = join(reportsDir, name, timestampDirName(startedAt))
  mkdirSync(dir, { recursive: true })
  return join(dir, 'target.log')
}

function noServerResults(): Extract<FromEndpoint, { type: 'results' }> {
  return {
    type: 'results',
    results: new StageCollector().results(),
    stats: {
      cpu_user_ms: 0,
      cpu_system_ms: 0,
      event_loop_delay_ms: { p50: 0, p99: 0, max: 0 },
      rss_peak_mb: 0,
      heap_used_after_gc_mb: null,
      wall_ms: 0,
    },
    analysis: new TraceAnalyzer({ seed: 0 }).results(),
    inFlightAtFinish: 0,
  }
}

function cpuShareOf(stats: MocksProcessStats): number {
  return stats.wall_ms > 0 ? (stats.cpu_user_ms + stats.cpu_system_ms) / stats.wall_ms : 0
}

type DriverFigures = { cpuShare: number; loopDelayP99Ms: number; loopDelayMaxMs: number; wallMs: number }

function isOpen(client: ClientLoadResult | OpenLoadResult): client is OpenLoadResult {
  return client.model === 'open'
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

function buildReport(input: {
  scenario: Scenario
  loaded: LoadedScenario
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
}): Report {
  const { scenario, client, finished, driver } = input
  const { results } = finished
  const measuredSec = client.measuredDurationMs / 1000
  const throughputRps = measuredSec > 0 ? client.completedAfterWarmup / measuredSec : 0
  const streamed = scenario.requests.some((request) => request.stream)
  const budgets = [
    ...evaluateBudgets(
      // ttft / itl / tpot / goodput are the client's figures, decided in stream-report.ts.
      scenario.budgets.filter((budget) => !isStreamBudget(budget)),
      { stages: results.stages, throughputRps, measuredS: measuredSec },
      { inconclusive: input.inconclusive },
    ),
    ...overheadBudgetResults(scenario.budgets, input.overhead, input.inconclusive),
    ...(client.streams
      ? streamBudgetResults(client.streams, scenario.budgets, measuredSec, input.inconclusive)
      : []),
  ]
  const budgetsNamed = scenario.target ? withClosestSpanNames(budgets, Object.keys(results.stages)) : budgets
  const clientStats = summarizeDurations(client.latenciesMs, 0)

  // Driver warnings (e.g. autocannon timing later responses from older requests after a
  // server-closed connection) belong where a reader checks whether the numbers add up.
  const notes: string[] = [...client.warnings, ...streamNotes(client.streams ?? [])]
  const accounted = client.completed + client.errors + client.timeouts + client.inFlightAtEnd
  if (accounted !== client.sent) {
    notes.push(`sent ${client.sent} ≠ completed + errors + timeouts + in flight (${accounted})`)
  }
  // Every response the client saw came from a server span that ended (requests still in flight
  // at the end are drained before the spans are collected). Connection errors never reach it.
  const serverRequests = results.counters.server_spans
  if (serverRequests < client.completed) {
    notes.push(
      `the endpoint ended ${serverRequests} server spans but the client completed ${client.completed} requests`,
    )
  }
  if (results.counters.spans_started !== results.counters.spans_ended) {
    notes.push(
      `${results.counters.spans_started - results.counters.spans_ended} spans started but never ended`,
    )
  }
  if (results.counters.traces_dropped_pending > 0) {
    notes.push(
      `${results.counters.traces_dropped_pending} in-flight traces were evicted from the exemplar buffer`,
    )
  }
  if (scenario.tracing.sampler.kind !== 'always_on') {
    notes.push(`sampler ${samplerLabel(scenario.tracing.sampler)}: span counts cover sampled traces only`)
  }
  const countsComparable = scenario.tracing.sampler.kind === 'always_on'
  const accountingOk =
    accounted === client.sent &&
    (!countsComparable || serverRequests >= client.completed) &&
    results.counters.spans_started === results.counters.spans_ended

  const budgetVerdict = verdictOf(budgets)
  const fidelity = fidelityTable(scenario.dependencies, results.dependencies)
  const fidelityNote = scenario.target
    ? targetFidelityNote(input.mockCalls, finished.fidelityJoin)
    : undefined
  const gap = clientServerGap(client, results.root_durations)
  const endpointCpuMs = finished.stats.cpu_user_ms + finished.stats.cpu_system_ms
  const open = isOpen(client)
    ? {
        targetRatePerSec: targetRatePerSec(scenario.load.arrival!, scenario.load.durationMs),
        achievedRatePerSec:
          client.measuredDurationMs > 0
            ? (client.sent / (client.measuredDurationMs + scenario.load.warmupMs)) * 1000
            : 0,
        scheduled: client.scheduled,
        late: client.lateSends,
        dropped: client.dropped,
      }
    : undefined
  const guards = evaluateTrust(
    {
      endpointLoopDelayP99Ms: finished.stats.event_loop_delay_ms.p99,
      endpointCpuShare: finished.stats.wall_ms > 0 ? endpointCpuMs / finished.stats.wall_ms : 0,
      driverLoopDelayP99Ms: driver.loopDelayP99Ms,
      driverCpuShare: driver.cpuShare,
      mocks: input.mocks.map((m) => ({ cpuShare: cpuShareOf(m), loopDelayP99Ms: m.event_loop_delay_ms.p99 })),
      ...(open ? { open } : {}),
      spansStarted: results.counters.spans_started,
      spansEnded: results.counters.spans_ended,
      tracesEvicted: results.counters.traces_dropped_pending,
      accountingOk,
      fidelity: fidelity.map((f) => ({
        dependency: f.dependency,
        excessP50Ms: f.excess_p50_ms,
        excessP99Ms: f.excess_p99_ms,
      })),
      gapP50Ms: gap.joined > 0 ? gap.p50_ms : null,
      responsesMeasured: client.latenciesMs.length,
    },
    scenario.trust,
  )
  if (scenario.target) guards.push(serverTraceGuard(client.samples ?? [], results.root_durations))
  const receiver = finished.receiver
  if (receiver && receiver.malformed + receiver.too_large + receiver.spans_rejected > 0) {
    notes.push(
      `the OTLP receiver refused ${receiver.malformed} malformed and ${receiver.too_large} oversized exports and rejected ${receiver.spans_rejected} unreadable spans`,
    )
  }
  const failedAnswers = scenario.target ? nonSuccessNote(client) : undefined
  if (failedAnswers) notes.push(failedAnswers)
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
  const trusted = guards.every((g) => g.pass)
  const lag = isOpen(client) ? summarizeDurations(client.scheduleLagMs, 0) : undefined
  const runStartS = client.startedAtMs / 1000
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
    load: {
      model: client.model,
      driver: client.driver,
      connections: client.connections,
      sent: client.sent,
      completed: client.completed,
      errors: client.errors,
      timeouts: client.timeouts,
      in_flight_at_end: client.inFlightAtEnd,
      status_codes: client.statusCodes,
      rps: throughputRps,
    },
    client_latency_ms: {
      count: clientStats.count,
      p50: clientStats.p50_ms,
      p90: clientStats.p90_ms,
      p95: clientStats.p95_ms,
      p99: clientStats.p99_ms,
      max: clientStats.max_ms,
    },
    ...(streamed ? streamFields(client.streams ?? [], scenario.budgets, measuredSec) : {}),
    stages: results.stages,
    stage_histograms: results.stage_histograms,
    stage_intervals: results.stage_intervals.map((i) => ({
      start_ms: Math.round((i.start_s - runStartS) * 1000),
      warmup: (i.start_s - runStartS) * 1000 < scenario.load.warmupMs,
      stages: i.stages,
    })),
    budgets: budgetsNamed,
    trust: {
      verdict: trusted ? 'trusted' : 'untrusted',
      reasons: guards.filter((g) => !g.pass).map((g) => g.reason),
      guards,
      fidelity,
      ...(fidelityNote ? { fidelity_note: fidelityNote } : {}),
      client_server_gap_ms: gap,
      schedule_lag_ms: lag
        ? {
            p50: lag.p50_ms,
            p99: lag.p99_ms,
            max: lag.max_ms,
            late: open!.late,
            dropped: open!.dropped,
            scheduled: open!.scheduled,
          }
        : null,
      driver: {
        cpu_share: driver.cpuShare,
        event_loop_delay_p99_ms: driver.loopDelayP99Ms,
        event_loop_delay_max_ms: driver.loopDelayMaxMs,
      },
      endpoint: {
        cpu_share: finished.stats.wall_ms > 0 ? endpointCpuMs / finished.stats.wall_ms : 0,
        event_loop_delay_p99_ms: finished.stats.event_loop_delay_ms.p99,
        event_loop_delay_max_ms: finished.stats.event_loop_delay_ms.max,
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
    },
    accounting: {
      ok: accountingOk,
      sent: client.sent,
      completed: client.completed,
      errors: client.errors,
      timeouts: client.timeouts,
      in_flight_at_end: client.inFlightAtEnd,
      server_requests: serverRequests,
      pipeline_roots: results.counters.pipeline_roots,
      ...(finished.serverSpanName !== undefined ? { server_span: finished.serverSpanName } : {}),
      spans_started: results.counters.spans_started,
      spans_ended: results.counters.spans_ended,
      notes,
    },
    ...(input.overhead ? { overhead: input.overhead } : {}),
    analysis: finished.analysis,
    exemplars: results.exemplars,
    endpoint_process: {
      ...finished.stats,
      cpu_ms_per_request:
        client.completedAfterWarmup > 0
          ? (finished.stats.cpu_user_ms + finished.stats.cpu_system_ms) / client.completedAfterWarmup
          : 0,
    },
    intervals: client.intervals,
    arrangement: `${input.arrangement} (${client.model} model)`,
    sampler: samplerLabel(scenario.tracing.sampler),
    environment: currentEnvironment(),
  }
}
