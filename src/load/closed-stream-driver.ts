// The closed-model driver for streamed answers: `connections` workers, each sending its next
// request when the previous response has ended, over one node:http keep-alive Agent. autocannon
// cannot serve here: it reports a response only when it has ended and never exposes the time of
// its first byte, let alone of each SSE event. This driver reads each streamed body chunk by
// chunk and times it (stream-timing.ts); non-streamed requests of the same mix are timed whole.
// In the closed model the send time is the actual one (nothing is scheduled).
import http from 'node:http'
import https from 'node:https'
import type { ClientLoadResult, ClientProgress } from './client-load-result.ts'
import { type ClientRecorder, createClientRecorder } from './client-recorder.ts'
import {
  createUnreachableWatch,
  type EndpointTarget,
  parseEndpointUrl,
  type UnreachableWatch,
} from './endpoint-target.ts'
import type { PlannedRequest, RequestMix } from './request-mix.ts'
import { createStreamTimer } from './stream-timing.ts'
import { newTraceparent } from './traceparent.ts'

export type ClosedStreamOptions = {
  url: string
  connections: number
  durationMs: number
  warmupMs: number
  requestTimeoutMs: number
  mix: RequestMix
  signal?: AbortSignal
  onTick?: (progress: ClientProgress) => void
  keepSamples?: boolean
}

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
  const { recorder, now, counters, target } = shared
  return new Promise<void>((resolve) => {
    const { traceparent, traceId } = newTraceparent()
    const sentAtMs = now()
    counters.sent++
    counters.inFlight++
    let settled = false
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    const settle = (record: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // After an abort the request stays counted in flight and nothing is recorded for it.
      if (!counters.aborted) {
        counters.inFlight--
        record()
      }
      resolve()
    }
    const fail = (error: NodeJS.ErrnoException | undefined) =>
      settle(() => {
        const failedAtMs = now()
        if (!timedOut && shared.unreachable.failed(error, failedAtMs, recorder.completed))
          counters.unreachable = true
        const code = timedOut ? 'timeout' : (error?.code ?? 'error')
        recorder.failure({ sentAtMs, failedAtMs, timeout: timedOut, code, traceId })
      })
    const request = shared.transport.request(
      {
        agent: shared.agent,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(planned.body),
          authorization: `Bearer ${planned.apiKey}`,
          traceparent,
        },
      },
      (response) => {
        const streamTimer = planned.stream ? createStreamTimer(planned.tenant, sentAtMs) : undefined
        if (streamTimer) response.on('data', (chunk: Buffer) => streamTimer.push(chunk, now()))
        else response.resume()
        response.on('end', () =>
          settle(() => {
            const completedAtMs = now()
            const status = response.statusCode ?? 0
            const stream = streamTimer?.finish(completedAtMs, status, response.headers['content-type'])
            const latencyMs = completedAtMs - sentAtMs
            recorder.response({
              sentAtMs,
              completedAtMs,
              latencyMs,
              status,
              traceId,
              ...(stream ? { stream } : {}),
            })
          }),
        )
        response.on('error', fail)
        response.on('close', () => {
          if (!response.complete) fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))
        })
      },
    )
    request.on('error', fail)
    timer = setTimeout(() => {
      timedOut = true
      request.destroy(new Error('request timed out'))
    }, shared.requestTimeoutMs)
    request.end(planned.body)
  })
}
