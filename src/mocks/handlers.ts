// msw request handlers that stand in for the RAG endpoint's five dependencies, at the URLs and
// with the wire shapes of src/contract/dependency-api.ts. Each call goes through, in order:
//   (1) the provider's rate limit, if configured (token bucket → 429 + Retry-After);
//   (2) one failure draw (injected status, timeout or network error);
//   (3) one latency draw, a wait of that long, then a realistic body.
// This code runs inside the measured process, so each request does little work: no CPU-heavy
// "realism", bodies derived from cheap hashes of the request.
//
// Latency is counted from the request's receipt by the mock server (or the handler's start,
// in-process) and waited precisely (../precise-wait.ts: never early, ~0.4 ms late at p99).
// Waits are our own abortable timers rather than msw's `delay()`. msw's `delay('infinite')`
// holds a 24.8-day timer and the whole handler (request included) after the caller has given up:
// with 200 fetches aborted by AbortSignal.timeout, WeakRefs to objects held by the handlers showed
// 200 of 200 still reachable after gc, against 0 of 200 when the handler waits on
// `request.signal` instead (Node 20, msw 2.15, `node --expose-gc`). The same
// applies, for a bounded time, to an aborted `delay(ms)`, and skipping the body for a caller that
// has left saves CPU.

import type { JsonBodyType } from 'msw'
import {
  approximateTokens,
  type ChatResponse,
  DEPENDENCY_URLS,
  type EmbeddingsResponse,
  type IntrospectResponse,
  MOCK_DELAY_HEADER,
  type ProviderError,
  type RerankResponse,
  type VectorSearchResponse,
} from '../contract/dependency-api.ts'
import { preciseTimer } from '../precise-wait.ts'
import { createRng, deriveSeed, type Rng } from '../rng.ts'
import type { Dependencies, DependencyName, FailureMode } from '../scenario/schema.ts'
import { TokenBucket } from '../token-bucket.ts'
import { chatStreamReply } from './chat-stream.ts'
import { applyConnectionFault, type ConnectionFault, isConnectionFault } from './connection-faults.ts'
import { createFailurePicker } from './failure-policy.ts'
import { createLatencySampler, sampleTokenTimeline, type TokenTimeline } from './latency-model.ts'
import { type MockCall, type MockHandler, type MockReply, mockPost } from './mock-handler.ts'
import { rateLimitHeaders, retryAfterHeaders } from './rate-limit-headers.ts'

export type MockOptions = {
  seed: number
  /** API key → tenant id, for the introspection endpoint. */
  apiKeys: ReadonlyMap<string, string>
  /** Clock for the provider rate limits, in ms; default performance.now. */
  now?: () => number
}

type DependencyConfig = Pick<Dependencies[DependencyName], 'latency' | 'failures' | 'rate_limit'>
// timeline: the token model's draws (llm with a tokens latency model), for a streamed answer.
type Timing = { latencyMs: number; outputTokens: number | undefined; timeline?: TokenTimeline }
type RespondContext = { body: unknown; timing: Timing; params: Record<string, string> }
// A streamed answer times itself (chat-stream.ts): it gets the call and the fault, and the
// headers every response carries; undefined when the request did not ask for a stream.
type StreamContext = RespondContext & {
  call: MockCall
  fault: ConnectionFault | undefined
  headers: Record<string, string>
}

// Used when the llm latency model does not say how many tokens an answer has.
const DEFAULT_OUTPUT_TOKENS = { min: 64, max: 256 }
// Injected 429s without a configured retry_after still say when to come back, like providers do.
const DEFAULT_429_RETRY_AFTER_MS = 1000

// ── Waiting ─────────────────────────────────────────────────────────────────────────────────

// A response that never comes: resolves only when the caller aborts, holding no timer.
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

// ── Error bodies ────────────────────────────────────────────────────────────────────────────

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded'
  if (status === 401 || status === 403) return 'authentication_error'
  if (status === 404) return 'not_found_error'
  return status >= 500 ? 'server_error' : 'invalid_request_error'
}

function retryAfterHeader(retryAfterMs: number): Record<string, string> {
  return retryAfterHeaders(retryAfterMs)
}

const NETWORK_ERROR: MockReply = { networkError: true }

function json(body: JsonBodyType, status = 200, headers: Record<string, string> = {}): MockReply {
  return { status, headers, json: body }
}

function providerError(status: number, message: string, headers: Record<string, string> = {}): MockReply {
  const type = errorType(status)
  const body: ProviderError = {
    error: { message, type, ...(status === 429 ? { code: 'rate_limit_exceeded' } : {}) },
  }
  return json(body, status, headers)
}

function badRequest(name: DependencyName, what: string): MockReply {
  return providerError(400, `Invalid request to the mocked ${name}: expected ${what}.`)
}

async function injectFailure(
  name: DependencyName,
  failure: Exclude<FailureMode, ConnectionFault>,
  signal: AbortSignal,
): Promise<MockReply> {
  switch (failure.kind) {
    case 'network_error':
      return NETWORK_ERROR
    case 'timeout':
      // Nobody reads what follows: the caller's AbortSignal has already rejected its fetch.
      await untilAborted(signal)
      return NETWORK_ERROR
    case 'status': {
      const retryAfterMs =
        failure.status === 429
          ? (failure.retryAfterMs ?? DEFAULT_429_RETRY_AFTER_MS)
          : failure.status === 503
            ? failure.retryAfterMs
            : undefined
      return providerError(
        failure.status,
        `Injected failure from the mocked ${name}: HTTP ${failure.status}.`,
        retryAfterMs !== undefined ? retryAfterHeader(retryAfterMs) : {},
      )
    }
  }
}

// ── Cheap deterministic content ─────────────────────────────────────────────────────────────

// FNV-1a of a string, then xorshift32 (Marsaglia, 2003) as a tiny generator: enough to make
// bodies depend on the request without touching the seeded streams or costing CPU.
function hashString(text: string, hash = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0 || 1
}

function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4294967296
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

// Scores in (0, 1], strictly descending, as similarity and relevance scores are.
function descendingScores(count: number, random: () => number, top: number): number[] {
  const scores: number[] = []
  let score = top
  for (let i = 0; i < count; i++) {
    scores.push(score)
    score *= 0.9 + 0.09 * random()
  }
  return scores
}

const PASSAGE =
  'Retrieval-augmented generation grounds the answer in documents fetched for each question; ' +
  'latency budgets are set per stage so that a slow reranker or model is caught before users notice.'

function textOfLength(chars: number): string {
  return PASSAGE.repeat(Math.ceil(chars / PASSAGE.length)).slice(0, chars)
}

// ── Request parsing ─────────────────────────────────────────────────────────────────────────

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

// ── Handlers ────────────────────────────────────────────────────────────────────────────────

function createTimingSampler(name: DependencyName, config: DependencyConfig, rng: Rng): () => Timing {
  const model = config.latency
  if (model.kind === 'tokens') {
    return () => {
      const timeline = sampleTokenTimeline(model, rng)
      let latencyMs = timeline.ttftMs
      for (const gap of timeline.gapsMs) latencyMs += gap
      return { latencyMs, outputTokens: timeline.outputTokens, timeline }
    }
  }
  const sample = createLatencySampler(model, rng)
  if (name !== 'llm') return () => ({ latencyMs: sample(), outputTokens: undefined })
  return () => {
    const latencyMs = sample()
    return { latencyMs, outputTokens: rng.int(DEFAULT_OUTPUT_TOKENS.min, DEFAULT_OUTPUT_TOKENS.max) }
  }
}

// One dependency's mock and its seeded state. `reseed` restarts the random streams (and refills
// the provider's bucket), so that two trials reseeded alike draw the same latencies and failures
// in the same order: common random numbers, the variance reduction the overhead trials use.
type SeededMock = { handler: MockHandler; reseed(seed: number): void }

function dependencyHandler(
  name: DependencyName,
  path: string,
  config: DependencyConfig,
  options: MockOptions,
  respond: (context: RespondContext) => MockReply,
  route?: (params: Record<string, string>) => MockReply | undefined,
  stream?: (context: StreamContext) => MockReply | undefined,
): SeededMock {
  const limit = config.rate_limit
  const seeded = (seed: number) => ({
    // Separate streams for failures and latencies: adding a failure mode leaves the sequence of
    // latencies unchanged (the k-th successful call gets the same latency either way).
    pickFailure: createFailurePicker(config.failures, createRng(deriveSeed(seed, `${name}:failures`))),
    sampleTiming: createTimingSampler(name, config, createRng(deriveSeed(seed, `${name}:latency`))),
    bucket: limit
      ? new TokenBucket({
          ratePerSec: limit.ratePerSec,
          burst: limit.burst,
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined,
    tokenBucket: limit?.tokensPerMinute
      ? new TokenBucket({
          ratePerSec: limit.tokensPerMinute / 60,
          burst: limit.tokensPerMinute,
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined,
  })
  let state = seeded(options.seed)
  const handler = mockPost(path, async (call: MockCall) => {
    const { body, params, signal, receivedAtMs } = call
    const { pickFailure, sampleTiming, bucket, tokenBucket } = state
    const misrouted = route?.(params)
    if (misrouted) return misrouted
    let limitHeaders: Record<string, string> = {}
    if (bucket && limit) {
      const taken = bucket.tryTake()
      // A token budget is charged up front, as providers do: the prompt and the most the answer
      // may use (the model's output_tokens max).
      const tokens = taken.ok && tokenBucket ? tokenBucket.tryTake(requestTokens(body, config)) : taken
      limitHeaders = rateLimitHeaders(bucket, tokenBucket)
      if (!tokens.ok) {
        // Never earlier than the bucket refills, nor than the provider's configured retry_after.
        return providerError(
          429,
          `Rate limit reached for the mocked ${name}: ${limit.ratePerSec} requests per second, burst ${limit.burst}${limit.tokensPerMinute ? `, ${limit.tokensPerMinute} tokens per minute` : ''}.`,
          { ...limitHeaders, ...retryAfterHeader(Math.max(tokens.retryAfterMs, limit.retryAfterMs)) },
        )
      }
    }
    const failure = pickFailure()
    if (failure && !isConnectionFault(failure)) return injectFailure(name, failure, signal)
    const fault = failure

    const timing = sampleTiming()
    const streamed = stream?.({ body, timing, params, call, fault, headers: limitHeaders })
    if (streamed) return streamed
    // The answer is built, and serialized, before the hold: what runs after the deadline is
    // only the write, which the caller waits for (an embedding's 1,536 floats take a while to
    // serialize, and at low load the code runs with cold caches).
    const reply = withDelayHeaders(respond({ body, timing, params }), timing, limitHeaders, fault)
    // A stalled whole response is held that much longer.
    const heldMs = timing.latencyMs + (fault?.kind === 'stall' ? fault.forMs : 0)
    if (!(await preciseTimer().waitUntil(receivedAtMs + heldMs, signal))) return NETWORK_ERROR
    return reply
  })
  return {
    handler,
    reseed: (seed) => {
      state = seeded(seed)
    },
  }
}

// The harness's fidelity check: the endpoint records the drawn latency beside the span's
// duration, and the time the mock really held the call, which whoever writes the response adds.
function withDelayHeaders(
  reply: MockReply,
  timing: Timing,
  limitHeaders: Record<string, string>,
  fault: ConnectionFault | undefined,
): MockReply {
  if ('networkError' in reply || 'chunks' in reply) return reply
  const headers = { ...limitHeaders, ...reply.headers, [MOCK_DELAY_HEADER]: timing.latencyMs.toFixed(3) }
  const faulted = applyConnectionFault({ ...reply, headers }, fault)
  return 'json' in faulted ? { ...faulted, payload: JSON.stringify(faulted.json) } : faulted
}

// In the endpoint's process, for msw's setupServer (mocks.transport: in-process).
export function createDependencyHandlers(deps: Dependencies, options: MockOptions): MockHandler[] {
  return Object.values(createDependencyMocks(deps, options).handlers)
}

export type DependencyMocks = {
  handlers: Record<DependencyName, MockHandler>
  // Restart every random stream from this seed (see SeededMock).
  reseed(seed: number): void
}

// One handler per dependency, each to be served on its own listener (mocks.transport: http).
export function createDependencyMocks(deps: Dependencies, options: MockOptions): DependencyMocks {
  const auth = dependencyHandler(
    'auth',
    DEPENDENCY_URLS.auth,
    deps.auth,
    options,
    introspect(options.apiKeys),
  )
  const embedding = dependencyHandler(
    'embedding',
    DEPENDENCY_URLS.embedding,
    deps.embedding,
    options,
    embed(deps.embedding),
  )
  const vectorStore = dependencyHandler(
    'vector_store',
    DEPENDENCY_URLS.vector_store.replace('{collection}', ':collection'),
    deps.vector_store,
    options,
    searchVectors(deps.vector_store),
    onlyCollection(deps.vector_store.collection),
  )
  const reranker = dependencyHandler('reranker', DEPENDENCY_URLS.reranker, deps.reranker, options, rerank())
  const chat = chatCompletions(deps.llm)
  const llm = dependencyHandler(
    'llm',
    DEPENDENCY_URLS.llm,
    deps.llm,
    options,
    chat.respond,
    undefined,
    chat.stream,
  )

  const mocks = { auth, embedding, vector_store: vectorStore, reranker, llm }
  return {
    handlers: {
      auth: auth.handler,
      embedding: embedding.handler,
      vector_store: vectorStore.handler,
      reranker: reranker.handler,
      llm: llm.handler,
    },
    reseed(seed) {
      for (const mock of Object.values(mocks)) mock.reseed(seed)
    },
  }
}

type Respond = (context: RespondContext) => MockReply

function introspect(apiKeys: MockOptions['apiKeys']): Respond {
  return ({ body }) => {
    if (!isObject(body) || typeof body.token !== 'string') return badRequest('auth', '{ token: string }')
    const tenant = apiKeys.get(body.token)
    const response: IntrospectResponse =
      tenant !== undefined ? { active: true, tenant_id: tenant } : { active: false }
    return json(response)
  }
}

function embed(config: Dependencies['embedding']): Respond {
  const { dimensions } = config
  return ({ body }) => {
    if (!isObject(body) || typeof body.input !== 'string') {
      return badRequest('embedding', '{ model: string, input: string }')
    }
    // Unit length, as OpenAI's embeddings are; the same input always gives the same vector.
    const random = xorshift32(hashString(body.input))
    const vector = new Array<number>(dimensions)
    let squares = 0
    for (let i = 0; i < dimensions; i++) {
      const value = 2 * random() - 1
      vector[i] = value
      squares += value * value
    }
    const norm = Math.sqrt(squares) || 1
    for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! / norm
    const tokens = approximateTokens(body.input)
    const response: EmbeddingsResponse = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: vector }],
      model: typeof body.model === 'string' ? body.model : config.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }
    return json(response)
  }
}

function searchVectors(config: Dependencies['vector_store']): Respond {
  const { documents_per_tenant: documentsPerTenant } = config
  return ({ body, timing }) => {
    const tenant = isObject(body) ? tenantFromFilter(body.filter) : undefined
    if (
      !isObject(body) ||
      tenant === undefined ||
      !Number.isInteger(body.limit) ||
      (body.limit as number) < 1
    ) {
      return badRequest(
        'vector_store',
        "{ vector, limit: positive integer, filter: { must: [{ key: 'tenant_id', match: { value } }] } }",
      )
    }
    const count = Math.min(body.limit as number, documentsPerTenant)
    // The same query and tenant give the same documents: distinct ids from an affine walk
    // n = (start + i × stride) mod D with stride coprime to D.
    const vector = Array.isArray(body.vector) ? body.vector : []
    const random = xorshift32(hashString(`${tenant}|${vector.length}|${vector.slice(0, 8).join(',')}`))
    const start = Math.floor(random() * documentsPerTenant)
    let stride = 1 + Math.floor(random() * Math.max(1, documentsPerTenant - 1))
    while (gcd(stride, documentsPerTenant) !== 1) stride++
    const scores = descendingScores(count, random, 0.6 + 0.35 * random())
    const result: VectorSearchResponse['result'] = scores.map((score, i) => {
      const id = `${tenant}-doc-${(start + i * stride) % documentsPerTenant}`
      return { id, score, payload: { tenant_id: tenant, text: `${id}: ${PASSAGE}` } }
    })
    const response: VectorSearchResponse = { result, status: 'ok', time: timing.latencyMs / 1000 }
    return json(response)
  }
}

function onlyCollection(collection: string): (params: Record<string, string>) => MockReply | undefined {
  return (params) =>
    params.collection === collection || params.collection === encodeURIComponent(collection)
      ? undefined
      : providerError(
          404,
          `Collection ${JSON.stringify(params.collection)} does not exist in the mocked vector store.`,
        )
}

function rerank(): Respond {
  let rerankCount = 0
  return ({ body }) => {
    if (
      !isObject(body) ||
      typeof body.query !== 'string' ||
      !Array.isArray(body.documents) ||
      !Number.isInteger(body.top_n) ||
      (body.top_n as number) < 1
    ) {
      return badRequest('reranker', '{ model, query: string, documents: string[], top_n: positive integer }')
    }
    const count = Math.min(body.top_n as number, body.documents.length)
    // Partial Fisher–Yates over the document indices, driven by the query's hash.
    const random = xorshift32(hashString(body.query))
    const indices = Array.from(body.documents, (_, i) => i)
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (indices.length - i))
      ;[indices[i], indices[j]] = [indices[j]!, indices[i]!]
    }
    const scores = descendingScores(count, random, 0.5 + 0.49 * random())
    rerankCount++
    const response: RerankResponse = {
      id: `rerank-mock-${rerankCount}`,
      results: scores.map((relevance_score, i) => ({ index: indices[i]!, relevance_score })),
    }
    return json(response)
  }
}

// The chat completions mock: a whole answer, or with `stream: true` an SSE stream (streamedChat);
// both number their ids from one counter.
function chatCompletions(config: Dependencies['llm']): {
  respond: Respond
  stream: (context: StreamContext) => MockReply | undefined
} {
  let chatCount = 0
  const respond: Respond = ({ body, timing }) => {
    if (!isObject(body) || !Array.isArray(body.messages)) {
      return badRequest('llm', '{ model, messages: { role, content: string }[] }')
    }
    const promptTokens = approximateTokens(promptTextOf(body.messages))
    const completionTokens = timing.outputTokens ?? DEFAULT_OUTPUT_TOKENS.min
    chatCount++
    const response: ChatResponse = {
      id: `chatcmpl-mock-${chatCount}`,
      object: 'chat.completion',
      model: typeof body.model === 'string' ? body.model : config.model,
      choices: [
        {
          index: 0,
          // About four characters a token, matching approximateTokens.
          message: { role: 'assistant', content: textOfLength(completionTokens * 4) },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    }
    return json(response)
  }
  const stream = (context: StreamContext) => {
    const reply = streamedChat(context, config, chatCount + 1)
    if (reply) chatCount++
    return reply
  }
  return { respond, stream }
}

function tenantFromFilter(filter: unknown): string | undefined {
  if (!isObject(filter) || !Array.isArray(filter.must)) return undefined
  for (const condition of filter.must) {
    if (isObject(condition) && condition.key === 'tenant_id' && isObject(condition.match)) {
      const value = condition.match.value
      if (typeof value === 'string') return value
    }
  }
  return undefined
}

function promptTextOf(messages: unknown[]): string {
  let promptText = ''
  for (const message of messages) {
    if (isObject(message) && typeof message.content === 'string') promptText += message.content
  }
  return promptText
}

// What a token budget charges a request: the prompt (about four characters a token) and, for a
// tokens latency model, the most output it may draw.
function requestTokens(body: unknown, config: DependencyConfig): number {
  const prompt =
    isObject(body) && Array.isArray(body.messages) ? approximateTokens(promptTextOf(body.messages)) : 1
  return prompt + (config.latency.kind === 'tokens' ? config.latency.outputTokens.max : 0)
}

// `stream: true` on a chat completion: the answer as SSE chunks, timed token by token. Without a
// tokens latency model there is no timeline, and the answer comes whole (the scenario refuses a
// streamed request then, so this is only reached by a hand-made request).
function streamedChat(
  context: StreamContext,
  config: Dependencies['llm'],
  count: number,
): MockReply | undefined {
  const { body, timing, call, fault, headers } = context
  if (!isObject(body) || body.stream !== true || !Array.isArray(body.messages) || !timing.timeline) {
    return undefined
  }
  const streamOptions = body.stream_options
  return chatStreamReply({
    id: `chatcmpl-mock-${count}`,
    model: typeof body.model === 'string' ? body.model : config.model,
    content: textOfLength(timing.timeline.outputTokens * 4),
    promptTokens: approximateTokens(promptTextOf(body.messages)),
    timeline: timing.timeline,
    tokensPerChunk: config.tokens_per_chunk,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    receivedAtMs: call.receivedAtMs,
    signal: call.signal,
    fault,
    headers,
  })
}
