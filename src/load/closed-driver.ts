// The closed-model load driver: autocannon with `connections` connections, each sending its
// next request as soon as the previous response arrives. Runs in the harness process; the
// endpoint runs in another one, so the driver's work does not inflate the server spans.
//
// What autocannon's result fields mean (checked by experiment against a loopback server with
// autocannon 8.0.0; see test/unit/load/closed-driver.test.ts):
// - requests.sent (totalRequests): requests written, = calls of setupRequest.
// - requests.total (totalCompletedRequests): responses fully received, any status.
// - errors: connection errors plus timeouts (a timeout counts in both errors and timeouts).
// - timeouts: requests with no response within `timeout` (whole seconds, at least 1 s).
// - A request in flight when the run stops is dropped uncounted, and so is a request written
//   on a keep-alive connection that the server then closed (autocannon reconnects silently).
//   sent − total − errors is therefore what is unaccounted for: at most one per connection can
//   be in flight at the end (pipelining is 1), the rest were lost on closed connections.
// - After a connection error or a server-closed connection autocannon reconnects without
//   clearing its queue of sent requests (lib/httpClient.js), so every later response on that
//   client is timed from an older request's send: measured here with `Connection: close`, the
//   client latencies of a 5 ms server drifted to 470 ms within a second. The result then
//   carries a warning: its latencies are not trustworthy.
//
// Client latency is recorded here from each response's `responseTime` (hrtime from the write of
// the request to the end of the response, float ms), never from autocannon's histogram (whole
// milliseconds and, when a rate is set, back-filled with synthetic values: issue 3).
import { createRequire } from 'node:module'
import autocannon from 'autocannon'
import type { ClientLoadResult, ClientProgress } from './client-load-result.ts'
import { type ClientRecorder, createClientRecorder } from './client-recorder.ts'
import {
  createUnreachableWatch,
  type EndpointTarget,
  parseEndpointUrl,
  UNREACHABLE_MIN_REFUSALS,
} from './endpoint-target.ts'
import type { RequestMix } from './request-mix.ts'
import { newTraceparent } from './traceparent.ts'

export type ClosedLoadOptions = {
  // e.g. http://127.0.0.1:8080/ask
  url: string
  connections: number
  durationMs: number
  warmupMs: number
  requestTimeoutMs: number
  mix: RequestMix
  signal?: AbortSignal
  onTick?: (progress: ClientProgress) => void
  // Keep one ClientSample per post-warm-up response (trace id, status, latency) for the join
  // with server traces. Off by default: it costs about 150 bytes per request.
  keepSamples?: boolean
}

const AUTOCANNON_VERSION: string = createRequire(import.meta.url)('autocannon/package.json').version

// autocannon checks its stop flag on its sampling interval: 100 ms instead of the default 1 s
// ends the run within 100 ms of the planned end (or of an abort) instead of up to a second late.
const SAMPLE_INTERVAL_MS = 100

// A refused target makes autocannon reconnect in a hot loop: give up after this many refusals
// per connection (at least 50) or a second of errors, with nothing answered.
const REFUSALS_PER_CONNECTION = 5

type RequestContext = { traceId?: string }

export async function runClosedLoad(options: ClosedLoadOptions): Promise<ClientLoadResult> {
  const { connections, warmupMs, mix } = options
  const target = parseEndpointUrl(options.url)
  const recorder = createClientRecorder({ warmupMs, keepSamples: options.keepSamples ?? false })
  const startedAtMs = Date.now()
  const t0 = performance.now()
  const elapsed = () => performance.now() - t0

  let sent = 0
  let endMs = 0
  let interrupted = false
  const unreachable = createUnreachableWatch(
    Math.max(UNREACHABLE_MIN_REFUSALS, REFUSALS_PER_CONNECTION * connections),
  )
  let unreachableStop = false

  const { instance, finished } = startAutocannon(
    options,
    target,
    requestSetup(target, mix, () => {
      sent += 1
    }),
    (statusCode, responseTime, traceId) => {
      const nowMs = elapsed()
      recorder.response({
        sentAtMs: nowMs - responseTime,
        completedAtMs: nowMs,
        latencyMs: responseTime,
        status: statusCode,
        traceId,
      })
    },
  )

  instance.on('reqError', (error: NodeJS.ErrnoException) => {
    const nowMs = elapsed()
    const timeout = error?.message === 'request timed out'
    // autocannon does not say which request failed: no send time and no trace id.
    recorder.failure({ sentAtMs: nowMs, failedAtMs: nowMs, timeout, code: error?.code ?? 'error' })
    if (timeout || unreachableStop) return
    if (unreachable.failed(error, nowMs, recorder.completed)) {
      unreachableStop = true
      instance.stop()
    }
  })

  // autocannon emits 'tick' every second and once more when it stops, just before it destroys
  // its connections: the last tick is the end of the load.
  instance.on('tick', () => {
    endMs = elapsed()
    options.onTick?.({
      elapsedMs: endMs,
      sent,
      completed: recorder.completed,
      errors: recorder.errors + recorder.timeouts,
    })
  })

  const result = await untilFinished(finished, options, () => {
    interrupted = true
    instance.stop()
  })
  if (endMs === 0) endMs = elapsed()

  if (unreachableStop) throw unreachable.error(options.url)

  return closedLoadResult(result, recorder, { connections, warmupMs, startedAtMs, endMs, interrupted })
}

// Each request: the next of the mix, under a fresh traceparent whose trace id rides in the
// request's context to the response.
function requestSetup(
  target: EndpointTarget,
  mix: RequestMix,
  onSent: () => void,
): (request: autocannon.Request, context: object) => autocannon.Request {
  return (request, context) => {
    const planned = mix.next()
    const { traceparent, traceId } = newTraceparent()
    ;(context as RequestContext).traceId = traceId
    onSent()
    return {
      ...request,
      method: planned.method,
      path: planned.path ?? target.path,
      headers: { ...request.headers, ...planned.headers, traceparent },
      body: planned.body,
    }
  }
}

function startAutocannon(
  options: ClosedLoadOptions,
  target: EndpointTarget,
  setupRequest: (request: autocannon.Request, context: object) => autocannon.Request,
  onResponse: (statusCode: number, responseTimeMs: number, traceId: string) => void,
): { instance: autocannon.Instance; finished: Promise<autocannon.Result> } {
  // onResponse (per request, with its context) runs synchronously just before the instance's
  // 'response' event for the same response: this hands the trace id across.
  let lastContext: RequestContext | undefined
  let instance: autocannon.Instance
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: target.origin,
        connections: options.connections,
        duration: (options.warmupMs + options.durationMs) / 1000,
        // autocannon rejects a timeout under 1 s: shorter request timeouts become 1 s here.
        timeout: Math.max(1, options.requestTimeoutMs / 1000),
        sampleInt: SAMPLE_INTERVAL_MS,
        requests: [
          {
            method: 'POST',
            path: target.path,
            setupRequest,
            onResponse: (_status, _body, context) => {
              lastContext = context as RequestContext
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
  instance = instance!
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const traceId = lastContext?.traceId ?? ''
    lastContext = undefined
    onResponse(statusCode, responseTime, traceId)
  })
  return { instance, finished }
}

// The load's result; an abort stops the load early, and its listener leaves with the load.
async function untilFinished(
  finished: Promise<autocannon.Result>,
  options: ClosedLoadOptions,
  onAbort: () => void,
): Promise<autocannon.Result> {
  if (options.signal?.aborted) onAbort()
  else options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await finished
  } catch (error) {
    throw new Error(
      `Failed to run the closed-model load against ${options.url}: ${(error as Error).message}. Check the load settings.`,
      { cause: error },
    )
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

// autocannon's counts, reconciled with what was recorded (see the top of this file).
function closedLoadResult(
  result: autocannon.Result,
  recorder: ClientRecorder,
  run: { connections: number; warmupMs: number; startedAtMs: number; endMs: number; interrupted: boolean },
): ClientLoadResult {
  const { connections, warmupMs, endMs } = run
  const totalSent = result.requests.sent
  const totalCompleted = result.requests.total
  const unaccounted = Math.max(0, totalSent - totalCompleted - result.errors)
  const inFlightAtEnd = Math.min(unaccounted, connections)
  recorder.uncountedErrors('connection_closed', unaccounted - inFlightAtEnd)
  const recording = recorder.finish(endMs)
  const connectionErrors = result.errors - result.timeouts + (unaccounted - inFlightAtEnd)
  const warnings =
    connectionErrors > 0 && totalCompleted > 0
      ? [
          `${connectionErrors} requests failed on broken or server-closed connections; autocannon times the responses after a reconnect from an earlier request's send, so client latencies are overstated. Keep the endpoint's connections alive, or use the open model (load.arrival).`,
        ]
      : []

  return {
    driver: `autocannon ${AUTOCANNON_VERSION} (closed model)`,
    model: 'closed',
    connections,
    startedAtMs: run.startedAtMs,
    sent: totalSent,
    completed: totalCompleted,
    errors: connectionErrors,
    timeouts: result.timeouts,
    inFlightAtEnd,
    errorCodes: recording.errorCodes,
    statusCodes: recording.statusCodes,
    latenciesMs: recording.latenciesMs,
    measuredDurationMs: Math.max(0, endMs - warmupMs),
    completedAfterWarmup: recording.completedAfterWarmup,
    intervals: recording.intervals,
    ...(recording.samples ? { samples: recording.samples } : {}),
    interrupted: run.interrupted,
    warnings,
  }
}
