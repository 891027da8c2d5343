import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { TraceAnalyzer } from '../../../src/analysis/trace-analyzer.ts'
import { parseStageSelector, type StageSelector } from '../../../src/budget/parse-budget.ts'
import { MOCK_DELAY_ATTRIBUTE } from '../../../src/contract/dependency-api.ts'
import { StageCollector } from '../../../src/telemetry/stage-collector.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const STAGES = [
  'authentication',
  'rate_limiting',
  'rag_pipeline',
  'embedding_generation',
  'cache_check',
  'vector_search',
  'rerank',
  'llm_generation',
  'POST /v1/chat/completions',
]

function hr(ms: number): [number, number] {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)]
}

// The fields the collector reads, shaped like the SDK's ReadableSpan.
function span(
  traceId: string,
  n: number,
  name: string,
  startMs: number,
  durationMs: number,
  opts: {
    kind?: SpanKind
    error?: boolean
    tenant?: string
    attributes?: Record<string, string | number>
  } = {},
): ReadableSpan {
  const spanId = n.toString(16).padStart(16, '0')
  return {
    name,
    kind: opts.kind ?? SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext:
      opts.kind === SpanKind.SERVER ? undefined : { traceId, spanId: '0'.repeat(15) + '1', traceFlags: 1 },
    startTime: hr(startMs),
    endTime: hr(startMs + durationMs),
    duration: hr(durationMs),
    status: { code: opts.error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
    attributes: { ...(opts.tenant ? { tenant_id: opts.tenant } : {}), ...opts.attributes },
    links: [],
    events: [],
    ended: true,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as ReadableSpan
}

function feedTrace(collector: StageCollector, t: number, startMs: number, tenant: string, error = false) {
  const traceId = t.toString(16).padStart(32, '0')
  let n = 2
  for (const name of STAGES) {
    collector.onEnd(
      span(traceId, n++, name, startMs + 1, 10 + (t % 7), {
        tenant,
        error: error && name === 'llm_generation',
      }),
    )
  }
  collector.onEnd(span(traceId, 1, 'POST /ask', startMs, 100 + (t % 13), { kind: SpanKind.SERVER, error }))
}

describe('StageCollector', () => {
  it('counts durations and errors per stage and per attribute-narrowed stage, leaving warm-up out', () => {
    const selector = parseStageSelector('rag_pipeline{tenant_id=acme}') as StageSelector
    // Two budgets on the same narrowed stage (say p95 and error_rate) give two equal selectors.
    const collector = new StageCollector({ selectors: [selector, { ...selector }] })
    const t0 = 1_800_000_000_000
    collector.startMeasuring(t0 + 1000)
    feedTrace(collector, 1, t0, 'acme') // warm-up
    for (let t = 2; t < 12; t++)
      feedTrace(collector, t, t0 + 1000 + t, t % 2 === 0 ? 'acme' : 'globex', t === 4)
    const results = collector.results()
    expect(results.counters.server_spans).toBe(11)
    expect(results.counters.pipeline_roots).toBe(11)
    expect(results.stages['POST /ask']!.count).toBe(10)
    expect(results.stages.llm_generation!.error_count).toBe(1)
    expect(results.stages['rag_pipeline{tenant_id=acme}']!.count).toBe(5)
    const failed = results.exemplars.filter((e) => e.reason === 'error')
    expect(failed.map((e) => e.error_path)).toEqual(['POST /ask › llm_generation › Error'])
    expect(results.exemplars.filter((e) => e.reason === 'slowest')).toHaveLength(5)
  })

  it('keeps bounded memory: a million spans grow the heap by far less than span objects would', () => {
    const collector = new StageCollector({
      selectors: [parseStageSelector('rag_pipeline{tenant_id=acme}') as StageSelector],
    })
    collector.startMeasuring(0)
    for (let t = 0; t < 1000; t++) feedTrace(collector, t, 1_800_000_000_000 + t, 'acme') // allocate histograms first
    gc()
    const before = process.memoryUsage().heapUsed
    const traces = 100_000 // × 10 spans = 1,000,000 spans
    for (let t = 1000; t < 1000 + traces; t++)
      feedTrace(collector, t, 1_800_000_000_000 + t, t % 3 ? 'acme' : 'globex', t % 1000 === 0)
    gc()
    const grownBytes = process.memoryUsage().heapUsed - before
    expect(collector.counters.spans_ended).toBeGreaterThanOrEqual(1_000_000)
    // The SDK's InMemorySpanExporter holds about 3 KB per span: 3 GB here. The collector holds
    // histograms plus a bounded exemplar set; allow 20 MB for noise.
    expect(grownBytes).toBeLessThan(20 * 2 ** 20)
    expect(collector.results().stages.rag_pipeline!.count).toBe(traces + 1000)
  })

  it('records the durations themselves: exact min, max and mean, nearest-rank percentiles', () => {
    const selector = parseStageSelector('rag_pipeline{tenant_id=acme}') as StageSelector
    const collector = new StageCollector({ selectors: [selector] })
    const t0 = 1_800_000_000_000
    collector.startMeasuring(t0)
    for (let t = 2; t < 12; t++) feedTrace(collector, t, t0 + t, t % 2 === 0 ? 'acme' : 'globex')
    const { stages, root_durations } = collector.results()
    // Stage spans last 10 + (t mod 7) ms: for t = 2…11 that is 12 13 14 15 16 10 11 12 13 14,
    // sorted 10 11 12 12 13 13 14 14 15 16: mean 13, p50 the 5th value (13), p90 the 9th (15).
    const bound = (ms: number) => 0.001 * ms + 0.001 // the HDR recorder's stated bound
    const vector = stages.vector_search!
    expect(vector).toMatchObject({ count: 10, error_count: 0, min_ms: 10, max_ms: 16 })
    expect(vector.mean_ms).toBeCloseTo(13, 9)
    expect(Math.abs(vector.p50_ms - 13)).toBeLessThanOrEqual(bound(13))
    expect(Math.abs(vector.p90_ms - 15)).toBeLessThanOrEqual(bound(15))
    expect(vector.p99_ms).toBe(16)
    // acme only (t even): 12 14 16 11 13.
    const acme = stages['rag_pipeline{tenant_id=acme}']!
    expect(acme).toMatchObject({ count: 5, min_ms: 11, max_ms: 16 })
    expect(acme.mean_ms).toBeCloseTo(13.2, 9)
    // The server span (100 + t mod 13 ms) of each trace, for the client–server join.
    expect(root_durations.get((7).toString(16).padStart(32, '0'))).toBeCloseTo(107, 6)
    expect(root_durations.size).toBe(10)
  })

  it('measures each successful mocked call against the delay drawn for it', () => {
    const collector = new StageCollector()
    collector.startMeasuring(0)
    const traceId = 'a'.repeat(32)
    const call = (n: number, durationMs: number, drawnMs: number, error = false) =>
      collector.onEnd(
        span(traceId, n, 'POST /v1/chat/completions', 1000 + n, durationMs, {
          kind: SpanKind.CLIENT,
          error,
          attributes: { 'peer.service': 'llm', [MOCK_DELAY_ATTRIBUTE]: drawnMs },
        }),
      )
    call(2, 32, 30) // excess 2
    call(3, 35, 30) // excess 5
    call(4, 31, 30) // excess 1
    call(5, 500, 30, true) // a failed call is not a fidelity sample
    const llm = collector.results().dependencies.llm!
    expect(llm.calls).toBe(3)
    expect(llm.measured).toMatchObject({ min_ms: 31, max_ms: 35 })
    // Nearest rank of 1 2 5: p50 the 2nd (2), p99 the 3rd (5).
    expect(llm.excess_ms.max).toBe(5)
    expect(Math.abs(llm.excess_ms.p50 - 2)).toBeLessThanOrEqual(0.003)
    expect(Math.abs(llm.excess_ms.p99 - 5)).toBeLessThanOrEqual(0.006)
  })
})

describe('StageCollector exemplars', () => {
  const t0 = 1_800_000_000_000
  // One trace: a root server span of rootMs and, for an error, a failed llm_generation child
  // carrying the error type.
  function trace(collector: StageCollector, t: number, rootMs: number, errorType?: string) {
    const traceId = t.toString(16).padStart(32, '0')
    if (errorType) {
      collector.onEnd(
        span(traceId, 2, 'llm_generation', t0 + t + 1, 5, {
          error: true,
          attributes: { 'error.type': errorType },
        }),
      )
    }
    collector.onEnd(
      span(traceId, 1, 'POST /ask', t0 + t, rootMs, { kind: SpanKind.SERVER, error: !!errorType }),
    )
  }
  const ofReason = (collector: StageCollector, reason: string) =>
    collector.results().exemplars.filter((e) => e.reason === reason)

  it('keeps the 5 slowest traces, slowest first', () => {
    const collector = new StageCollector()
    collector.startMeasuring(t0)
    // Root durations 100 + (7t mod 20) for t = 0…19: a permutation of 100…119.
    for (let t = 0; t < 20; t++) trace(collector, t, 100 + ((7 * t) % 20))
    expect(ofReason(collector, 'slowest').map((e) => e.duration_ms)).toEqual([119, 118, 117, 116, 115])
  })

  it('keeps at most 3 traces per error kind and 50 kinds; the analysis counts every error', () => {
    const analyzer = new TraceAnalyzer({ seed: 1 })
    const collector = new StageCollector({ onMeasuredTrace: (spans) => analyzer.observeTrace(spans) })
    collector.startMeasuring(t0)
    for (let t = 0; t < 10; t++) trace(collector, t, 50, 'TimeoutError')
    for (let kind = 0; kind < 60; kind++) trace(collector, 100 + kind, 50, `Kind${kind}Error`)
    const errors = ofReason(collector, 'error')
    const { root_causes, root_causes_other } = analyzer.results()
    expect(root_causes.find((c) => c.path === 'POST /ask › llm_generation › TimeoutError')?.count).toBe(10)
    // The analysis lists 50 kinds and counts the other 11 failed traces beside them.
    expect(root_causes).toHaveLength(50)
    expect(root_causes_other).toBe(11)
    // 3 of the timeouts and one trace for each of the first 49 other kinds: 50 kinds in all.
    expect(errors).toHaveLength(3 + 49)
  })

  it('keeps a uniform sample of 50 traces (reservoir), not just the first 50', () => {
    const collector = new StageCollector({ seed: 3 })
    collector.startMeasuring(t0)
    for (let t = 0; t < 1000; t++) trace(collector, t, 10)
    const sampled = ofReason(collector, 'sample').map((e) => Number.parseInt(e.trace_id, 16))
    expect(sampled).toHaveLength(50)
    expect(new Set(sampled).size).toBe(50)
    // Under Algorithm R each of the 1000 is kept with probability 1/20: the mean index of the
    // sample is 499.5 with a standard error of about 289/√50 ≈ 41; allow 4 of them.
    const meanIndex = sampled.reduce((a, b) => a + b, 0) / sampled.length
    expect(Math.abs(meanIndex - 499.5)).toBeLessThan(4 * (288.7 / Math.sqrt(50)))
  })
})
