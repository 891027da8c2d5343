// The closed-model driver for streamed answers: `connections` workers, each sending its next
// request when the previous response has ended, over one node:http keep-alive Agent. autocannon
// cannot serve here: it reports a response only when it has ended and never exposes the time of
// its first byte, let alone of each SSE event. This driver reads each streamed body chunk by
// chunk and times it (stream-timing.ts); non-streamed requests of the same mix are timed whole.
// In the closed model the send time is the actual one (nothing is scheduled).
import http from 'node:http'
import https from 'node:https'
import type { ClientLoadResult } from './client-load-result.ts'
import { type ClientRecorder, createClientRecorder } from './client-recorder.ts'
import type { ClosedLoadOptions } from './closed-driver.ts'
import {
  createUnreachableWatch,
  type EndpointTarget,
  parseEndpointUrl,
  type UnreachableWatch,
} from './endpoint-target.ts'
import { type PostOutcome, postRequest } from './post-request.ts'
import type { PlannedRequest } from './request-mix.ts'
import { createStreamTimer, type StreamTimer } from './stream-timing.ts'
import { newTraceparent } from './traceparent.ts'

// The same options as autocannon's closed-model driver: a scenario switches drivers, not settings.
export type ClosedStreamOptions = ClosedLoadOptions

type Shared = {
  agent: http.Agent
  transport: typeof http | typeof https
  target: EndpointTarget
  recorder: ClientRecorder
  now: () => number
  requestTimeoutMs: number
  unreachable: UnreachableWatch
  // aborted: stopped from outside (Ctrl+C); what is in flight then is dropped, not failed.
  counters: { sent: number; inFlight: number; unreachable: boolean; aborted: boolean }
}

export async function runClosedStreamLoad(options: ClosedStreamOptions): Promise<ClientLoadResult> {
  const { connections, warmupMs, durationMs, mix } = options
  const target = parseEndpointUrl(options.url)
  const transport = target.protocol === 'https:' ? https : http
  const t0 = performance.now()
  const shared: Shared = {
    agent: new transport.Agent({ keepAlive: true, maxSockets: connections }),
    transport,
    target,
    recorder: createClientRecorder({ warmupMs, keepSamples: options.keepSamples ?? false }),
    now: () => performance.now() - t0,
    requestTimeoutMs: options.requestTimeoutMs,
    unreachable: createUnreachableWatch(),
    counters: { sent: 0, inFlight: 0, unreachable: false, aborted: false },
  }
  const { recorder, counters, now } = shared
  const startedAtMs = Date.now()
  const endAtMs = warmupMs + durationMs
  const stopped = () => now() >= endAtMs || options.signal?.aborted === true || counters.unreachable
  const ticker = setInterval(() => {
    options.onTick?.({
      elapsedMs: now(),
      sent: counters.sent,
      completed: recorder.completed,
      errors: recorder.errors + recorder.timeouts,
    })
  }, 1000)
  const worker = async () => {
    while (!stopped()) await sendOne(shared, mix.next())
  }
  // An abort ends the run now: the open requests are destroyed and counted as in flight at the
  // end, as the other drivers count them, instead of being waited for (up to request_timeout).
  const onAbort = () => {
    counters.aborted = true
    shared.agent.destroy()
  }
  if (options.signal?.aborted) onAbort()
  else options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await Promise.all(Array.from({ length: connections }, worker))
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    clearInterval(ticker)
    shared.agent.destroy()
  }
  if (counters.unreachable) throw shared.unreachable.error(options.url)
  const endMs = now()
  const recording = recorder.finish(endMs)
  return {
    driver: `node:http keep-alive agent, streaming reader, Node ${process.version} (closed model)`,
    model: 'closed',
    connections,
    startedAtMs,
    sent: counters.sent,
    completed: recording.completed,
    errors: recording.errors,
    timeouts: recording.timeouts,
    inFlightAtEnd: counters.inFlight,
    errorCodes: recording.errorCodes,
    statusCodes: recording.statusCodes,
    latenciesMs: recording.latenciesMs,
    // The workers finish the request in flight at the planned end: the window is the sending one.
    measuredDurationMs: Math.max(0, Math.min(endMs, endAtMs) - warmupMs),
    completedAfterWarmup: recording.completedAfterWarmup,
    intervals: recording.intervals,
    ...(recording.samples ? { samples: recording.samples } : {}),
    ...(recording.streams.length > 0 ? { streams: recording.streams } : {}),
    interrupted: options.signal?.aborted ?? false,
    warnings: [],
  }
}

// One request, recorded when its response has ended (streamed ones timed chunk by chunk), or
// when it failed or timed out; resolves then, never rejects.
function sendOne(shared: Shared, planned: PlannedRequest): Promise<void> {
  const { now, counters, target } = shared
  return new Promise<void>((resolve) => {
    const { traceparent, traceId } = newTraceparent()
    const sentAtMs = now()
    counters.sent++
    counters.inFlight++
    const stream = planned.stream ? createStreamTimer(planned.tenant, sentAtMs) : undefined
    const via = { transport: shared.transport, agent: shared.agent, target, clock: { now } }
    postRequest(
      via,
      planned,
      traceparent,
      { requestTimeoutMs: shared.requestTimeoutMs, stream },
      (outcome) => {
        // After an abort the request stays counted in flight and nothing is recorded for it.
        if (!counters.aborted) {
          counters.inFlight--
          record(shared, outcome, { sentAtMs, atMs: now(), traceId, stream })
        }
        resolve()
      },
    )
  })
}

function record(
  shared: Shared,
  outcome: PostOutcome,
  request: { sentAtMs: number; atMs: number; traceId: string; stream: StreamTimer | undefined },
): void {
  const { recorder, counters } = shared
  const { sentAtMs, atMs, traceId, stream } = request
  if (outcome.kind === 'response') {
    recorder.response({
      sentAtMs,
      completedAtMs: atMs,
      latencyMs: atMs - sentAtMs,
      status: outcome.status,
      traceId,
      ...(stream ? { stream: stream.finish(atMs, outcome.status, outcome.contentType) } : {}),
    })
    return
  }
  if (!outcome.timedOut && shared.unreachable.failed(outcome.error, atMs, recorder.completed))
    counters.unreachable = true
  const code = outcome.timedOut ? 'timeout' : (outcome.error?.code ?? 'error')
  recorder.failure({ sentAtMs, failedAtMs: atMs, timeout: outcome.timedOut, code, traceId })
}
