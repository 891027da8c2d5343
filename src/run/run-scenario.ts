// One scenario run, end to end: start the endpoint in its own process, drive load at it from
// this process, collect the endpoint's span statistics, compare them with the budgets.
// The CLI is a thin layer over this; teams can call it from their own test runner.
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { evaluateBudgets, verdictOf } from '../budget/evaluate-budgets.ts'
import { RunError } from '../errors.ts'
import type { ClientLoadResult } from '../load/client-load-result.ts'
import { runClosedLoad } from '../load/closed-driver.ts'
import { createRequestMix } from '../load/request-mix.ts'
import { REPORT_SCHEMA_VERSION, type Report } from '../report/report-types.ts'
import { loadScenario, scenarioFromObject } from '../scenario/load-scenario.ts'
import type { Scenario } from '../scenario/schema.ts'
import { summarizeDurations } from '../stats/stage-stats.ts'
import { describeSampler } from '../telemetry/tracer-provider.ts'
import { startEndpointProcess } from './endpoint-host.ts'
import type { FromEndpoint } from './endpoint-protocol.ts'
import { applyOverrides, type RunOverrides } from './overrides.ts'

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
}

export type LoadedScenario = { scenario: Scenario; file: string | null; text: string | null }

export function resolveScenario(pathOrObject: string | object): LoadedScenario {
  if (typeof pathOrObject === 'string') return loadScenario(pathOrObject)
  return { scenario: scenarioFromObject(pathOrObject), file: null, text: null }
}

export async function runScenario(pathOrObject: string | object, options: RunOptions = {}): Promise<Report> {
  const loaded = resolveScenario(pathOrObject)
  const { scenario, applied } = applyOverrides(loaded.scenario, options)
  const startedAt = new Date()
  options.onPhase?.('starting the endpoint')
  const host = await startEndpointProcess(scenario)
  const abort = new AbortController()
  const onOuterAbort = () => abort.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  let crashed = false
  void host.exited.then((exit) => {
    if (!exit.expected) {
      crashed = true
      abort.abort(
        new RunError(
          `The endpoint process exited during the run (code ${exit.code}, signal ${exit.signal}).`,
        ),
      )
    }
  })

  try {
    const { load } = scenario
    if (!load.connections) {
      throw new RunError(
        'Failed to start the load: open-model arrival rates are not supported by this driver yet. Use load.connections.',
      )
    }
    // The endpoint starts counting spans for the statistics when warm-up ends.
    const measure = () => host.request({ type: 'measure' }, 'measuring', 10_000)
    let warmupTimer: NodeJS.Timeout | undefined
    if (load.warmupMs === 0) await measure()
    else warmupTimer = setTimeout(() => void measure().catch(() => undefined), load.warmupMs)

    options.onPhase?.('driving load')
    const totalMs = load.warmupMs + load.durationMs
    let client: ClientLoadResult
    try {
      client = await runClosedLoad({
        url: `http://127.0.0.1:${host.port}/ask`,
        connections: load.connections,
        durationMs: load.durationMs,
        warmupMs: load.warmupMs,
        requestTimeoutMs: load.requestTimeoutMs,
        mix: createRequestMix(scenario.requests, scenario.seed),
        signal: abort.signal,
        onTick: (p) => options.onProgress?.({ ...p, totalMs }),
      })
    } finally {
      clearTimeout(warmupTimer)
    }
    if (crashed) throw abort.signal.reason

    options.onPhase?.('collecting spans')
    const finished = await host.request(
      { type: 'finish', drainTimeoutMs: Math.min(load.requestTimeoutMs, 10_000) },
      'results',
      30_000,
    )
    const interrupted = options.signal?.aborted ?? false
    return buildReport({ scenario, loaded, applied, startedAt, client, finished, interrupted })
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort)
    await host.stop()
  }
}

function buildReport(input: {
  scenario: Scenario
  loaded: LoadedScenario
  applied: Record<string, string>
  startedAt: Date
  client: ClientLoadResult
  finished: Extract<FromEndpoint, { type: 'results' }>
  interrupted: boolean
}): Report {
  const { scenario, client, finished } = input
  const { results } = finished
  const measuredSec = client.measuredDurationMs / 1000
  const throughputRps = measuredSec > 0 ? client.completedAfterWarmup / measuredSec : 0
  const budgets = evaluateBudgets(scenario.budgets, { stages: results.stages, throughputRps })
  const clientStats = summarizeDurations(client.latenciesMs, 0)

  const notes: string[] = []
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
    notes.push(`sampler ${describeSampler(scenario.tracing.sampler)}: span counts cover sampled traces only`)
  }
  const countsComparable = scenario.tracing.sampler.kind === 'always_on'
  const accountingOk =
    accounted === client.sent &&
    (!countsComparable || serverRequests >= client.completed) &&
    results.counters.spans_started === results.counters.spans_ended

  const budgetVerdict = verdictOf(budgets)
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: scenario.name,
      file: input.loaded.file,
      seed: scenario.seed,
      description: scenario.description.trim(),
    },
    started_at: input.startedAt.toISOString(),
    duration_s: client.measuredDurationMs / 1000,
    warmup_s: scenario.load.warmupMs / 1000,
    verdict: budgetVerdict,
    status: input.interrupted ? 'interrupted' : 'complete',
    overrides: input.applied,
    load: {
      model: 'closed',
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
    stages: results.stages,
    budgets,
    accounting: {
      ok: accountingOk,
      sent: client.sent,
      completed: client.completed,
      errors: client.errors,
      timeouts: client.timeouts,
      in_flight_at_end: client.inFlightAtEnd,
      server_requests: serverRequests,
      pipeline_roots: results.counters.pipeline_roots,
      spans_started: results.counters.spans_started,
      spans_ended: results.counters.spans_ended,
      notes,
    },
    root_causes: results.root_causes,
    exemplars: results.exemplars,
    endpoint_process: {
      ...finished.stats,
      cpu_ms_per_request:
        client.completedAfterWarmup > 0
          ? (finished.stats.cpu_user_ms + finished.stats.cpu_system_ms) / client.completedAfterWarmup
          : 0,
    },
    intervals: client.intervals,
    arrangement: 'endpoint and mocks in a child process (own event loop); load driver in the harness process',
    sampler: describeSampler(scenario.tracing.sampler),
    environment: environment(),
  }
}

function environment(): Report['environment'] {
  let gitSha: string | null = null
  try {
    gitSha = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    gitSha = null
  }
  const cpus = os.cpus()
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    git_sha: gitSha,
  }
}
