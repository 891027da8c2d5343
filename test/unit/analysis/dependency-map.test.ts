import { SpanKind } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { DependencyMap, impactLine } from '../../../src/analysis/dependency-map.ts'
import type { DependencyStats } from '../../../src/contract/analysis-schema.ts'
import { type FakeSpan, fakeTrace, traceId } from './fake-spans.ts'

const CLIENT = SpanKind.CLIENT

function call(
  dependency: string,
  id: string,
  startMs: number,
  ms: number,
  options: { attempt?: number; error?: boolean } = {},
): FakeSpan {
  return {
    name: `POST /${dependency}`,
    id,
    parent: 's1',
    startMs,
    endMs: startMs + ms,
    kind: CLIENT,
    error: options.error ?? false,
    attributes: {
      'peer.service': dependency,
      ...(options.attempt ? { 'http.request.resend_count': options.attempt } : {}),
    },
  }
}

// 10 requests: all call auth once (10 ms); 8 call llm — 5 once (100 ms), 2 after one 429 retry
// (a 20 ms error attempt, then 100 ms), 1 fails three times (50 ms each) and the request fails.
function traces() {
  const out = []
  for (let n = 1; n <= 10; n++) {
    const spans: FakeSpan[] = [
      { name: 'POST /ask', id: 's1', startMs: 0, endMs: 500, kind: SpanKind.SERVER, error: n === 8 },
      call('auth', 'a1', 0, 10),
    ]
    if (n <= 5) spans.push(call('llm', 'l1', 20, 100))
    else if (n <= 7)
      spans.push(call('llm', 'l1', 20, 20, { error: true }), call('llm', 'l2', 50, 100, { attempt: 1 }))
    else if (n === 8)
      spans.push(
        call('llm', 'l1', 20, 50, { error: true }),
        call('llm', 'l2', 80, 50, { error: true, attempt: 1 }),
        call('llm', 'l3', 140, 50, { error: true, attempt: 2 }),
      )
    out.push({ spans: fakeTrace(traceId(n), spans), failed: n === 8 })
  }
  return out
}

function byName(results: DependencyStats[], name: string): DependencyStats {
  return results.find((d) => d.dependency === name)!
}

describe('DependencyMap', () => {
  it('keeps at most 50 dependencies and counts the client spans of the others as dropped', () => {
    const map = new DependencyMap()
    const spans = Array.from({ length: 52 }, (_, i) => call(`dep-${i}`, `c${i}`, 0, 10))
    map.observe(fakeTrace(traceId(1), spans), false)
    map.observe(fakeTrace(traceId(2), [call('dep-0', 'c0', 0, 10), call('dep-51', 'c1', 0, 10)]), false)
    expect(map.results()).toHaveLength(50)
    expect(byName(map.results(), 'dep-0').calls).toBe(2)
    expect(map.dropped).toBe(3)
  })

  it('computes request share, calls per request, retries, error rates and latency', () => {
    const map = new DependencyMap()
    for (const t of traces()) map.observe(t.spans, t.failed)
    const results = map.results()
    expect(results.map((d) => d.dependency)).toEqual(['auth', 'llm'])

    const auth = byName(results, 'auth')
    expect(auth).toMatchObject({
      traces_calling: 10,
      request_share: 1,
      calls: 10,
      calls_per_request: 1,
      retries: 0,
      error_rate: 0,
      failed_request_rate: 0.1,
      impact: 'If auth is down → all requests fail (the share that called it)',
    })
    expect(auth.latency_ms.p50).toBeCloseTo(10, 1)

    const llm = byName(results, 'llm')
    expect(llm.traces_calling).toBe(8)
    expect(llm.request_share).toBe(0.8)
    expect(llm.calls).toBe(5 + 2 * 2 + 3)
    expect(llm.calls_per_request).toBeCloseTo(12 / 8, 9)
    expect(llm.retries).toBe(2 + 2)
    expect(llm.retry_share).toBeCloseTo(4 / 12, 9)
    expect(llm.error_spans).toBe(2 + 3)
    expect(llm.error_rate).toBeCloseTo(5 / 12, 9)
    expect(llm.failed_request_rate).toBeCloseTo(1 / 8, 9)
    // 12 durations: 7 × 100 ms, 2 × 20 ms, 3 × 50 ms → median 100 ms, max 100 ms.
    expect(llm.latency_ms.p50).toBeCloseTo(100, 0)
    expect(llm.latency_ms.max).toBeCloseTo(100, 6)
    expect(llm.latency_ms.mean).toBeCloseTo((700 + 40 + 150) / 12, 6)
    expect(llm.impact).toBe('If llm is down → 80.0% of requests fail (the share that called it)')
  })

  it('falls back to server.address without peer.service and ignores non-client spans', () => {
    const map = new DependencyMap()
    map.observe(
      fakeTrace(traceId(1), [
        { name: 'POST /ask', id: 's1', startMs: 0, endMs: 20, kind: SpanKind.SERVER },
        {
          name: 'GET',
          id: 'c1',
          parent: 's1',
          startMs: 1,
          endMs: 5,
          kind: CLIENT,
          attributes: { 'server.address': 'cache.internal' },
        },
        { name: 'POST', id: 'c2', parent: 's1', startMs: 5, endMs: 9, kind: CLIENT },
        {
          name: 'work',
          id: 'w1',
          parent: 's1',
          startMs: 9,
          endMs: 19,
          attributes: { 'peer.service': 'nope' },
        },
      ]),
      false,
    )
    expect(map.results().map((d) => [d.dependency, d.calls])).toEqual([
      ['(unknown)', 1],
      ['cache.internal', 1],
    ])
  })

  it('writes the impact line for none, some and all requests', () => {
    expect(impactLine('reranker', 0)).toBe(
      'If reranker is down → no requests fail (the share that called it)',
    )
    expect(impactLine('reranker', 0.95)).toBe(
      'If reranker is down → 95.0% of requests fail (the share that called it)',
    )
  })
})
