// Injected dependency failures through real HTTP: a throttling LLM (429 with Retry-After) and
// a reranker that never answers. Each attempt is its own client span; the failed trace reads
// like the seed's root-cause example.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { hrtimeToMs } from '../../src/units.ts'

const exporter = new InMemorySpanExporter()
let app: EndpointApp
let base: string

beforeAll(async () => {
  const scenario = scenarioFromObject({
    name: 'endpoint-failures',
    requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q' }],
    dependencies: {
      auth: { latency: { fixed: '1ms' } },
      embedding: { latency: { fixed: '1ms' } },
      vector_store: { latency: { fixed: '1ms' } },
      reranker: { latency: { fixed: '1ms' }, failures: [{ timeout: true, probability: 1 }] },
      llm: { latency: { fixed: '1ms' }, failures: [{ status: 429, probability: 1, retry_after: '1s' }] },
    },
    pipeline: {
      timeouts: { reranker: '100ms' },
      retries: { reranker: { max: 1, backoff: '10ms' }, llm: { max: 1, backoff: '10ms' } },
    },
  })
  app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  base = `http://127.0.0.1:${address.port}`
})
afterAll(() => app.close())

async function ask(body: unknown) {
  const response = await fetch(`${base}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer key-acme' },
    body: JSON.stringify(body),
  })
  const json = (await response.json()) as { trace_id: string; error: { message: string } }
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === json.trace_id)
  return { response, json, spans }
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name)

describe('an LLM that throttles', () => {
  it('retries after Retry-After, then answers 503 with the error on every span of the path', async () => {
    const started = performance.now()
    const { response, spans } = await ask({ tenant_id: 'acme', question: 'throttled', rerank: false })
    expect(response.status).toBe(503)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // The retry waited for the provider's Retry-After (1 s), not just the 10 ms backoff.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000)

    const attempts = named(spans, 'POST /v1/chat/completions')
    expect(attempts).toHaveLength(2)
    expect(attempts.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1])
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(SpanKind.CLIENT)
      expect(attempt.status.code).toBe(SpanStatusCode.ERROR)
      expect(attempt.attributes['http.response.status_code']).toBe(429)
      expect(attempt.attributes['error.type']).toBe('RateLimitError')
      expect(attempt.events.some((e) => e.name === 'exception')).toBe(true)
    }
    const llm = named(spans, 'llm_generation')[0]!
    expect(llm.status.code).toBe(SpanStatusCode.ERROR)
    expect(llm.attributes['error.type']).toBe('RateLimitError')
    expect(named(spans, 'rag_pipeline')[0]!.status.code).toBe(SpanStatusCode.ERROR)
    const server = named(spans, 'POST /ask')[0]!
    expect(server.status.code).toBe(SpanStatusCode.ERROR)
    expect(server.attributes['http.response.status_code']).toBe(503)
  })
})

describe('a reranker that never answers', () => {
  it('times out each attempt and answers 504', async () => {
    const { response, spans } = await ask({ tenant_id: 'acme', question: 'slow rerank' })
    expect(response.status).toBe(504)
    const attempts = named(spans, 'POST /v1/rerank')
    expect(attempts).toHaveLength(2)
    for (const attempt of attempts) {
      expect(attempt.attributes['error.type']).toBe('TimeoutError')
      // Ended by its own 100 ms timer, not the 2 s default: a generous bound of 5× the timeout.
      expect(hrtimeToMs(attempt.duration)).toBeGreaterThanOrEqual(99)
      expect(hrtimeToMs(attempt.duration)).toBeLessThan(500)
    }
    expect(named(spans, 'rerank')[0]!.attributes['error.type']).toBe('TimeoutError')
    expect(named(spans, 'llm_generation')).toHaveLength(0)
  })

  it('never leaves a span open', async () => {
    await app.tracing.forceFlush() // the collector takes ended spans in deferred batches
    expect(app.collector.counters.spans_started).toBe(app.collector.counters.spans_ended)
  })
})
