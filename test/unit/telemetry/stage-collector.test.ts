import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { parseStageSelector, type StageSelector } from '../../../src/budget/parse-budget.ts'
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
  opts: { kind?: SpanKind; error?: boolean; tenant?: string } = {},
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
    attributes: opts.tenant ? { tenant_id: opts.tenant } : {},
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
    expect(results.root_causes).toEqual({ 'POST /ask › llm_generation › Error': 1 })
    expect(results.exemplars.some((e) => e.reason === 'error')).toBe(true)
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
})
