// The analyzer on spans made by the real SDK (NodeTracerProvider), so the fields it reads
// (parentSpanContext, startTime/endTime, events, status) are the ones ReadableSpan really has.
import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ATTRIBUTES_EVERY_TRACE,
  ATTRIBUTES_STRIDE,
  TraceAnalyzer,
} from '../../../src/analysis/trace-analyzer.ts'
import { analysisSchema } from '../../../src/contract/analysis-schema.ts'
import { StageCollector } from '../../../src/telemetry/stage-collector.ts'

const T0 = Date.UTC(2026, 0, 1)
const providers: NodeTracerProvider[] = []

function provider(processor: SimpleSpanProcessor | StageCollector): Tracer {
  const p = new NodeTracerProvider({ spanProcessors: [processor] })
  providers.push(p)
  return p.getTracer('test')
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()))
})

// One request through the seed's pipeline with the real tracer; times in ms from `at`.
// llm is 60% of the pipeline; every third request has its first llm attempt throttled (retried),
// and request 10 fails at the llm after a 429.
function request(tracer: Tracer, n: number, at: number): void {
  const span = (
    name: string,
    parent: Context,
    from: number,
    to: number,
    options: { kind?: SpanKind; attributes?: Record<string, string | number> } = {},
  ) => {
    const s = tracer.startSpan(name, { startTime: at + from, ...options }, parent)
    return { s, ctx: trace.setSpan(parent, s), end: () => s.end(at + to) }
  }
  const fail = (s: ReturnType<typeof span>['s'], type: string) => {
    s.setStatus({ code: SpanStatusCode.ERROR, message: type })
    s.setAttribute('error.type', type)
    s.recordException({ name: type, message: type }, at)
  }
  const server = span('POST /ask', ROOT_CONTEXT, 0, 110, { kind: SpanKind.SERVER })
  const auth = span('authentication', server.ctx, 0, 5, { attributes: { tenant_id: 'acme' } })
  span('POST /v1/introspect', auth.ctx, 0, 5, {
    kind: SpanKind.CLIENT,
    attributes: { 'peer.service': 'auth' },
  }).end()
  auth.end()
  span('rate_limiting', server.ctx, 5, 5.1).end()
  const pipeline = span('rag_pipeline', server.ctx, 10, 110)
  span('embedding_generation', pipeline.ctx, 10, 20).end()
  span('vector_search', pipeline.ctx, 20, 30).end()
  span('rerank', pipeline.ctx, 30, 50).end()
  const llm = span('llm_generation', pipeline.ctx, 50, 110)
  if (n % 3 === 0 || n === 10) {
    const first = span('POST /v1/chat/completions', llm.ctx, 50, 60, {
      kind: SpanKind.CLIENT,
      attributes: { 'peer.service': 'llm', 'http.response.status_code': 429 },
    })
    fail(first.s, 'RateLimitError')
    first.end()
  }
  const last = span('POST /v1/chat/completions', llm.ctx, 60, 110, {
    kind: SpanKind.CLIENT,
    attributes: {
      'peer.service': 'llm',
      ...(n % 3 === 0 || n === 10 ? { 'http.request.resend_count': 1 } : {}),
    },
  })
  if (n === 10) {
    last.s.setAttribute('http.response.status_code', 429)
    fail(last.s, 'RateLimitError')
    fail(llm.s, 'RateLimitError')
    fail(pipeline.s, 'RateLimitError')
    fail(server.s, 'RateLimitError')
  }
  last.end()
  llm.end()
  pipeline.end()
  server.end()
}

function checkResults(analyzer: TraceAnalyzer): void {
  const results = analysisSchema.parse(analyzer.results())
  expect(results.traces).toBe(12)
  const llm = results.breakdown.pipeline.stages.find((s) => s.stage === 'llm_generation')!
  expect(llm.share_p50).toBeCloseTo(0.6, 6)
  expect(llm.savings.find((s) => s.faster_by === 0.5)!.p50_ms).toBeCloseTo(70, 6)
  expect(
    results.breakdown.request.stages.find((s) => s.stage === 'authentication')!.mean_critical_path_ms,
  ).toBeCloseTo(5, 6)
  const llmDependency = results.dependencies.find((d) => d.dependency === 'llm')!
  expect(llmDependency.calls).toBe(12 + 5) // requests 3, 6, 9, 10, 12 retried once
  expect(llmDependency.retries).toBe(5)
  expect(llmDependency.failed_request_rate).toBeCloseTo(1 / 12, 9)
  expect(results.root_causes.map((c) => c.path)).toEqual([
    'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 RateLimitError',
  ])
  expect(results.root_causes[0]!.count).toBe(5) // four throttled-then-retried requests and the failure
  expect(results.hygiene.findings.map((f) => [f.check, f.span_name])).toEqual([])
}

describe('TraceAnalyzer on SDK spans', () => {
  it('analyses traces grouped from an InMemorySpanExporter', () => {
    const exporter = new InMemorySpanExporter()
    const tracer = provider(new SimpleSpanProcessor(exporter))
    for (let n = 1; n <= 12; n++) request(tracer, n, T0 + n * 1000)
    const byTrace = new Map<string, ReadableSpan[]>()
    for (const s of exporter.getFinishedSpans()) {
      const list = byTrace.get(s.spanContext().traceId) ?? []
      list.push(s)
      byTrace.set(s.spanContext().traceId, list)
    }
    const analyzer = new TraceAnalyzer({ seed: 1 })
    for (const spans of byTrace.values()) analyzer.observeTrace(spans)
    checkResults(analyzer)
  })

  it('gets every measured trace through the StageCollector hook', () => {
    const analyzer = new TraceAnalyzer({ seed: 1 })
    const collector = new StageCollector({ onMeasuredTrace: (spans) => analyzer.observeTrace(spans) })
    const tracer = provider(collector)
    for (let n = 1; n <= 12; n++) request(tracer, n, T0 + n * 1000)
    expect(analyzer.traces).toBe(12)
    checkResults(analyzer)
    // The collector labels its error exemplars with the paths the analysis counts them under.
    const paths = new Set(analyzer.results().root_causes.map((c) => c.path))
    const errorExemplars = collector.results().exemplars.filter((e) => e.error)
    expect(errorExemplars.length).toBeGreaterThan(0)
    for (const e of errorExemplars) expect(paths).toContain(e.error_path)
  })
})

describe('which traces have their attribute values counted', () => {
  it('every trace up to the first 1,000, then one in 10', () => {
    const analyzer = new TraceAnalyzer({ seed: 1 })
    const exporter = new InMemorySpanExporter()
    const tracer = provider(new SimpleSpanProcessor(exporter))
    const traces = 1200
    for (let n = 0; n < traces; n++) {
      const root = tracer.startSpan('POST /ask', {
        kind: SpanKind.SERVER,
        startTime: T0 + n,
        attributes: { request_number: `request-${n}` },
      })
      root.end(T0 + n + 0.5)
    }
    for (const span of exporter.getFinishedSpans()) analyzer.observeTrace([span])
    const row = analyzer.results().hygiene.attribute_cardinality.find((r) => r.key === 'request_number')!
    // Names and durations are checked on every span; attribute values on 1,000 + 200 / 10.
    expect(analyzer.results().hygiene.spans_checked).toBe(traces)
    expect(row.spans).toBe(ATTRIBUTES_EVERY_TRACE + (traces - ATTRIBUTES_EVERY_TRACE) / ATTRIBUTES_STRIDE)
    expect(row.capped).toBe(true) // 1,000 distinct values: the set stops there
  })
})
