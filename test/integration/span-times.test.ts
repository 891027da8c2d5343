// Every span the endpoint makes is timed to the microsecond: started, ended and stamped with
// spanNow() (src/endpoint/span-time.ts). Left to itself the OpenTelemetry JS SDK starts a span
// on Date.now(), a whole millisecond, and once given a start time it ends the span and stamps its
// events on Date.now() too unless given those: a site that forgets shows up here as a whole-
// millisecond time. A microsecond-precise time lands on a whole millisecond about once in 4,096
// (epoch milliseconds as a double resolve ~0.24 µs), hence the allowance of two.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { streamTimingInput } from '../fixtures/stream-timing.ts'

// The stream-timing models (a first-token event), with a reranker that fails half its calls with
// a 500 (seeded), so some rerank stages record an exception.
const scenario = scenarioFromObject({
  ...streamTimingInput,
  name: 'span-times',
  dependencies: {
    ...streamTimingInput.dependencies,
    reranker: { latency: { fixed: '4ms' }, failures: [{ status: 500, probability: 0.5 }] },
  },
  pipeline: { retries: { reranker: { max: 0 } } },
})

const exporter = new InMemorySpanExporter()
let app: EndpointApp
let url: string

beforeAll(async () => {
  app = await createEndpointApp(scenario, {
    extraProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  url = `http://127.0.0.1:${address.port}/ask`
})
afterAll(() => app.close())

async function ask(body: object, key = 'key-acme'): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ tenant_id: 'acme', ...body }),
  })
  await response.text()
  return response.status
}

describe('span times', () => {
  it('are sub-millisecond for every span start, end and event, errors and streams included', async () => {
    for (let i = 0; i < 6; i++) await ask({ question: 'the same question', stream: i % 2 === 0 }) // cache hits: events
    await ask({ question: 'no key' }, 'key-wrong')
    const spans = exporter.getFinishedSpans()
    const names = new Set(spans.map((s) => s.name))
    for (const name of [
      'POST /ask',
      'authentication',
      'rate_limiting',
      'cache_check',
      'rerank',
      'llm_generation',
    ])
      expect(names).toContain(name)
    const events = spans.flatMap((s) => s.events)
    expect(events.map((e) => e.name)).toEqual(
      expect.arrayContaining(['cache_hit', 'exception', 'gen_ai.first_token', 'search_started']),
    )
    const times = [...spans.flatMap((s) => [s.startTime, s.endTime]), ...events.map((e) => e.time)]
    expect(times.length).toBeGreaterThan(60)
    const wholeMs = times.filter(([, nanos]) => nanos % 1_000_000 === 0)
    expect(wholeMs.length).toBeLessThanOrEqual(2)
    // And they are one clock: every event falls inside its span.
    const ms = ([s, ns]: readonly [number, number]) => s * 1000 + ns / 1e6
    for (const span of spans)
      for (const event of span.events) {
        expect(ms(event.time)).toBeGreaterThanOrEqual(ms(span.startTime))
        expect(ms(event.time)).toBeLessThanOrEqual(ms(span.endTime))
      }
  })
})
