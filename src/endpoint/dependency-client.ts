// One call to a dependency with the resilience a real service has: a per-attempt timeout
// bounded by the request's deadline, retries with exponential backoff and full jitter
// ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015) that honour Retry-After,
// and one HTTP client span per attempt (HTTP semantic conventions; `http.request.resend_count`
// on retries) so a failed trace reads llm_generation › POST /v1/chat/completions › 429.
import { type Context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api'
import {
  MOCK_DELAY_ATTRIBUTE,
  MOCK_DELAY_HEADER,
  MOCK_HELD_ATTRIBUTE,
  MOCK_HELD_HEADER,
} from '../contract/dependency-api.ts'
import type { Rng } from '../rng.ts'
import type { DependencyName } from '../scenario/schema.ts'
import { propagator } from '../telemetry/tracer-provider.ts'
import { DeadlineExceededError, DependencyError } from './dependency-error.ts'
import type { DependencyResponse, DependencyTransport } from './dependency-transport.ts'
import { spanNow } from './span-time.ts'
import { markError } from './traced-stage.ts'

export type RetryPolicy = { max: number; backoffMs: number; maxBackoffMs: number }

export type DependencyCall = {
  dependency: DependencyName
  path: string // under the dependency's base URL
  body: unknown
  timeoutMs: number
  retry: RetryPolicy | undefined
  deadlineAt: number // performance.now() by which the whole request must be done
}

export type CallContext = { tracer: Tracer; ctx: Context; rng: Rng; transport: DependencyTransport }

export const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504])
const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value
  },
}

export async function callDependency<T>(call: CallContext, request: DependencyCall): Promise<T> {
  const url = call.transport.urlOf(request.dependency, request.path)
  const maxAttempts = 1 + (request.retry?.max ?? 0)
  const payload = JSON.stringify(request.body)
  let lastError: DependencyError | undefined

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const remainingMs = request.deadlineAt - performance.now()
    if (remainingMs <= 0) throw lastError ?? new DeadlineExceededError(request.dependency, attempt)

    const outcome = await attemptOnce<T>(
      call,
      request,
      url,
      payload,
      attempt,
      Math.min(request.timeoutMs, remainingMs),
    )
    if (outcome.ok) return outcome.value
    lastError = outcome.error
    if (!outcome.retryable) throw lastError

    if (attempt + 1 < maxAttempts && request.retry) {
      const delayMs = backoffDelayMs(request.retry, attempt, call.rng.next(), lastError.details.retryAfterMs)
      // A retry that cannot finish before the deadline is not worth starting.
      if (performance.now() + delayMs >= request.deadlineAt) break
      await sleep(delayMs)
    }
  }
  throw lastError!
}

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: DependencyError; retryable: boolean }

async function attemptOnce<T>(
  call: CallContext,
  request: DependencyCall,
  url: URL,
  payload: string,
  attempt: number,
  timeoutMs: number,
): Promise<AttemptOutcome<T>> {
  const span = startClientSpan(call, request, url, attempt)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  propagator.inject(trace.setSpan(call.ctx, span), headers, headerSetter)
  const attempts = attempt + 1
  // One controller and one timer per attempt, both released when the attempt ends, whatever
  // its outcome (AbortSignal.timeout would hold its timer, and the signal, until it fires).
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), Math.max(1, Math.ceil(timeoutMs)))
  try {
    let response: DependencyResponse
    try {
      response = await call.transport.post(
        request.dependency,
        request.path,
        headers,
        payload,
        controller.signal,
      )
    } catch (cause) {
      return failed(
        span,
        transportError(request, cause, controller.signal.aborted, timeoutMs, attempts),
        true,
      )
    }
    span.setAttribute('http.response.status_code', response.status)
    let text: string
    try {
      // Error bodies are read too: a pooled connection is reused only once its body is consumed.
      text = await response.text()
    } catch (cause) {
      const timedOut = controller.signal.aborted
      // A body that fails mid-read after a good start is a dropped connection.
      const error = new DependencyError(
        request.dependency,
        timedOut ? 'timeout' : 'reset',
        `${request.dependency} sent a body that could not be read: ${messageOf(cause)}`,
        { status: response.status, attempts },
        { cause },
      )
      return failed(span, error, timedOut)
    }
    recordMockTiming(span, response)
    if (response.status < 200 || response.status > 299) {
      return failed(
        span,
        statusError(request.dependency, response, attempts),
        RETRYABLE_STATUS.has(response.status),
      )
    }
    try {
      const value = JSON.parse(text) as T
      span.end(spanNow())
      return { ok: true, value }
    } catch (cause) {
      const error = new DependencyError(
        request.dependency,
        isEndOfInput(cause, text) ? 'truncated' : 'invalid_response',
        `${request.dependency} sent a body that is not JSON: ${messageOf(cause)}`,
        { status: response.status, attempts },
        { cause },
      )
      return failed(span, error, false)
    }
  } finally {
    clearTimeout(timer)
  }
}

export function startClientSpan(call: CallContext, request: DependencyCall, url: URL, attempt: number): Span {
  return call.tracer.startSpan(
    `POST ${url.pathname}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'url.full': url.href,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        'peer.service': request.dependency,
        ...(attempt > 0 ? { 'http.request.resend_count': attempt } : {}),
      },
      startTime: spanNow(),
    },
    call.ctx,
  )
}

// What the mock drew and how long it held the call (mock fidelity). Real providers send neither.
export function recordMockTiming(span: Span, response: DependencyResponse): void {
  const drawn = response.header(MOCK_DELAY_HEADER)
  if (drawn !== undefined) span.setAttribute(MOCK_DELAY_ATTRIBUTE, Number(drawn))
  const held = response.header(MOCK_HELD_HEADER) ?? response.trailer(MOCK_HELD_HEADER)
  if (held !== undefined) span.setAttribute(MOCK_HELD_ATTRIBUTE, Number(held))
}

export function transportError(
  request: DependencyCall,
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
  attempts: number,
): DependencyError {
  return new DependencyError(
    request.dependency,
    timedOut ? 'timeout' : 'network',
    timedOut
      ? `${request.dependency} did not answer within ${Math.round(timeoutMs)} ms`
      : `${request.dependency} could not be reached: ${messageOf(cause)}`,
    { attempts },
    { cause },
  )
}

function failed<T>(span: Span, error: DependencyError, retryable: boolean): AttemptOutcome<T> {
  endWithError(span, error)
  return { ok: false, error, retryable }
}

// The body ended early when JSON.parse fails only because the text ran out: V8 says "end of
// JSON input", or names the position where it gave up, and that position is the text's end.
function isEndOfInput(cause: unknown, text: string): boolean {
  if (!(cause instanceof SyntaxError)) return false
  if (/end of JSON input/i.test(cause.message)) return true
  const position = /at position (\d+)/.exec(cause.message)?.[1]
  return position !== undefined && Number(position) >= text.trimEnd().length
}

// retry-after-ms first, then retry-after (seconds or an HTTP date), as openai-node reads them.
export function retryAfterOf(response: DependencyResponse): number | undefined {
  const ms = Number(response.header('retry-after-ms') ?? Number.NaN)
  if (Number.isFinite(ms) && ms >= 0) return ms
  return parseRetryAfterMs(response.header('retry-after') ?? null)
}

export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

// Full jitter: a uniform delay in [0, min(cap, base·2^attempt)], but never sooner than the
// server asked for in Retry-After.
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random01: number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** attempt)
  const jittered = random01 * ceiling
  return retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered
}

export function parseRetryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

export function endWithError(span: Span, error: DependencyError): void {
  markError(span, error)
  span.end(spanNow())
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// A non-2xx answer: rate limited (429, with the provider's retry-after) or an upstream error.
export function statusError(
  dependency: DependencyName,
  response: DependencyResponse,
  attempts: number,
): DependencyError {
  const retryAfterMs = retryAfterOf(response)
  return new DependencyError(
    dependency,
    response.status === 429 ? 'rate_limited' : 'upstream',
    `${dependency} answered ${response.status}`,
    { status: response.status, attempts, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
  )
}
