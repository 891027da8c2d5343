import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChatResponse,
  DEPENDENCY_URLS,
  type EmbeddingsResponse,
  type ProviderError,
  type RerankResponse,
  type VectorSearchResponse,
  vectorSearchUrl,
} from '../../../src/contract/dependency-api.ts'
import { createDependencyHandlers, type MockOptions } from '../../../src/mocks/handlers.ts'
import { preciseTimer } from '../../../src/precise-wait.ts'
import { dependencies, type ScenarioInput } from '../../../src/scenario/schema.ts'

// One msw server for the file; each test installs the handlers for its own configuration.
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())

const API_KEYS = new Map([
  ['key-acme', 'acme'],
  ['key-globex', 'globex'],
])

type DepsInput = NonNullable<ScenarioInput['dependencies']>
const ZERO = { latency: { fixed: '0ms' } }
const FAST: DepsInput = { auth: ZERO, embedding: ZERO, vector_store: ZERO, reranker: ZERO, llm: ZERO }

function install(input: DepsInput, options: Partial<MockOptions> = {}) {
  const deps = dependencies.parse({ ...FAST, ...input })
  server.resetHandlers(...createDependencyHandlers(deps, { seed: 1, apiKeys: API_KEYS, ...options }))
  return deps
}

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  })
}

const searchBody = (tenant: string, limit: number) => ({
  vector: [0.1, 0.2, 0.3],
  limit,
  with_payload: true,
  filter: { must: [{ key: 'tenant_id', match: { value: tenant } }] },
})

const chatBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Answer from the context.' },
    { role: 'user', content: 'What is a latency budget?' },
  ],
}

describe('response bodies', () => {
  it('auth: introspects known keys to their tenant and unknown keys to inactive', async () => {
    install({})
    const known = await post(DEPENDENCY_URLS.auth, { token: 'key-globex' })
    expect(known.status).toBe(200)
    expect(await known.json()).toEqual({ active: true, tenant_id: 'globex' })
    const unknown = await post(DEPENDENCY_URLS.auth, { token: 'stolen-key' })
    expect(await unknown.json()).toEqual({ active: false })
  })

  it('embeddings: `dimensions` floats of unit length, the same for the same input', async () => {
    install({ embedding: { ...ZERO, dimensions: 64 } })
    const input = 'What is a latency budget?'
    const first = (await (
      await post(DEPENDENCY_URLS.embedding, { model: 'm', input })
    ).json()) as EmbeddingsResponse
    const again = (await (
      await post(DEPENDENCY_URLS.embedding, { model: 'm', input })
    ).json()) as EmbeddingsResponse
    const other = (await (
      await post(DEPENDENCY_URLS.embedding, { model: 'm', input: 'else' })
    ).json()) as EmbeddingsResponse
    const vector = first.data[0]!.embedding
    expect(first.object).toBe('list')
    expect(first.model).toBe('m')
    expect(vector).toHaveLength(64)
    expect(Math.hypot(...vector)).toBeCloseTo(1, 9)
    expect(again.data[0]!.embedding).toEqual(vector)
    expect(other.data[0]!.embedding).not.toEqual(vector)
    // approximateTokens: 25 characters → 7 tokens.
    expect(first.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 })
  })

  it('vector search: `limit` distinct results of the requested tenant, scores descending in (0, 1]', async () => {
    install({ vector_store: { ...ZERO, collection: 'kb', documents_per_tenant: 5 } })
    const response = await post(vectorSearchUrl('kb'), searchBody('acme', 4))
    const body = (await response.json()) as VectorSearchResponse
    expect(body.status).toBe('ok')
    expect(body.result).toHaveLength(4)
    expect(new Set(body.result.map((r) => r.id)).size).toBe(4)
    for (const [i, result] of body.result.entries()) {
      expect(result.id).toMatch(/^acme-doc-[0-4]$/)
      expect(result.payload.tenant_id).toBe('acme')
      expect(result.payload.text.length).toBeGreaterThan(0)
      expect(result.score).toBeGreaterThan(0)
      expect(result.score).toBeLessThanOrEqual(1)
      if (i > 0) expect(result.score).toBeLessThan(body.result[i - 1]!.score)
    }
    // Capped by documents_per_tenant.
    const capped = (await (
      await post(vectorSearchUrl('kb'), searchBody('globex', 50))
    ).json()) as VectorSearchResponse
    expect(capped.result).toHaveLength(5)
    expect(
      capped.result.every((r) => r.payload.tenant_id === 'globex' && r.id.startsWith('globex-doc-')),
    ).toBe(true)
  })

  it('vector search: an unknown collection is a 404', async () => {
    install({ vector_store: { ...ZERO, collection: 'kb' } })
    const response = await post(vectorSearchUrl('other'), searchBody('acme', 4))
    expect(response.status).toBe(404)
    expect(((await response.json()) as ProviderError).error.type).toBe('not_found_error')
  })

  it('rerank: top_n distinct indices with relevance descending', async () => {
    install({})
    const documents = Array.from({ length: 8 }, (_, i) => `document ${i}`)
    const response = await post(DEPENDENCY_URLS.reranker, { model: 'r', query: 'q', documents, top_n: 3 })
    const body = (await response.json()) as RerankResponse
    expect(body.id).toMatch(/^rerank-/)
    expect(body.results).toHaveLength(3)
    expect(new Set(body.results.map((r) => r.index)).size).toBe(3)
    for (const [i, result] of body.results.entries()) {
      expect(result.index).toBeGreaterThanOrEqual(0)
      expect(result.index).toBeLessThan(8)
      expect(result.relevance_score).toBeGreaterThan(0)
      expect(result.relevance_score).toBeLessThanOrEqual(1)
      if (i > 0) expect(result.relevance_score).toBeLessThan(body.results[i - 1]!.relevance_score)
    }
  })

  it('chat: an answer whose usage counts the prompt and the drawn output tokens', async () => {
    install({
      llm: {
        latency: {
          tokens: { ttft: { fixed: '0ms' }, per_token: '0ms', output_tokens: { min: 10, max: 12 } },
        },
      },
    })
    const body = (await (await post(DEPENDENCY_URLS.llm, chatBody)).json()) as ChatResponse
    expect(body.object).toBe('chat.completion')
    expect(body.choices[0]!.message.role).toBe('assistant')
    expect(body.choices[0]!.finish_reason).toBe('stop')
    // "Answer from the context." + "What is a latency budget?" = 49 characters → 13 tokens.
    expect(body.usage.prompt_tokens).toBe(13)
    expect(body.usage.completion_tokens).toBeGreaterThanOrEqual(10)
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(12)
    expect(body.usage.total_tokens).toBe(13 + body.usage.completion_tokens)
    expect(body.choices[0]!.message.content).toHaveLength(4 * body.usage.completion_tokens)
  })

  it('chat: 64..256 output tokens when the latency model is not a token model', async () => {
    install({})
    for (let i = 0; i < 20; i++) {
      const body = (await (await post(DEPENDENCY_URLS.llm, chatBody)).json()) as ChatResponse
      expect(body.usage.completion_tokens).toBeGreaterThanOrEqual(64)
      expect(body.usage.completion_tokens).toBeLessThanOrEqual(256)
    }
  })

  it('a malformed request is a 400 with a provider error body', async () => {
    install({})
    const response = await post(DEPENDENCY_URLS.embedding, { model: 'm' })
    expect(response.status).toBe(400)
    expect(((await response.json()) as ProviderError).error.type).toBe('invalid_request_error')
  })
})

describe('seeding', () => {
  async function outputTokens(seed: number): Promise<number[]> {
    install({}, { seed })
    const counts: number[] = []
    for (let i = 0; i < 10; i++) {
      counts.push(
        ((await (await post(DEPENDENCY_URLS.llm, chatBody)).json()) as ChatResponse).usage.completion_tokens,
      )
    }
    return counts
  }

  it('repeats the same draws for the same seed, and others for another seed', async () => {
    const first = await outputTokens(7)
    expect(await outputTokens(7)).toEqual(first)
    expect(await outputTokens(8)).not.toEqual(first)
  })
})

describe('latency', () => {
  it('a fixed 50 ms latency takes at least 50 ms (and well under 1 s)', async () => {
    install({ auth: { latency: { fixed: '50ms' } } })
    for (let i = 0; i < 3; i++) {
      const startMs = performance.now()
      const response = await post(DEPENDENCY_URLS.auth, { token: 'key-acme' })
      await response.json()
      const elapsedMs = performance.now() - startMs
      expect(elapsedMs).toBeGreaterThanOrEqual(50)
      expect(elapsedMs).toBeLessThan(1000)
    }
  })
})

describe('injected failures', () => {
  it('a 429 carries Retry-After (1 s by default) and a rate-limit body', async () => {
    install({ reranker: { ...ZERO, failures: [{ status: 429, probability: 1 }] } })
    const response = await post(DEPENDENCY_URLS.reranker, { query: 'q', documents: ['a'], top_n: 1 })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(((await response.json()) as ProviderError).error.type).toBe('rate_limit_exceeded')
  })

  it('a 503 carries the configured Retry-After in whole seconds, rounded up; a 500 none', async () => {
    install({
      llm: { ...ZERO, failures: [{ status: 503, retry_after: '2.5s', probability: 1 }] },
      embedding: { ...ZERO, failures: [{ status: 500, probability: 1 }] },
    })
    const unavailable = await post(DEPENDENCY_URLS.llm, chatBody)
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers.get('retry-after')).toBe('3')
    expect(((await unavailable.json()) as ProviderError).error.type).toBe('server_error')
    const internal = await post(DEPENDENCY_URLS.embedding, { model: 'm', input: 'x' })
    expect(internal.status).toBe(500)
    expect(internal.headers.get('retry-after')).toBeNull()
  })

  it('a network error makes fetch reject', async () => {
    install({ auth: { ...ZERO, failures: [{ network_error: true, probability: 1 }] } })
    await expect(post(DEPENDENCY_URLS.auth, { token: 'key-acme' })).rejects.toThrow(TypeError)
  })

  it('a timeout never answers: a fetch with AbortSignal.timeout(100) rejects after ≥ 100 ms', async () => {
    install({ embedding: { ...ZERO, failures: [{ timeout: true, probability: 1 }] } })
    const startMs = performance.now()
    const outcome = await post(
      DEPENDENCY_URLS.embedding,
      { model: 'm', input: 'x' },
      { signal: AbortSignal.timeout(100) },
    )
      .then(() => 'answered')
      .catch((error: Error) => error.name)
    const elapsedMs = performance.now() - startMs
    expect(outcome).toBe('TimeoutError')
    // AbortSignal.timeout uses a millisecond timer, which may fire up to 1 ms before nominal.
    expect(elapsedMs).toBeGreaterThanOrEqual(99)
    expect(elapsedMs).toBeLessThan(1000)
  })

  it('a caller that aborts mid-latency is released at once, and no wait is left behind', async () => {
    install({ llm: { latency: { fixed: '5s' } } })
    const before = preciseTimer().pending
    const startMs = performance.now()
    const calls = Array.from({ length: 20 }, () =>
      post(DEPENDENCY_URLS.llm, chatBody, { signal: AbortSignal.timeout(400) }),
    )
    // The handlers are soon waiting: one pending precise wait each.
    await expect.poll(() => preciseTimer().pending, { timeout: 350, interval: 5 }).toBe(before + 20)
    for (const call of calls) await expect(call).rejects.toThrow()
    expect(performance.now() - startMs).toBeLessThan(2000)
    // msw's delay(5000) would keep 20 timers (and handlers) alive for 5 s more.
    await expect.poll(() => preciseTimer().pending, { timeout: 500, interval: 5 }).toBe(before)
  })
})

describe('provider rate limit', () => {
  it('answers 429 with Retry-After once the burst is spent, and admits again after the refill', async () => {
    let nowMs = 0
    install({ embedding: { ...ZERO, rate_limit: { rps: 2, burst: 3 } } }, { now: () => nowMs })
    const call = () => post(DEPENDENCY_URLS.embedding, { model: 'm', input: 'x' })
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200)
    const limited = await call()
    expect(limited.status).toBe(429)
    // The next token is 500 ms away, but the provider's retry_after (default 1 s) is the floor.
    expect(limited.headers.get('retry-after')).toBe('1')
    const body = (await limited.json()) as ProviderError
    expect(body.error.type).toBe('rate_limit_exceeded')
    nowMs = 500
    expect((await call()).status).toBe(200)
    expect((await call()).status).toBe(429)
  })

  it('checks the rate limit before drawing failures', async () => {
    install({
      auth: {
        ...ZERO,
        rate_limit: { rps: 1, burst: 1, retry_after: '3s' },
        failures: [{ status: 500, probability: 1 }],
      },
    })
    expect((await post(DEPENDENCY_URLS.auth, { token: 'key-acme' })).status).toBe(500)
    const limited = await post(DEPENDENCY_URLS.auth, { token: 'key-acme' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
  })
})
