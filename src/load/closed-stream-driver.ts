// The closed-model driver for streamed answers: `connections` workers, each sending its next
// request when the previous response has ended, over one node:http keep-alive Agent. autocannon
// cannot serve here: it reports a response only when it has ended and never exposes the time of
// its first byte, let alone of each SSE event. This driver reads each streamed body chunk by
// chunk and times it (stream-timing.ts); non-streamed requests of the same mix are timed whole.
// In the closed model the send time is the actual one (nothing is scheduled).
import http from 'node:http'
import https from 'node:https'
import type { ClientLoadResult, ClientProgress } from './client-load-result.ts'
import { createClientRecorder } from './client-recorder.ts'
import { createUnreachableWatch, parseEndpointUrl } from './endpoint-target.ts'
import type { RequestMix } from './request-mix.ts'
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

export async function runClosedStreamLoad(options: ClosedStreamOptions): Promise<ClientLoadResult> {
  const { connections, warmupMs, durationMs, mix, requestTimeoutMs } = options
  const target = parseEndpointUrl(options.url)
  const transport = target.protocol === 'https:' ? https : http
  const agent = new transport.Agent({ keepAlive: true, maxSockets: connections })
  const recorder = createClientRecorder({ warmupMs, keepSamples: options.keepSamples ?? false })
  const startedAtMs = Date.now()
  const t0 = performance.now()
  const now = () => performance.now() - t0
  const endAtMs = warmupMs + durationMs
  const unreachable = createUnreachableWatch()
  let unreachableHit = false
  let sent = 0
  let inFlight = 0
  const stopped = () => now() >= endAtMs || options.signal?.aborted === true || unreachableHit

  const sendOne = () =>
    new Promise<void>((resolve) => {
      const planned = mix.next()
      const { traceparent, traceId } = newTraceparent()
      const sentAtMs = now()
      sent++
      inFlight++
      let settled = false
      let timedOut = false
      const settle = (record: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        inFlight--
        record()
        resolve()
      }
      const fail = (error: NodeJS.ErrnoException | undefined) =>
        settle(() => {
          const failedAtMs = now()
          if (!timedOut && unreachable.failed(error, failedAtMs, recorder.completed)) unreachableHit = true
          recorder.failure({
            sentAtMs,
            failedAtMs,
            timeout: timedOut,
            code: timedOut ? 'timeout' : (error?.code ?? 'error'),
            traceId,
          })
        })
      const request = transport.request(
        {
          agent,
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
              recorder.response({
                sentAtMs,
                completedAtMs,
                latencyMs: completedAtMs - sentAtMs,
                status,
                traceId,
                ...(streamTimer
                  ? { stream: streamTimer.finish(completedAtMs, status, response.headers['content-type']) }
                  : {}),
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
      const timer = setTimeout(() => {
        timedOut = true
        request.destroy(new Error('request timed out'))
      }, requestTimeoutMs)
      request.end(planned.body)
    })

  const ticker = setInterval(() => {
    options.onTick?.({
      elapsedMs: now(),
      sent,
      completed: recorder.completed,
      errors: recorder.errors + recorder.timeouts,
    })
  }, 1000)
  const worker = async () => {
    while (!stopped()) await sendOne()
  }
  try {
    await Promise.all(Array.from({ length: connections }, worker))
  } finally {
    clearInterval(ticker)
    agent.destroy()
  }
  if (unreachableHit) throw unreachable.error(options.url)
  const endMs = now()
  const recording = recorder.finish(endMs)
  return {
    driver: `node:http keep-alive agent, streaming reader, Node ${process.version} (closed model)`,
    model: 'closed',
    connections,
    startedAtMs,
    sent,
    completed: recording.completed,
    errors: recording.errors,
    timeouts: recording.timeouts,
    inFlightAtEnd: inFlight,
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
