import { SpanKind } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { DISTINCT_CAP, SpanHygiene } from '../../../src/analysis/span-hygiene.ts'
import type { HygieneFinding } from '../../../src/contract/analysis-schema.ts'
import { type FakeSpan, fakeSpan, traceId } from './fake-spans.ts'

function observe(hygiene: SpanHygiene, n: number, span: Omit<FakeSpan, 'id'>): void {
  hygiene.observe(fakeSpan(traceId(n), { id: n.toString(16).padStart(16, '0'), ...span }))
}

function findings(hygiene: SpanHygiene, check: HygieneFinding['check']): HygieneFinding[] {
  return hygiene.results().findings.filter((f) => f.check === check)
}

describe('SpanHygiene', () => {
  it('keeps at most 200 span names and 64 attribute keys per name, counting the rest as dropped', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < 201; i++) observe(hygiene, i + 1, { name: `span-${i}`, startMs: 0, endMs: 5 })
    const attributes = Object.fromEntries(Array.from({ length: 66 }, (_, i) => [`key_${i}`, 'v']))
    observe(hygiene, 300, { name: 'span-0', startMs: 0, endMs: 5, attributes })
    expect(hygiene.namesDropped).toBe(1)
    expect(hygiene.keysDropped).toBe(2)
    expect(hygiene.results().spans_checked).toBe(202)
  })

  it('flags vague and very short span names, but not HTTP method names or specific ones', () => {
    const hygiene = new SpanHygiene()
    for (const name of ['search', 'Process', 'db', 'vector_search', 'GET', 'POST /v1/embeddings', 'rerank']) {
      observe(hygiene, 1, { name, startMs: 0, endMs: 5 })
    }
    const flagged = findings(hygiene, 'vague_name')
    expect(flagged.map((f) => f.span_name).sort()).toEqual(['Process', 'db', 'search'])
    expect(flagged[0]!.example).toBe(`trace ${traceId(1)}`)
  })

  it('flags a string attribute with a value per request, not a low-cardinality tenant_id or a numeric score', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < 200; i++) {
      observe(hygiene, i + 1, {
        name: 'rag_pipeline',
        startMs: 0,
        endMs: 10,
        attributes: {
          user_id: `user-${i}`,
          tenant_id: ['acme', 'globex', 'initech'][i % 3]!,
          top_score: i / 200,
          model: 'gpt-4o-mini',
        },
      })
    }
    const results = hygiene.results()
    const flagged = results.findings.filter((f) => f.check === 'high_cardinality')
    expect(flagged).toHaveLength(1)
    expect(flagged[0]).toMatchObject({ span_name: 'rag_pipeline', example: 'user_id=user-0' })
    expect(flagged[0]!.message).toMatch(/"user_id" on "rag_pipeline" has 200 distinct values in 200 spans/)
    expect(flagged[0]!.message).toMatch(/identifier/)
    const row = (key: string) => results.attribute_cardinality.find((r) => r.key === key)!
    expect(row('user_id')).toMatchObject({ distinct: 200, capped: false, spans: 200, value_type: 'string' })
    expect(row('user_id').examples).toEqual(['user-0', 'user-1', 'user-2', 'user-3', 'user-4'])
    expect(row('tenant_id')).toMatchObject({ distinct: 3, value_type: 'string' })
    expect(row('top_score')).toMatchObject({ distinct: 200, value_type: 'number' })
    expect(row('model')).toMatchObject({ distinct: 1, spans: 200 })
    expect(results.attribute_cardinality[0]!.distinct).toBe(200)
  })

  it('flags a key that is unique per span in a short run, below the absolute threshold', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < 60; i++) {
      observe(hygiene, i + 1, {
        name: 'llm_generation',
        startMs: 0,
        endMs: 10,
        attributes: { request: `r${i}` },
      })
    }
    expect(findings(hygiene, 'high_cardinality').map((f) => f.span_name)).toEqual(['llm_generation'])
  })

  it('stops counting at the cap, keeps five examples and none for secret-like keys', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < DISTINCT_CAP + 500; i++) {
      observe(hygiene, 1, {
        name: 'authentication',
        startMs: 0,
        endMs: 3,
        attributes: {
          question: `a long question that is well over thirty-two characters, number ${i}`,
          api_key: `k-${i}`,
        },
      })
    }
    const results = hygiene.results()
    const question = results.attribute_cardinality.find((r) => r.key === 'question')!
    expect(question).toMatchObject({ distinct: DISTINCT_CAP, capped: true, spans: DISTINCT_CAP + 500 })
    expect(question.examples).toHaveLength(5)
    const apiKey = results.attribute_cardinality.find((r) => r.key === 'api_key')!
    expect(apiKey.examples).toEqual([])
    const flagged = results.findings.find(
      (f) => f.check === 'high_cardinality' && f.message.includes('api_key'),
    )!
    expect(flagged.example).toBe('api_key=‹redacted›')
    expect(flagged.message).toContain(`${DISTINCT_CAP}+ distinct values`)
    expect(JSON.stringify(results)).not.toContain('k-1')
  })

  it('flags span names that mostly last under 1 ms, given enough spans', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < 30; i++)
      observe(hygiene, i + 1, { name: 'rate_limiting', startMs: 0, endMs: i < 20 ? 0.05 : 2 })
    for (let i = 0; i < 30; i++)
      observe(hygiene, i + 1, { name: 'cache_check', startMs: 0, endMs: i < 15 ? 0.05 : 2 })
    for (let i = 0; i < 10; i++) observe(hygiene, i + 1, { name: 'tiny_but_rare', startMs: 0, endMs: 0.01 })
    const flagged = findings(hygiene, 'sub_millisecond')
    expect(flagged.map((f) => f.span_name)).toEqual(['rate_limiting'])
    expect(flagged[0]!.message).toMatch(/^66\.7% of 30 "rate_limiting" spans last under 1 ms/)
    expect(flagged[0]!.example).toMatch(/^mean 0\.700 ms/)
  })

  it('flags error spans without error.type or without an exception event', () => {
    const hygiene = new SpanHygiene()
    observe(hygiene, 1, { name: 'vector_search', startMs: 0, endMs: 5, error: true, events: ['exception'] })
    observe(hygiene, 2, {
      name: 'vector_search',
      startMs: 0,
      endMs: 5,
      error: true,
      attributes: { 'error.type': 'TimeoutError' },
    })
    observe(hygiene, 3, {
      name: 'llm_generation',
      startMs: 0,
      endMs: 5,
      error: true,
      attributes: { 'error.type': 'RateLimitError' },
      events: ['exception'],
    })
    observe(hygiene, 4, { name: 'rerank', startMs: 0, endMs: 5, attributes: {} })
    const withoutType = findings(hygiene, 'error_without_type')
    expect(withoutType).toHaveLength(1)
    expect(withoutType[0]).toMatchObject({
      span_name: 'vector_search',
      example: `trace ${traceId(1)}, span 0000000000000001`,
    })
    expect(withoutType[0]!.message).toMatch(/^1 of 2 error spans/)
    const withoutException = findings(hygiene, 'error_without_exception')
    expect(withoutException.map((f) => [f.span_name, f.example])).toEqual([
      ['vector_search', `trace ${traceId(2)}, span 0000000000000002`],
    ])
  })

  it('skips attribute values when told to, but still checks names, durations and errors', () => {
    const hygiene = new SpanHygiene()
    for (let i = 0; i < 30; i++) {
      hygiene.observe(
        fakeSpan(traceId(i + 1), {
          name: 'search',
          id: 'a',
          startMs: 0,
          endMs: 0.1,
          error: true,
          attributes: { user_id: `u${i}` },
        }),
        i < 3,
      )
    }
    const results = hygiene.results()
    expect(results.attribute_cardinality).toEqual([
      expect.objectContaining({ key: 'user_id', distinct: 3, spans: 3 }),
    ])
    expect(results.findings.map((f) => f.check).sort()).toEqual([
      'error_without_exception',
      'error_without_type',
      'sub_millisecond',
      'vague_name',
    ])
    expect(results.spans_checked).toBe(30)
  })

  it('reports unended spans from the collector counters', () => {
    const hygiene = new SpanHygiene()
    observe(hygiene, 1, { name: 'POST /ask', startMs: 0, endMs: 5, kind: SpanKind.SERVER })
    expect(hygiene.results().findings).toEqual([])
    expect(hygiene.results({ unendedSpans: 3 }).findings).toEqual([
      expect.objectContaining({ check: 'unended_spans', example: 'spans started − spans ended = 3' }),
    ])
    expect(hygiene.results().spans_checked).toBe(1)
  })
})
