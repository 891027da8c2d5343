// A streamed chat completion (OpenAI's SSE chunk format) with the same resilience as any other
// dependency call (dependency-client.ts): a per-attempt timeout within the request's deadline,
// retries with backoff that honour retry-after(-ms), one HTTP client span per attempt. Retries
// stop once the first content token has been passed on: the caller's client has seen it, and a
// second answer cannot be spliced onto the first. Mid-stream failures map to their own error
// types so that the run's root-cause table names them:
//   connection dropped after the headers → ConnectionResetError (502)
//   nothing for stream_idle_timeout     → StreamStalledError (504), once the first token came
//   body ended without `data: [DONE]`   → TruncatedResponseError (502)
import type { Span } from '@opentelemetry/api'
import { trace } from '@opentelemetry/api'
import { FIRST_TOKEN_EVENT } from '../contract/span-names.ts'
import { createSseDecoder, SSE_DONE } from '../sse.ts'
import { propagator } from '../telemetry/tracer-provider.ts'
import {
  backoffDelayMs,
  type CallContext,
  type DependencyCall,
  endWithError,
  messageOf,
  RETRYABLE_STATUS,
  recordMockTiming,
  sleep,
  startClientSpan,
  statusError,
  transportError,
} from './dependency-client.ts'
import { DeadlineExceededError, DependencyError, type DependencyFailureKind } from './dependency-error.ts'
import type { DependencyResponse } from './dependency-transport.ts'
import { spanNow } from './span-time.ts'

// The request body with streaming asked for, and the usage chunk at its end.
export function streamedBody(body: object): object {
  return { ...body, stream: true, stream_options: { include_usage: true } }
}

// The first token as a span event at the moment it arrived, and the OpenTelemetry GenAI
// conventions' server-side figures (gen_ai.server.time_to_first_token and
// gen_ai.server.time_per_output_token, in seconds as those histograms are) as attributes.
export function recordStreamTiming(span: Span, streamed: StreamedChat, startedAtMs: number): void {
  if (streamed.firstTokenAtMs === undefined) return
  span.addEvent(FIRST_TOKEN_EVENT, {}, performance.timeOrigin + streamed.firstTokenAtMs)
  span.setAttribute('gen_ai.server.time_to_first_token', (streamed.firstTokenAtMs - startedAtMs) / 1000)
  const tokens = streamed.usage?.completion_tokens
  if (tokens !== undefined && tokens > 1 && streamed.lastTokenAtMs !== undefined) {
    span.setAttribute(
      'gen_ai.server.time_per_output_token',
      (streamed.lastTokenAtMs - streamed.firstTokenAtMs) / 1000 / (tokens - 1),
    )
  }
}

export type ChatUsage = { prompt_tokens: number; completion_tokens: number }

export type StreamedChat = {
  content: string
  usage: ChatUsage | undefined
  // performance.now() when the first non-empty content delta arrived; undefined if none did.
  firstTokenAtMs: number | undefined
  lastTokenAtMs: number | undefined
  contentChunks: number
}

export type StreamHooks = { idleTimeoutMs: number; onDelta(text: string): void }

type Attempt = { ok: true; value: StreamedChat } | { ok: false; error: DependencyError; retryable: boolean }

const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value
  },
}

export async function streamChat(
  call: CallContext,
  request: DependencyCall,
  hooks: StreamHooks,
): Promise<StreamedChat> {
  const url = call.transport.urlOf(request.dependency, request.path)
  const payload = JSON.stringify(request.body)
  const maxAttempts = 1 + (request.retry?.max ?? 0)
  let lastError: DependencyError | undefined
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const remainingMs = request.deadlineAt - performance.now()
    if (remainingMs <= 0) throw lastError ?? new DeadlineExceededError(request.dependency, attempt)
    const span = startClientSpan(call, request, url, attempt)
    const outcome = await attemptStream(
      call,
      request,
      span,
      payload,
      attempt,
      Math.min(request.timeoutMs, remainingMs),
      hooks,
    )
    if (outcome.ok) return outcome.value
    lastError = outcome.error
    if (!outcome.retryable || attempt + 1 >= maxAttempts || !request.retry) break
    const delayMs = backoffDelayMs(request.retry, attempt, call.rng.next(), lastError.details.retryAfterMs)
    if (performance.now() + delayMs >= request.deadlineAt) break
    await sleep(delayMs)
  }
  throw lastError!
}

// The attempt's abort: its timeout, or the idle timeout between tokens; `why` says which fired.
type AbortGuard = {
  signal: AbortSignal
  readonly why: 'timeout' | 'stalled' | undefined
  armIdle(): void
  dispose(): void
}

function createAbortGuard(timeoutMs: number, idleTimeoutMs: number): AbortGuard {
  const controller = new AbortController()
  let why: 'timeout' | 'stalled' | undefined
  const abortFor = (reason: 'timeout' | 'stalled') => {
    why ??= reason
    controller.abort()
  }
  const deadline = setTimeout(() => abortFor('timeout'), Math.max(1, Math.ceil(timeoutMs)))
  let idle: NodeJS.Timeout | undefined
  return {
    signal: controller.signal,
    get why() {
      return why
    },
    armIdle() {
      clearTimeout(idle)
      idle = setTimeout(() => abortFor('stalled'), idleTimeoutMs)
    },
    dispose() {
      clearTimeout(deadline)
      clearTimeout(idle)
    },
  }
}

async function attemptStream(
  call: CallContext,
  request: DependencyCall,
  span: Span,
  payload: string,
  attempt: number,
  timeoutMs: number,
  hooks: StreamHooks,
): Promise<Attempt> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' }
  propagator.inject(trace.setSpan(call.ctx, span), headers, headerSetter)
  const attempts = attempt + 1
  const guard = createAbortGuard(timeoutMs, hooks.idleTimeoutMs)
  const fail = (error: DependencyError, retryable: boolean): Attempt => {
    endWithError(span, error)
    return { ok: false, error, retryable }
  }
  try {
    let response: DependencyResponse
    try {
      response = await call.transport.post(request.dependency, request.path, headers, payload, guard.signal)
    } catch (cause) {
      return fail(transportError(request, cause, guard.signal.aborted, timeoutMs, attempts), true)
    }
    span.setAttribute('http.response.status_code', response.status)
    if (response.status < 200 || response.status > 299) {
      await response.text().catch(() => '')
      return fail(statusError(request.dependency, response, attempts), RETRYABLE_STATUS.has(response.status))
    }
    const read = await readStream(request, response, guard, { attempts, timeoutMs, hooks })
    if (!read.ok) return fail(read.error, read.retryable)
    recordMockTiming(span, response)
    span.end(spanNow())
    return read
  } finally {
    guard.dispose()
  }
}

// Reads the chunks to [DONE]. Retryable only while no token has reached the caller.
async function readStream(
  request: DependencyCall,
  response: DependencyResponse,
  guard: AbortGuard,
  context: { attempts: number; timeoutMs: number; hooks: StreamHooks },
): Promise<Attempt> {
  const { attempts, timeoutMs, hooks } = context
  const reader = createChunkReader(hooks.onDelta)
  const failure = (kind: DependencyFailureKind, message: string, cause?: unknown): Attempt => ({
    ok: false,
    error: new DependencyError(
      request.dependency,
      kind,
      message,
      { status: response.status, attempts },
      cause === undefined ? undefined : { cause },
    ),
    retryable: reader.value.contentChunks === 0,
  })
  // The idle timeout runs between tokens: the wait for the first one is the provider's TTFT,
  // bounded by the attempt's timeout (a long TTFT is slow, not stalled).
  try {
    for await (const chunk of response.body()) {
      reader.push(chunk)
      if (reader.value.contentChunks > 0) guard.armIdle()
    }
    reader.end()
    // A Fetch body may end quietly when its signal aborts: the abort is still the cause.
    if (guard.why) throw new Error(`the stream was aborted (${guard.why})`)
  } catch (cause) {
    if (guard.why === 'stalled')
      return failure(
        'stalled',
        `${request.dependency} sent nothing for ${hooks.idleTimeoutMs} ms mid-stream`,
        cause,
      )
    if (guard.why === 'timeout')
      return failure(
        'timeout',
        `${request.dependency} did not finish its stream within ${Math.round(timeoutMs)} ms`,
        cause,
      )
    return failure(
      'reset',
      `${request.dependency} dropped the connection mid-stream: ${messageOf(cause)}`,
      cause,
    )
  }
  if (!reader.done) {
    return failure(
      'truncated',
      `${request.dependency} ended its stream without [DONE] after ${reader.value.contentChunks} content chunks`,
    )
  }
  return { ok: true, value: reader.value }
}

// Reads OpenAI chat-completion chunks: content deltas (empty ones, such as the first chunk's
// role announcement, are not tokens), the usage chunk, and the [DONE] sentinel.
function createChunkReader(onDelta: (text: string) => void) {
  const value: StreamedChat = {
    content: '',
    usage: undefined,
    firstTokenAtMs: undefined,
    lastTokenAtMs: undefined,
    contentChunks: 0,
  }
  let done = false
  const decoder = createSseDecoder((event) => {
    if (event.data === SSE_DONE) {
      done = true
      return
    }
    let chunk: unknown
    try {
      chunk = JSON.parse(event.data)
    } catch {
      return // not a chunk; a provider's keep-alive or comment-like data carries no tokens
    }
    const text = deltaText(chunk)
    if (text) {
      value.lastTokenAtMs = performance.now()
      value.firstTokenAtMs ??= value.lastTokenAtMs
      value.content += text
      value.contentChunks++
      onDelta(text)
    }
    const usage = usageOf(chunk)
    if (usage) value.usage = usage
  })
  return {
    value,
    push: (chunk: Uint8Array) => decoder.push(chunk),
    end: () => decoder.end(),
    get done() {
      return done
    },
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function deltaText(chunk: unknown): string | undefined {
  if (!isObject(chunk) || !Array.isArray(chunk.choices)) return undefined
  const first: unknown = chunk.choices[0]
  if (!isObject(first) || !isObject(first.delta)) return undefined
  return typeof first.delta.content === 'string' && first.delta.content.length > 0
    ? first.delta.content
    : undefined
}

function usageOf(chunk: unknown): ChatUsage | undefined {
  if (!isObject(chunk) || !isObject(chunk.usage)) return undefined
  const { prompt_tokens: prompt, completion_tokens: completion } = chunk.usage
  return typeof prompt === 'number' && typeof completion === 'number'
    ? { prompt_tokens: prompt, completion_tokens: completion }
    : undefined
}
