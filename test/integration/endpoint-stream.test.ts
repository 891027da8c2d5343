// The endpoint's streamed answer (POST /ask with "stream": true) over real HTTP, against the
// streaming LLM mock on both transports: deltas as they come, a final event with trace id, usage
// and citations, the first token as a span event and a stage figure, and each connection fault
// of the LLM mapped to its error type, the right status or SSE error event, and a root cause.
import { SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { errorPath } from '../../src/analysis/error-path.ts'
import { FIRST_TOKEN_EVENT } from '../../src/contract/span-names.ts'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { createSseDecoder, type SseEvent } from '../../src/sse.ts'

const FAST = { latency: { fixed: '1ms' } }
const LLM = { tokens: { ttft: { fixed: '40ms' }, per_token: '2ms', output_tokens: { min: 10, max: 10 } } }

let app: EndpointApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

async function start(transport: 'http' | 'in-process', llm: object, pipeline: object = {}) {
  const exporter = new InMemorySpanExporter()
  const scenario = scenarioFromObject({
    name: 'endpoint-stream',
    requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q', stream: true }],
    dependencies: {
      auth: FAST,
      embedding: FAST,
      vector_store: FAST,
      reranker: FAST,
      llm: { latency: LLM, ...llm },
    },
    pipeline,
    mocks: { transport },
  })
  app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  return { base: `http://127.0.0.1:${address.port}`, exporter }
}

async function askStream(base: string) {
  const response = await fetch(`${base}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer key-acme' },
    body: JSON.stringify({ tenant_id: 'acme', question: 'streamed?', stream: true }),
  })
  const events: SseEvent[] = []
  const decoder = createSseDecoder((event) => events.push(event))
  const text: string[] = []
  for await (const chunk of response.body!) {
    decoder.push(chunk)
    text.push(Buffer.from(chunk).toString())
  }
  decoder.end()
  return { response, events, raw: text.join('') }
}

const spansOf = (exporter: InMemorySpanExporter, traceId: string) =>
  exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name)

describe.each(['http', 'in-process'] as const)('POST /ask with stream: true (%s mocks)', (transport) => {
  it('streams the deltas, then a done event with trace id, usage and citations', async () => {
    const { base, exporter } = await start(transport, {})
    const { response, events } = await askStream(base)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const deltas = events.filter((e) => e.event === 'delta')
    expect(deltas).toHaveLength(10)
    const done = events.at(-1)!
    expect(done.event).toBe('done')
    const body = JSON.parse(done.data)
    expect(body.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: 10 })
    expect(body.citations.length).toBeGreaterThan(0)
    const spans = spansOf(exporter, body.trace_id)
    const llm = named(spans, 'llm_generation')[0]!
    expect(llm.events.map((e) => e.name)).toContain(FIRST_TOKEN_EVENT)
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBe(10)
    expect(llm.attributes['gen_ai.server.time_to_first_token']).toBeGreaterThanOrEqual(0.04)
    expect(llm.attributes['gen_ai.server.time_per_output_token']).toBeGreaterThanOrEqual(0.0015)
  })

  it('a reset mid-stream ends with an SSE error event, ConnectionResetError on the span path', async () => {
    const { base, exporter } = await start(transport, { failures: [{ reset: true, probability: 1 }] })
    const { response, events } = await askStream(base)
    expect(response.status).toBe(200)
    expect(events.filter((e) => e.event === 'delta').length).toBe(5)
    const error = events.at(-1)!
    expect(error.event).toBe('error')
    const body = JSON.parse(error.data)
    expect(body.error.status).toBe(502)
    const path = errorPath(spansOf(exporter, body.trace_id))
    expect(path).toMatch(/llm_generation › POST \/v1\/chat\/completions › 200 ConnectionResetError$/)
  })

  it('a truncated stream (no [DONE]) ends with TruncatedResponseError', async () => {
    const { base, exporter } = await start(transport, { failures: [{ truncate: true, probability: 1 }] })
    const { events } = await askStream(base)
    const body = JSON.parse(events.at(-1)!.data)
    expect(events.at(-1)!.event).toBe('error')
    expect(errorPath(spansOf(exporter, body.trace_id))).toMatch(/ 200 TruncatedResponseError$/)
  })

  it('a stall past the idle timeout ends with a 504 error event, StreamStalledError', async () => {
    const { base, exporter } = await start(
      transport,
      { failures: [{ stall: { after_tokens: 3, for: '2s' }, probability: 1 }] },
      { stream_idle_timeout: '150ms' },
    )
    const started = performance.now()
    const { events } = await askStream(base)
    expect(performance.now() - started).toBeLessThan(1500)
    const body = JSON.parse(events.at(-1)!.data)
    expect(events.at(-1)!.event).toBe('error')
    expect(body.error.status).toBe(504)
    const spans = spansOf(exporter, body.trace_id)
    expect(errorPath(spans)).toMatch(/ 200 StreamStalledError$/)
    expect(named(spans, 'POST /ask')[0]!.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a failure before the first token is a plain JSON error with its status (reset of a whole body)', async () => {
    const { base } = await start(transport, { failures: [{ status: 500, probability: 1 }] })
    const { response, raw } = await askStream(base)
    expect(response.status).toBe(502)
    expect(JSON.parse(raw).error.message).toMatch(/UpstreamServerError/)
  })
})
