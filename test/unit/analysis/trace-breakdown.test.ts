import { SpanKind } from '@opentelemetry/api'
import { quantileSorted } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { TraceBreakdown } from '../../../src/analysis/trace-breakdown.ts'
import type { BreakdownLevel, StageBreakdown } from '../../../src/contract/analysis-schema.ts'
import { fakeTrace, pipelineTrace, traceId } from './fake-spans.ts'

function observeAll(breakdown: TraceBreakdown, traces: ReturnType<typeof pipelineTrace>[]): void {
  for (const spans of traces) breakdown.observe(spans, spans.find((s) => s.kind === SpanKind.SERVER)!)
}

function stage(level: BreakdownLevel, name: string): StageBreakdown {
  const found = level.stages.find((s) => s.stage === name)
  if (!found) throw new Error(`no stage ${name} in ${level.stages.map((s) => s.stage).join(', ')}`)
  return found
}

// 100 traces whose pipeline takes 100..199 ms: embedding 10%, vector_search 10%, rerank 20%, llm 60%.
function proportionalTraces(): ReturnType<typeof pipelineTrace>[] {
  return Array.from({ length: 100 }, (_, i) => {
    const total = 100 + i
    return pipelineTrace(i + 1, {
      auth: 5,
      rate: 0.5,
      embedding: 0.1 * total,
      search: 0.1 * total,
      rerank: 0.2 * total,
      llm: 0.6 * total,
    })
  })
}

describe('TraceBreakdown', () => {
  it('gives each stage its share of the pipeline at p50 and p99, and the mean critical-path time', () => {
    const breakdown = new TraceBreakdown({ seed: 1 })
    observeAll(breakdown, proportionalTraces())
    const { pipeline } = breakdown.results()
    expect(pipeline.traces).toBe(100)
    expect(pipeline.p50_ms).toBeCloseTo(149.5, 6) // type 7 median of 100..199
    expect(pipeline.p99_ms).toBeCloseTo(198.01, 6)
    for (const [name, share] of [
      ['embedding_generation', 0.1],
      ['vector_search', 0.1],
      ['rerank', 0.2],
      ['llm_generation', 0.6],
      ['(self)', 0],
    ] as const) {
      expect(stage(pipeline, name).share_p50, name).toBeCloseTo(share, 6)
      expect(stage(pipeline, name).share_p99, name).toBeCloseTo(share, 6)
    }
    expect(stage(pipeline, 'llm_generation').mean_critical_path_ms).toBeCloseTo(0.6 * 149.5, 6)
    expect(stage(pipeline, 'llm_generation').mean_duration_ms).toBeCloseTo(0.6 * 149.5, 6)
    expect(stage(pipeline, 'llm_generation').present_share).toBe(1)
    // ±5 points around the median of 100 ranks (0-based): ⌊0.45 · 99⌋ = 44 to ⌈0.55 · 99⌉ = 55.
    expect(pipeline.window_p50_traces).toBe(12)
    expect(pipeline.stages.map((s) => s.stage)).not.toContain('(other)')
  })

  it('computes potential savings: 50% off an llm that is 60% of the time takes 30% off p50 and p99', () => {
    const breakdown = new TraceBreakdown({ seed: 1 })
    observeAll(breakdown, proportionalTraces())
    const { pipeline } = breakdown.results()
    const llm = stage(pipeline, 'llm_generation')
    expect(llm.savings.map((s) => s.faster_by)).toEqual([0.1, 0.25, 0.5])
    const half = llm.savings.find((s) => s.faster_by === 0.5)!
    expect(half.p50_ms).toBeCloseTo(0.7 * pipeline.p50_ms, 6)
    expect(half.p99_ms).toBeCloseTo(0.7 * pipeline.p99_ms, 6)
    const tenthOfRerank = stage(pipeline, 'rerank').savings[0]!
    expect(tenthOfRerank.p50_ms).toBeCloseTo(0.98 * pipeline.p50_ms, 6)
  })

  it('names the stage that dominates the slowest 1% of traces', () => {
    const traces = proportionalTraces()
    // The slowest trace: vector search stalls for 300 ms.
    traces.push(pipelineTrace(101, { embedding: 10, search: 300, rerank: 20, llm: 60 }))
    const breakdown = new TraceBreakdown({ seed: 1 })
    observeAll(breakdown, traces)
    const { pipeline } = breakdown.results()
    expect(pipeline.slowest_traces).toBe(2) // ⌈1% of 101⌉
    expect(stage(pipeline, 'vector_search').dominates_slowest).toBe(1)
    expect(stage(pipeline, 'llm_generation').dominates_slowest).toBe(1)
    expect(pipeline.stages.reduce((sum, s) => sum + s.dominates_slowest, 0)).toBe(2)
  })

  it('counts a stage running beside a longer one only where it is the longer one', () => {
    // embedding [0, 40] and vector_search [10, 100] in parallel, then llm [100, 200].
    const spans = fakeTrace(traceId(1), [
      { name: 'POST /ask', id: 's1', startMs: 0, endMs: 210, kind: SpanKind.SERVER },
      { name: 'rag_pipeline', id: 'p1', parent: 's1', startMs: 0, endMs: 200 },
      { name: 'embedding_generation', id: 'e1', parent: 'p1', startMs: 0, endMs: 40 },
      { name: 'vector_search', id: 'v1', parent: 'p1', startMs: 10, endMs: 100 },
      { name: 'llm_generation', id: 'l1', parent: 'p1', startMs: 100, endMs: 200 },
      { name: 'POST /v1/chat/completions', id: 'c1', parent: 'l1', startMs: 100, endMs: 200 },
    ])
    const breakdown = new TraceBreakdown({ seed: 1 })
    breakdown.observe(spans, spans[0]!)
    const { pipeline, request } = breakdown.results()
    expect(stage(pipeline, 'embedding_generation').mean_critical_path_ms).toBeCloseTo(10, 9)
    expect(stage(pipeline, 'embedding_generation').mean_duration_ms).toBeCloseTo(40, 9)
    expect(stage(pipeline, 'vector_search').mean_critical_path_ms).toBeCloseTo(90, 9)
    expect(stage(pipeline, 'llm_generation').share_p50).toBeCloseTo(0.5, 9)
    expect(stage(pipeline, 'rerank').present_share).toBe(0)
    // The request level: rag_pipeline is 200 of 210 ms, the rest is the server span's own time.
    expect(stage(request, 'rag_pipeline').share_p50).toBeCloseTo(200 / 210, 9)
    expect(stage(request, '(self)').mean_critical_path_ms).toBeCloseTo(10, 9)
  })

  it('keeps gateway-refused requests in the request level only, and unknown children as (other)', () => {
    const refused = fakeTrace(traceId(2), [
      { name: 'POST /ask', id: 's1', startMs: 0, endMs: 10, kind: SpanKind.SERVER },
      { name: 'authentication', id: 'a1', parent: 's1', startMs: 1, endMs: 6 },
      { name: 'rate_limiting', id: 'r1', parent: 's1', startMs: 6, endMs: 6.2 },
      { name: 'audit_log', id: 'x1', parent: 's1', startMs: 6.2, endMs: 9 },
    ])
    const breakdown = new TraceBreakdown({ seed: 1 })
    observeAll(breakdown, [refused, ...proportionalTraces().slice(0, 3)])
    const { request, pipeline } = breakdown.results()
    expect(request.traces).toBe(4)
    expect(pipeline.traces).toBe(3)
    expect(stage(request, 'rag_pipeline').present_share).toBe(0.75)
    expect(stage(request, 'rate_limiting').present_share).toBe(1)
    expect(stage(request, '(other)').present_share).toBe(0.25)
    expect(stage(request, '(other)').mean_duration_ms).toBeCloseTo(2.8, 9)
  })

  it('keeps a bounded, seeded uniform reservoir', () => {
    const traces = Array.from({ length: 400 }, (_, i) =>
      pipelineTrace(i + 1, { embedding: 10, search: 10, rerank: 0, llm: 1 + i }),
    )
    const run = () => {
      const breakdown = new TraceBreakdown({ seed: 9, capacity: 50 })
      observeAll(breakdown, traces)
      return breakdown.results()
    }
    const first = run()
    expect(first.traces_seen).toBe(400)
    expect(first.reservoir_size).toBe(50)
    expect(first.reservoir_capacity).toBe(50)
    expect(run()).toEqual(first)
    // A uniform sample of llm = 1..400 ms has its median near 200, not near the first 50 traces.
    const llmMedian = first.pipeline.p50_ms - 20
    expect(llmMedian).toBeGreaterThan(100)
    expect(llmMedian).toBeLessThan(300)
  })

  it('reports zeros, not NaN, with no traces', () => {
    const { pipeline, request } = new TraceBreakdown({ seed: 1 }).results()
    for (const level of [pipeline, request]) {
      expect(level.traces).toBe(0)
      expect(level.p99_ms).toBe(0)
      expect(level.slowest_traces).toBe(0)
      expect(JSON.stringify(level)).not.toMatch(/null|NaN/)
    }
  })

  it('matches simple-statistics quantiles on the parent durations', () => {
    const breakdown = new TraceBreakdown({ seed: 1 })
    const traces = proportionalTraces()
    observeAll(breakdown, traces)
    const sorted = Array.from({ length: 100 }, (_, i) => 100 + i)
    expect(breakdown.results().pipeline.p99_ms).toBeCloseTo(quantileSorted(sorted, 0.99), 6)
  })
})
