// The open-model load driver (issue 4, item 1): requests leave on a schedule fixed in advance
// (arrival-schedule.ts), whatever the responses do, and each latency is measured from the
// request's INTENDED send time, so time a request spent waiting because the driver or the
// server fell behind is counted (coordinated-omission-free, as wrk2). When the driver cannot
// keep up it says so: sends more than 10 ms late are counted, the lag of every send is kept,
// and a request due while maxInFlight are in flight is dropped and counted.
//
// HTTP: node:http with one keep-alive Agent (maxSockets = maxInFlight, so the agent never
// queues behind our own cap). Measured on this kind of machine, about 90 µs of CPU per request
// against a loopback server, a third of fetch's cost (notes: libraries-and-field.md).
import http from 'node:http'
import https from 'node:https'
import { preciseTimer } from '../precise-wait.ts'
import { type ArrivalStage, createArrivalSchedule } from './arrival-schedule.ts'
import type { ClientLoadResult, ClientProgress } from './client-load-result.ts'
import { type ClientRecorder, type ClientRecording, createClientRecorder } from './client-recorder.ts'
import { createUnreachableWatch, parseEndpointUrl } from './endpoint-target.ts'
import { type DispatchSummary, realClock, runDispatcher } from './open-dispatcher.ts'
import { type PostOutcome, postRequest } from './post-request.ts'
import type { RequestMix } from './request-mix.ts'
import { createStreamTimer, type StreamTimer } from './stream-timing.ts'
import { newTraceparent } from './traceparent.ts'

export type OpenArrival = {
  ratePerSec?: number
  // Measured-period stages; the warm-up runs at the first stage's rate before them.
  stages?: ArrivalStage[]
  distribution: 'uniform' | 'poisson'
  maxInFlight: number
}

export type OpenLoadOptions = {
  // e.g. http://127.0.0.1:8080/ask
  url: string
  arrival: OpenArrival
  // Measured period, after the warm-up. With stages, pass their total to run all of them.
  durationMs: number
  warmupMs: number
  requestTimeoutMs: number
  mix: RequestMix
  // Seeds the Poisson arrival gaps.
  seed: number
  signal?: AbortSignal
  onTick?: (progress: ClientProgress) => void
  keepSamples?: boolean
}

export type OpenLoadResult = ClientLoadResult & {
  // Intended sends over the whole run: sent + dropped.
  scheduled: number
  // Sends more than LATE_SEND_THRESHOLD_MS (10 ms) after their intended time, whole run.
  lateSends: number
  // Requests not sent because maxInFlight were in flight, whole run.
  dropped: number
  // Actual − intended send time of every request sent after the warm-up.
  scheduleLagMs: Float64Array
}

export async function runOpenLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const { arrival, warmupMs, durationMs, mix, requestTimeoutMs } = options
  const target = parseEndpointUrl(options.url)
  const transport = target.protocol === 'https:' ? https : http
  const agent = new transport.Agent({ keepAlive: true, maxSockets: arrival.maxInFlight })
  const recorder = createClientRecorder({ warmupMs, keepSamples: options.keepSamples ?? false })
  const lagsMs: number[] = []
  // The clock wakes on the precise timer; its thread must be up before the schedule starts.
  await preciseTimer().ready()
  const startedAtMs = Date.now()
  const clock = realClock()

  const schedule = createArrivalSchedule({
    ...scheduleShape(arrival, warmupMs),
    durationMs: warmupMs + durationMs,
    distribution: arrival.distribution,
    seed: options.seed,
  })

  // Stops the schedule early when nothing answers (see endpoint-target.ts).
  const unreachable = createUnreachableWatch()
  const unreachableStop = new AbortController()
  const signal = options.signal
    ? AbortSignal.any([options.signal, unreachableStop.signal])
    : unreachableStop.signal

  let sent = 0
  const ticker = setInterval(() => {
    options.onTick?.({
      elapsedMs: clock.now(),
      sent,
      completed: recorder.completed,
      errors: recorder.errors + recorder.timeouts,
    })
  }, 1000)

  const summary = await runDispatcher({
    schedule,
    clock,
    maxInFlight: arrival.maxInFlight,
    // Every request's timer ends it within requestTimeoutMs; the margin covers timer lateness.
    drainTimeoutMs: requestTimeoutMs + 1000,
    signal,
    // The mix is drawn for dropped requests too, so the sequence of bodies depends only on the seed.
    onDrop: () => mix.next(),
    send: (intendedMs, sentMs, settle) => {
      sent += 1
      const planned = mix.next()
      const { traceparent, traceId } = newTraceparent()
      const lagMs = sentMs - intendedMs
      if (intendedMs >= warmupMs) lagsMs.push(lagMs)
      // A streamed answer is read chunk by chunk and timed; any other is drained unread.
      const stream = planned.stream ? createStreamTimer(planned.tenant, intendedMs) : undefined
      const via = { transport, agent, target, clock }
      postRequest(via, planned, traceparent, { requestTimeoutMs, stream }, (outcome) => {
        if (!settle()) return
        const atMs = clock.now()
        const errored = outcome.kind === 'failure' && !outcome.timedOut
        if (errored && unreachable.failed(outcome.error, atMs, recorder.completed)) unreachableStop.abort()
        recordOutcome(recorder, outcome, { intendedMs, atMs, traceId, lagMs, stream })
      })
    },
  }).finally(() => {
    clearInterval(ticker)
    // Ends whatever is still in flight after the drain: those are counted as in flight at the end.
    agent.destroy()
  })

  if (unreachableStop.signal.aborted) throw unreachable.error(options.url)

  return openLoadResult(recorder.finish(summary.endMs), summary, {
    maxInFlight: arrival.maxInFlight,
    warmupMs,
    startedAtMs,
    lagsMs,
    interrupted: options.signal?.aborted ?? false,
  })
}

// Latency is counted from the intended send time (see the top of this file).
function recordOutcome(
  recorder: ClientRecorder,
  outcome: PostOutcome,
  request: {
    intendedMs: number
    atMs: number
    traceId: string
    lagMs: number
    stream: StreamTimer | undefined
  },
): void {
  const { intendedMs, atMs, traceId, lagMs, stream } = request
  if (outcome.kind === 'response') {
    recorder.response({
      sentAtMs: intendedMs,
      completedAtMs: atMs,
      latencyMs: atMs - intendedMs,
      status: outcome.status,
      traceId,
      lagMs,
      ...(stream ? { stream: stream.finish(atMs, outcome.status, outcome.contentType) } : {}),
    })
    return
  }
  recorder.failure({
    sentAtMs: intendedMs,
    failedAtMs: atMs,
    timeout: outcome.timedOut,
    code: outcome.timedOut ? 'timeout' : (outcome.error?.code ?? 'error'),
    traceId,
    lagMs,
  })
}

function openLoadResult(
  recording: ClientRecording,
  summary: DispatchSummary,
  run: { maxInFlight: number; warmupMs: number; startedAtMs: number; lagsMs: number[]; interrupted: boolean },
): OpenLoadResult {
  return {
    driver: `node:http keep-alive agent, Node ${process.version} (open model)`,
    model: 'open',
    connections: run.maxInFlight,
    startedAtMs: run.startedAtMs,
    sent: summary.sent,
    completed: recording.completed,
    errors: recording.errors,
    timeouts: recording.timeouts,
    inFlightAtEnd: summary.inFlightAtEnd,
    errorCodes: recording.errorCodes,
    statusCodes: recording.statusCodes,
    latenciesMs: recording.latenciesMs,
    // The sending window after the warm-up (the drain of the last responses is not included).
    measuredDurationMs: Math.max(0, summary.scheduleEndMs - run.warmupMs),
    completedAfterWarmup: recording.completedAfterWarmup,
    intervals: recording.intervals,
    ...(recording.samples ? { samples: recording.samples } : {}),
    ...(recording.streams.length > 0 ? { streams: recording.streams } : {}),
    interrupted: run.interrupted,
    warnings: [],
    scheduled: summary.scheduled,
    lateSends: summary.lateSends,
    dropped: summary.dropped,
    scheduleLagMs: Float64Array.from(run.lagsMs),
  }
}

// The warm-up is sent at the rate the measured period starts with.
function scheduleShape(
  arrival: OpenArrival,
  warmupMs: number,
): { ratePerSec?: number; stages?: ArrivalStage[] } {
  if (!arrival.stages) return arrival.ratePerSec !== undefined ? { ratePerSec: arrival.ratePerSec } : {}
  const first = arrival.stages[0]
  if (warmupMs <= 0 || !first) return { stages: arrival.stages }
  return { stages: [{ ratePerSec: first.ratePerSec, durationMs: warmupMs }, ...arrival.stages] }
}
