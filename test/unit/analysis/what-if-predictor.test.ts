import { quantileSorted } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { WhatIfPredictor } from '../../../src/analysis/what-if-predictor.ts'
import { parseStageSelector, type StageSelector } from '../../../src/budget/parse-budget.ts'
import { fakeTrace, traceId } from './fake-spans.ts'

const selector = (key: string): StageSelector => {
  const s = parseStageSelector(key)
  if (typeof s === 'string') throw new Error(s)
  return s
}

// rag_pipeline [0, total] → rerank [10, 10 + r] → POST reranker [10.5, 10.5 + d + 1] (drawn d,
// 1 ms of transport), then llm [10 + r, total]; tenant alternates acme / globex.
function trace(n: number, drawnMs: number, options: { retry?: boolean } = {}) {
  const rerankMs = drawnMs + 2 + (options.retry ? drawnMs + 1 : 0)
  const total = 10 + rerankMs + 50
  const calls = [
    {
      name: 'POST /rerank',
      id: 'c1',
      parent: 'r1',
      startMs: 10.5,
      endMs: 11.5 + drawnMs,
      attributes: { 'peer.service': 'reranker', 'harness.mock_delay_ms': drawnMs },
    },
  ]
  if (options.retry)
    calls.push({
      name: 'POST /rerank',
      id: 'c2',
      parent: 'r1',
      startMs: 11.5 + drawnMs,
      endMs: 12.5 + 2 * drawnMs,
      attributes: { 'peer.service': 'reranker', 'harness.mock_delay_ms': drawnMs },
    })
  return fakeTrace(traceId(n), [
    {
      name: 'rag_pipeline',
      id: 'p1',
      startMs: 0,
      endMs: total,
      attributes: { tenant_id: n % 2 ? 'acme' : 'globex' },
    },
    { name: 'rerank', id: 'r1', parent: 'p1', startMs: 10, endMs: 10 + rerankMs },
    ...calls,
    { name: 'llm_generation', id: 'l1', parent: 'p1', startMs: 10 + rerankMs, endMs: total },
  ])
}

describe('WhatIfPredictor', () => {
  it('shifts each span by (factor − 1) × the drawn latency on its critical path, not the transport', () => {
    const predictor = new WhatIfPredictor({
      seed: 1,
      selectors: [selector('rerank'), selector('rag_pipeline{tenant_id=acme}'), selector('llm_generation')],
      changes: [{ dependency: 'reranker', factor: 0.5, label: 'reranker=0.5x' }],
    })
    const drawn = Array.from({ length: 200 }, (_, i) => 40 + (i % 50))
    for (const [i, d] of drawn.entries()) predictor.observeTrace(trace(i, d))
    const byStage = Object.fromEntries(predictor.results().map((r) => [r.stage, r]))
    // rerank: d + 2 ms before, d/2 + 2 ms after.
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b)
    expect(byStage.rerank!.spans).toBe(200)
    expect(byStage.rerank!.reservoir_ms.p50).toBeCloseTo(
      quantileSorted(sorted(drawn.map((d) => d + 2)), 0.5),
      9,
    )
    expect(byStage.rerank!.predicted_ms.p50).toBeCloseTo(
      quantileSorted(sorted(drawn.map((d) => d / 2 + 2)), 0.5),
      9,
    )
    expect(byStage.rerank!.predicted_ms.p99).toBeCloseTo(
      quantileSorted(sorted(drawn.map((d) => d / 2 + 2)), 0.99),
      9,
    )
    // The attribute-narrowed pipeline sees only its own spans (odd n: acme).
    expect(byStage['rag_pipeline{tenant_id=acme}']!.spans).toBe(100)
    // A stage without reranker calls does not move.
    expect(byStage.llm_generation!.predicted_ms).toEqual(byStage.llm_generation!.reservoir_ms)
  })

  it('counts every call on the path (a retry scales too) and keeps a bounded reservoir', () => {
    const predictor = new WhatIfPredictor({
      seed: 1,
      selectors: [selector('rerank')],
      changes: [{ dependency: 'reranker', factor: 2, label: 'reranker=2x' }],
      capacity: 50,
    })
    for (let i = 0; i < 500; i++) predictor.observeTrace(trace(i, 30, { retry: true }))
    const [row] = predictor.results()
    expect(row!.spans).toBe(50)
    // Two calls of 30 ms drawn each: 63 ms → 123 ms.
    expect(row!.reservoir_ms.p50).toBeCloseTo(63, 9)
    expect(row!.predicted_ms.p50).toBeCloseTo(123, 9)
  })
})
