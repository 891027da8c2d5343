// The pipeline settings a scenario declares, through real HTTP: the embedding cache's capacity
// (LRU) and TTL, and rerank_min_results. Fixed 1 ms mocks keep it quick.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { fixedDependencies } from '../fixtures/fixed-dependencies.ts'

const TTL_MS = 300
const exporter = new InMemorySpanExporter()
let app: EndpointApp
let base: string

beforeAll(async () => {
  const scenario = scenarioFromObject({
    name: 'endpoint-pipeline',
    requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q' }],
    dependencies: fixedDependencies('1ms'),
    pipeline: { cache: { capacity: 2, ttl: `${TTL_MS}ms` }, rerank_min_results: 5 },
  })
  app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  base = `http://127.0.0.1:${address.port}`
})
afterAll(() => app.close())

// The names of the spans of one answered request.
async function ask(question: string, k?: number): Promise<string[]> {
  const response = await fetch(`${base}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer key-acme' },
    body: JSON.stringify({ tenant_id: 'acme', question, ...(k === undefined ? {} : { k }) }),
  })
  expect(response.status).toBe(200)
  const { trace_id } = (await response.json()) as { trace_id: string }
  return exporter
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === trace_id)
    .map((s) => s.name)
}
const embedded = (spans: string[]) => spans.includes('POST /v1/embeddings')

describe('the embedding cache', () => {
  it('keeps the 2 most recently used questions (capacity 2) and evicts the least recently used', async () => {
    expect(embedded(await ask('one'))).toBe(true)
    expect(embedded(await ask('two'))).toBe(true)
    expect(embedded(await ask('one'))).toBe(false) // hit; 'two' is now the least recently used
    expect(embedded(await ask('three'))).toBe(true) // evicts 'two'
    expect(embedded(await ask('one'))).toBe(false)
    expect(embedded(await ask('three'))).toBe(false)
    expect(embedded(await ask('two'))).toBe(true)
  })

  it('forgets an entry after its TTL', async () => {
    expect(embedded(await ask('short-lived'))).toBe(true)
    expect(embedded(await ask('short-lived'))).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50))
    expect(embedded(await ask('short-lived'))).toBe(true)
  })
})

describe('rerank_min_results', () => {
  it('skips rerank below the minimum number of search results and reranks at it', async () => {
    expect(await ask('few results', 4)).not.toContain('rerank')
    const atMinimum = await ask('enough results', 5)
    expect(atMinimum).toContain('rerank')
    expect(atMinimum).toContain('POST /v1/rerank')
  })
})
