// The traced RAG endpoint through real HTTP, with msw answering its real fetch calls, and the
// span tree read back from the SDK's in-memory exporter.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { hrtimeToMs } from '../../src/units.ts'

const exporter = new InMemorySpanExporter()
let app: EndpointApp
let base: string

const scenario = scenarioFromObject({
  name: 'endpoint-test',
  seed: 3,
  requests: [
    { tenant: 'acme', api_key: 'key-acme', question: 'q' },
    { tenant: 'globex', api_key: 'key-globex', question: 'q' },
    { tenant: 'flaky', api_key: 'key-flaky', question: 'q' },
  ],
  tenants: { globex: { rate_limit: { rps: 1, burst: 2 } } },
  dependencies: {
    auth: { latency: { fixed: '5ms' } },
    embedding: { latency: { fixed: '50ms' } },
    vector_store: { latency: { fixed: '50ms' } },
    reranker: { latency: { fixed: '50ms' } },
    llm: { latency: { fixed: '50ms' } },
  },
  pipeline: { retries: { llm: { max: 2, backoff: '10ms' } }, timeouts: { llm: '300ms' } },
})

beforeAll(async () => {
  app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  base = `http://127.0.0.1:${address.port}`
})
afterAll(() => app.close())
afterEach(() => exporter.reset())

function ask(body: unknown, headers: Record<string, string> = {}, method = 'POST', path = '/ask') {
  return fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: 'Bearer key-acme', ...headers },
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

function spansOf(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
}

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name)
  if (!span) throw new Error(`no span named ${name} among ${spans.map((s) => s.name).join(', ')}`)
  return span
}

function parentOf(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  return spans.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId)
}

describe('POST /ask', () => {
  it('answers and records the seed span tree with its attributes and events', async () => {
    const response = await ask({ tenant_id: 'acme', question: 'What is RAG?', k: 5 })
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      answer: string
      sources: { id: string; score: number }[]
      trace_id: string
    }
    expect(body.answer.length).toBeGreaterThan(0)
    expect(body.sources).toHaveLength(5)
    expect(body.sources.every((s) => s.id.startsWith('acme-'))).toBe(true)
    expect(body.trace_id).toMatch(/^[0-9a-f]{32}$/)

    const spans = spansOf(body.trace_id)
    const server = byName(spans, 'POST /ask')
    expect(server.kind).toBe(SpanKind.SERVER)
    expect(server.attributes['http.response.status_code']).toBe(200)
    for (const [child, parent] of [
      ['authentication', 'POST /ask'],
      ['rate_limiting', 'POST /ask'],
      ['rag_pipeline', 'POST /ask'],
      ['embedding_generation', 'rag_pipeline'],
      ['cache_check', 'embedding_generation'],
      ['POST /v1/embeddings', 'embedding_generation'],
      ['vector_search', 'rag_pipeline'],
      ['rerank', 'rag_pipeline'],
      ['POST /v1/rerank', 'rerank'],
      ['llm_generation', 'rag_pipeline'],
      ['POST /v1/chat/completions', 'llm_generation'],
      ['POST /v1/introspect', 'authentication'],
    ]) {
      expect(parentOf(spans, byName(spans, child!))?.name, child).toBe(parent)
    }
    const pipeline = byName(spans, 'rag_pipeline')
    expect(pipeline.attributes).toMatchObject({ tenant_id: 'acme', text_length: 12, k: 5 })
    expect(pipeline.attributes.question).toBeUndefined() // not recorded unless tracing.record_question
    const search = byName(spans, 'vector_search')
    expect(search.attributes).toMatchObject({ results_count: 5, 'gen_ai.operation.name': 'retrieval' })
    expect(search.events.map((e) => e.name)).toEqual(['search_started', 'search_completed'])
    const llm = byName(spans, 'llm_generation')
    expect(llm.attributes).toMatchObject({
      model: 'gpt-4o-mini',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
    })
    expect(llm.attributes.prompt_tokens).toBeGreaterThan(0)
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBe(llm.attributes.completion_tokens)
    const client = byName(spans, 'POST /v1/chat/completions')
    expect(client.kind).toBe(SpanKind.CLIENT)
    expect(client.attributes).toMatchObject({
      'http.request.method': 'POST',
      // The mock server on loopback, under the same path as the provider's API.
      'url.full': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions$/),
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
    })
    // The mock said what it drew and how long it held the call: never less than drawn, and the
    // span (the client's view) never less than the hold.
    const drawnMs = client.attributes['harness.mock_delay_ms']
    const heldMs = client.attributes['harness.mock_held_ms']
    expect(typeof drawnMs === 'number' && typeof heldMs === 'number').toBe(true)
    expect(heldMs as number).toBeGreaterThanOrEqual(drawnMs as number)
    expect(hrtimeToMs(client.duration)).toBeGreaterThanOrEqual(heldMs as number)
    expect(byName(spans, 'embedding_generation').attributes.cached).toBe(false)
    // Lower bounds only: each fixed 50 ms dependency makes its stage take at least 50 ms.
    for (const stage of ['embedding_generation', 'vector_search', 'rerank', 'llm_generation']) {
      const ms = hrtimeToMs(byName(spans, stage).duration)
      expect(ms, stage).toBeGreaterThanOrEqual(49.5)
      expect(ms, stage).toBeLessThan(2000)
    }
  })

  it('hits the embedding cache for a repeated question', async () => {
    await ask({ tenant_id: 'acme', question: 'cache me' })
    const response = await ask({ tenant_id: 'acme', question: 'cache me' })
    const { trace_id } = (await response.json()) as { trace_id: string }
    const spans = spansOf(trace_id)
    const cache = byName(spans, 'cache_check')
    expect(cache.attributes.cached).toBe(true)
    expect(cache.events.map((e) => e.name)).toContain('cache_hit')
    expect(spans.some((s) => s.name === 'POST /v1/embeddings')).toBe(false)
  })

  it('skips rerank when the request says so', async () => {
    const response = await ask({ tenant_id: 'acme', question: 'no rerank please', rerank: false })
    const { trace_id } = (await response.json()) as { trace_id: string }
    expect(spansOf(trace_id).some((s) => s.name === 'rerank')).toBe(false)
  })

  it('continues an incoming traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const response = await ask(
      { tenant_id: 'acme', question: 'joined' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    )
    const body = (await response.json()) as { trace_id: string }
    expect(body.trace_id).toBe(traceId)
    const server = byName(spansOf(traceId), 'POST /ask')
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7')
  })

  it('refuses another tenant with 403 and a wrong key with 401', async () => {
    expect((await ask({ tenant_id: 'globex', question: 'q' })).status).toBe(403)
    expect((await ask({ tenant_id: 'acme', question: 'q' }, { authorization: 'Bearer nope' })).status).toBe(
      401,
    )
  })

  it('holds a tenant to its gateway rate limit with 429 and Retry-After', async () => {
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 4; i++) {
      const response = await ask(
        { tenant_id: 'globex', question: `q${i}` },
        { authorization: 'Bearer key-globex' },
      )
      statuses.push(response.status)
      if (response.status === 429) retryAfter = response.headers.get('retry-after')
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200])
    expect(statuses).toContain(429)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  })
})

describe('bad input through real HTTP', () => {
  it.each([
    ['malformed JSON', () => ask('{not json'), 400, /not valid JSON/],
    ['missing question', () => ask({ tenant_id: 'acme' }), 400, /question/],
    ['wrong-typed k', () => ask({ tenant_id: 'acme', question: 'q', k: 'five' }), 400, /k: expected/],
    ['no key', () => ask({ tenant_id: 'acme', question: 'q' }, { authorization: '' }), 401, /bearer/i],
    [
      'wrong key',
      () => ask({ tenant_id: 'acme', question: 'q' }, { authorization: 'Bearer wrong' }),
      401,
      /not valid/,
    ],
    ['body over 64 KiB', () => ask({ tenant_id: 'acme', question: 'x'.repeat(70_000) }), 413, /limit/],
    ['unknown route', () => ask({}, {}, 'POST', '/nope'), 404, /no such route/],
    ['wrong method', () => ask({}, {}, 'GET', '/ask'), 405, /POST/],
  ])('%s → %i', async (_name, send, status, message) => {
    const response = await send()
    expect(response.status).toBe(status)
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error.message).toMatch(message)
    const spans = exporter.getFinishedSpans()
    expect(spans.some((s) => s.name === 'rag_pipeline')).toBe(false)
    expect(spans.every((s) => s.status.code !== SpanStatusCode.ERROR)).toBe(true)
  })

  it('ends every span it starts', async () => {
    await app.tracing.forceFlush() // the collector takes ended spans in deferred batches
    const started = app.collector.counters.spans_started
    const ended = app.collector.counters.spans_ended
    expect(started).toBe(ended)
    expect(started).toBeGreaterThan(0)
  })

  it('answers /healthz', async () => {
    const response = await fetch(`${base}/healthz`)
    expect(response.status).toBe(200)
  })
})
