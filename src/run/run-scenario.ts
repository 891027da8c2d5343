import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { TraceAnalyzer } from '../analysis/trace-analyzer.ts'
import type { InconclusivePolicy } from '../budget/evaluate-budgets.ts'
import { withCapacity } from '../capacity/capacity-budget.ts'
import { checkCapacityScenario, spansPerRequestOf } from '../capacity/capacity-step.ts'
import { runCapacity } from '../capacity/run-capacity.ts'
import type { CapacitySection } from '../contract/capacity-schema.ts'
import type { MockCallTally } from '../contract/mock-call.ts'
import type { Report } from '../contract/report-types.ts'
import { RunError } from '../errors.ts'
import type { ClientLoadResult } from '../load/client-load-result.ts'
import { runClosedLoad } from '../load/closed-driver.ts'
import { runClosedStreamLoad } from '../load/closed-stream-driver.ts'
import { type OpenLoadResult, runOpenLoad } from '../load/open-driver.ts'
import { createRequestMix } from '../load/request-mix.ts'
import { redactKnownSecrets, redactReport } from '../report/redact-secrets.ts'
import { timestampDirName } from '../report/write-report.ts'
import { loadScenario, scenarioFromObject } from '../scenario/load-scenario.ts'
import type { Scenario } from '../scenario/schema.ts'
import { StageCollector } from '../telemetry/stage-collector.ts'
import { noSuccessReason } from '../trust/target-responses.ts'
import { runWhatIf } from '../what-if/run-what-if.ts'
import { buildReport, type DriverFigures, type RunStatus } from './build-report.ts'
import type { FromEndpoint } from './endpoint-protocol.ts'
import type { MocksProcessStats } from './mocks-protocol.ts'
import { applyOverrides, type RunOverrides } from './overrides.ts'
import { type OverheadSection, runOverhead } from './run-overhead.ts'
import { type SystemUnderTest, startSystemUnderTest } from './system-under-test.ts'

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
  // The closed model runs the streaming driver even when no request streams (it always does
  // when one does); `npm run bench` compares it with autocannon on the same load.
  streamingDriver?: boolean
  // Overhead trials with the harness's StageCollector measuring, as in a run (the harness tax in
  // `npm run bench`); by default the arms record spans as a cheap exporter would.
  overheadWithCollector?: boolean
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
  const searchCapacity = options.findCapacity === true || scenario.budgets.some((b) => b.kind === 'capacity')
  if (searchCapacity) checkCapacityScenario(scenario, { connectionsFlag: options.connections !== undefined })
  const startedAt = new Date()
  const system = await startSystem(scenario, loaded, startedAt, options)
  const abort = new AbortController()
  const onOuterAbort = () => abort.abort(options.signal?.reason)
  // Ctrl+C may come while the processes start (a few seconds on a loaded machine).
  if (options.signal?.aborted) onOuterAbort()
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const crash: { what?: string } = {}
  void system.crashed.then((what) => {
    crash.what = what
    abort.abort(new RunError(`Failed to finish the run: ${what}.`))
  })
  try {
    const { client, driver } = await driveLoad(scenario, system, abort.signal, options)
    options.onPhase?.('collecting spans')
    const collected = await collectResults(scenario, system, client, crash.what)
    const status = runStatusOf(scenario, client, crash.what, options.signal)
    const overhead = await overheadAfterRun(scenario, system, status, options)
    const afterRun: AfterRun = { loaded, scenario, system, status, options, collected, client }
    const capacity = searchCapacity ? await capacityAfterRun(afterRun) : undefined
    const built = buildReport({
      scenario,
      loaded,
      applied,
      startedAt,
      client,
      finished: collected.finished,
      driver,
      mocks: collected.mocksStats,
      arrangement: system.arrangement,
      status,
      overhead,
      inconclusive: options.inconclusiveBudgets ?? 'fail',
      mockCalls: collected.mockCalls,
    })
    const withCapacitySection = capacity
      ? withCapacity(built, capacity, scenario.budgets, options.inconclusiveBudgets ?? 'fail')
      : built
    const report = await withWhatIf(afterRun, withCapacitySection)
    // Credentials never leave the run: report.json, the history and --json are written from this.
    return redactReport(
      redactKnownSecrets(
        markInterruptedAfterRun(report, status, options.signal),
        scenario.requests.map((request) => request.apiKey),
      ),
    )
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort)
    await system.stop()
  }
}

async function startSystem(
  scenario: Scenario,
  loaded: LoadedScenario,
  startedAt: Date,
  options: RunOptions,
): Promise<SystemUnderTest> {
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
  if (system.target) options.onTargetStarted?.(system.target.servicePid)
  options.onEndpointStarted?.(system.endpoint.pid)
  options.onMocksStarted?.(system.mocks?.pids ?? [])
  return system
}

const SPAN_START_ROUNDING_MS = 1

// The load, with the harness's own load measured beside it: CPU and event-loop delay of this
// process (the driver's) from the end of warm-up, when the endpoint and mocks start counting too.
async function driveLoad(
  scenario: Scenario,
  system: SystemUnderTest,
  signal: AbortSignal,
  options: RunOptions,
): Promise<{ client: ClientLoadResult | OpenLoadResult; driver: DriverFigures }> {
  const { load } = scenario
  const driverLoop = monitorEventLoopDelay({ resolution: 1 })
  let driverCpuAtMeasure = process.cpuUsage()
  let measuredFrom = performance.now()
  const measure = async () => {
    driverLoop.reset()
    driverLoop.enable()
    driverCpuAtMeasure = process.cpuUsage()
    measuredFrom = performance.now()
    await Promise.all([
      system.endpoint.request({ type: 'measure' }, 'measuring', 10_000),
      system.mocks?.measure(),
    ])
  }
  // Which spans count is fixed before the driver starts its clock, so the boundary is never later
  // than the driver's own end of warm-up; one millisecond earlier still, because a team's service
  // instrumented the usual way sends whole-millisecond span starts, rounded down (the OpenTelemetry
  // JS SDK's; the built-in endpoint's are exact, endpoint/span-time.ts). Decided on arrival of the
  // 'measure' message instead, a request sent just after warm-up could have its server trace left
  // out (the message is late by the IPC hop), which a target's server-trace guard counted as missing.
  const fromEpochMs = performance.timeOrigin + performance.now() + load.warmupMs - SPAN_START_ROUNDING_MS
  await system.endpoint.request({ type: 'measure-from', fromEpochMs }, 'measure-from-set', 10_000)
  let warmupTimer: NodeJS.Timeout | undefined
  if (load.warmupMs === 0) await measure()
  else warmupTimer = setTimeout(() => void measure().catch(() => undefined), load.warmupMs)
  options.onPhase?.('driving load')
  let client: ClientLoadResult | OpenLoadResult
  try {
    client = await runDriver(scenario, system, signal, options)
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
  return { client, driver }
}

// The open model's driver, or in the closed model autocannon, or the streaming driver when any
// request asks for a stream (autocannon cannot see a first byte).
function runDriver(
  scenario: Scenario,
  system: SystemUnderTest,
  signal: AbortSignal,
  options: RunOptions,
): Promise<ClientLoadResult | OpenLoadResult> {
  const { load } = scenario
  const totalMs = load.warmupMs + load.durationMs
  const common = {
    url: system.target ? `${system.target.baseUrl}/` : `http://127.0.0.1:${system.endpoint.port}/ask`,
    durationMs: load.durationMs,
    warmupMs: load.warmupMs,
    requestTimeoutMs: load.requestTimeoutMs,
    mix: createRequestMix(scenario.requests, scenario.seed),
    signal,
    onTick: (p: { elapsedMs: number; sent: number; completed: number; errors: number }) =>
      options.onProgress?.({ ...p, totalMs }),
    keepSamples: true,
  }
  if (load.arrival) return runOpenLoad({ ...common, arrival: load.arrival, seed: scenario.seed })
  const connections = load.connections ?? 10
  return options.streamingDriver || scenario.requests.some((request) => request.stream)
    ? runClosedStreamLoad({ ...common, connections })
    : runClosedLoad({ ...common, connections })
}

type Collected = {
  finished: Extract<FromEndpoint, { type: 'results' }>
  mocksStats: MocksProcessStats[]
  mockCalls: MockCallTally | undefined
}

async function collectResults(
  scenario: Scenario,
  system: SystemUnderTest,
  client: ClientLoadResult,
  crash: string | undefined,
): Promise<Collected> {
  // A target service: the mocks send the rest of their call records before the join is read.
  const mockCalls = scenario.target && system.mocks && !crash ? await system.mocks.flushCalls() : undefined
  // A crashed endpoint took its spans with it: the report keeps what the client saw and says so.
  const finished = crash
    ? noServerResults()
    : await system.endpoint.request(
        scenario.target
          ? { type: 'finish', drainTimeoutMs: scenario.target.drainMs, expectedServerSpans: client.completed }
          : { type: 'finish', drainTimeoutMs: Math.min(scenario.load.requestTimeoutMs, 10_000) },
        'results',
        30_000 + (scenario.target?.drainMs ?? 0),
      )
  const mocksStats = crash || !system.mocks ? [] : await system.mocks.stats()
  return { finished, mocksStats, mockCalls }
}

function runStatusOf(
  scenario: Scenario,
  client: ClientLoadResult,
  crash: string | undefined,
  signal: AbortSignal | undefined,
): RunStatus {
  if (crash) return { status: 'incomplete', reason: crash, figuresMissing: true }
  if (signal?.aborted)
    return { status: 'interrupted', reason: 'interrupted (Ctrl+C): the numbers cover what ran before it' }
  // A target service that never answered with a 2xx was not measured (target-responses.ts).
  const noSuccess = scenario.target ? noSuccessReason(client) : undefined
  return noSuccess ? { status: 'incomplete', reason: noSuccess } : { status: 'complete' }
}

async function overheadAfterRun(
  scenario: Scenario,
  system: SystemUnderTest,
  status: RunStatus,
  options: RunOptions,
): Promise<OverheadSection | undefined> {
  if (!scenario.overhead || status.status !== 'complete') return undefined
  await system.stop()
  return runOverhead(scenario, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
    ...(options.overheadWithCollector === true ? { withCollector: true } : {}),
  })
}

// The capacity search's steps and the what-if re-runs are runs of a changed scenario from the
// same file, with the caller's Ctrl+C and progress.
function followUpRuns(loaded: LoadedScenario, options: RunOptions) {
  return {
    runStep: (changed: Scenario, o: RunOptions) =>
      runLoadedScenario({ scenario: changed, file: loaded.file, text: loaded.text }, o),
    signal: options.signal,
    onPhase: options.onPhase,
  }
}

// What the searches after a complete run need from it.
type AfterRun = {
  loaded: LoadedScenario
  scenario: Scenario
  system: SystemUnderTest
  status: RunStatus
  options: RunOptions
  collected: Collected
  client: ClientLoadResult
}

async function capacityAfterRun(run: AfterRun): Promise<CapacitySection | undefined> {
  const { loaded, scenario, system, status, options, collected, client } = run
  if (status.status !== 'complete') return undefined
  await system.stop()
  return runCapacity(scenario, {
    ...followUpRuns(loaded, options),
    spansPerRequest: spansPerRequestOf(collected.finished.results.stages, client.completedAfterWarmup),
  })
}

async function withWhatIf(run: AfterRun, report: Report): Promise<Report> {
  const { loaded, scenario, system, status, options, collected } = run
  if (scenario.whatIf.length === 0 || status.status !== 'complete') return report
  await system.stop()
  const rows = await runWhatIf(scenario, collected.finished.whatIf ?? [], report, {
    ...followUpRuns(loaded, options),
  })
  return { ...report, what_if: rows }
}

// Ctrl+C during the capacity search or a what-if re-run: the run itself was whole, the answers
// after it are partial, and the exit code says interrupted.
function markInterruptedAfterRun(report: Report, status: RunStatus, signal: AbortSignal | undefined): Report {
  if (status.status !== 'complete' || !signal?.aborted) return report
  return {
    ...report,
    status: 'interrupted',
    status_reason:
      'interrupted (Ctrl+C) after the run: the capacity search or what-if covers the steps before it',
  }
}

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
