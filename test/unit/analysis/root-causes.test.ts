import { SpanKind } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { errorPath } from '../../../src/analysis/error-path.ts'
import { RootCauses } from '../../../src/analysis/root-causes.ts'
import { toTraceRecord } from '../../../src/telemetry/trace-record.ts'
import { type FakeSpan, fakeTrace, traceId } from './fake-spans.ts'

const SERVER = SpanKind.SERVER
const CLIENT = SpanKind.CLIENT

const llm429: FakeSpan[] = [
  {
    name: 'POST /ask',
    id: 's1',
    remoteParent: 'ffffffffffffffff',
    startMs: 0,
    endMs: 300,
    kind: SERVER,
    error: true,
    attributes: { 'error.type': 'RateLimitError', 'http.response.status_code': 503 },
  },
  {
    name: 'rag_pipeline',
    id: 'p1',
    parent: 's1',
    startMs: 10,
    endMs: 290,
    error: true,
    attributes: { 'error.type': 'RateLimitError' },
  },
  {
    name: 'llm_generation',
    id: 'l1',
    parent: 'p1',
    startMs: 100,
    endMs: 290,
    error: true,
    attributes: { 'error.type': 'RateLimitError' },
  },
  {
    name: 'POST /v1/chat/completions',
    id: 'c1',
    parent: 'l1',
    startMs: 100,
    endMs: 120,
    kind: CLIENT,
    error: true,
    attributes: { 'error.type': 'RateLimitError', 'http.response.status_code': 429 },
  },
  {
    name: 'POST /v1/chat/completions',
    id: 'c2',
    parent: 'l1',
    startMs: 200,
    endMs: 220,
    kind: CLIENT,
    error: true,
    attributes: {
      'error.type': 'RateLimitError',
      'http.response.status_code': 500,
      'http.request.resend_count': 1,
    },
  },
]
const serverOnly: FakeSpan[] = [
  { name: 'POST /ask', id: 's1', startMs: 0, endMs: 5, kind: SERVER, error: true },
  { name: 'authentication', id: 'a1', parent: 's1', startMs: 1, endMs: 3 },
]
const orphan: FakeSpan[] = [
  { name: 'POST /ask', id: 's1', startMs: 0, endMs: 50, kind: SERVER },
  {
    name: 'vector_search',
    id: 'v1',
    parent: 'gone',
    startMs: 5,
    endMs: 40,
    error: true,
    attributes: { 'error.type': 'TimeoutError' },
  },
]

describe('errorPath', () => {
  it.each([
    {
      name: 'the last failing retry under llm_generation',
      spans: llm429,
      path: 'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 500 RateLimitError',
    },
    { name: 'a server span error without error.type', spans: serverOnly, path: 'POST /ask › Error' },
    { name: 'an error span whose parent is missing', spans: orphan, path: 'vector_search › TimeoutError' },
    { name: 'no error at all', spans: serverOnly.map((s) => ({ ...s, error: false })), path: undefined },
  ])('$name, and the exemplar record carries the same path', ({ spans, path }) => {
    const trace = fakeTrace(traceId(1), spans)
    expect(errorPath(trace)).toBe(path)
    expect(toTraceRecord(trace, 'error').error_path).toBe(path)
  })

  it('neither loops on a parent cycle nor goes quadratic on a 20,000-span chain', () => {
    const cycle = fakeTrace(traceId(2), [
      { name: 'a', id: 'a1', parent: 'b1', startMs: 0, endMs: 5, error: true },
      { name: 'b', id: 'b1', parent: 'a1', startMs: 1, endMs: 4 },
    ])
    expect(errorPath(cycle)).toMatch(/ › Error$/)
    const chain = fakeTrace(
      traceId(3),
      Array.from({ length: 20_000 }, (_, i) => ({
        name: `s${i}`,
        id: `c${i}`,
        ...(i > 0 ? { parent: `c${i - 1}` } : {}),
        startMs: i,
        endMs: 20_000,
        error: i % 2 === 0,
      })),
    )
    expect(errorPath(chain)?.split(' › ')).toHaveLength(20_000)
  })

  it('does not depend on the order the spans ended in', () => {
    const trace = fakeTrace(traceId(1), llm429)
    expect(errorPath([...trace].reverse())).toBe(errorPath(trace))
  })
})

describe('RootCauses', () => {
  it('groups failed traces by path with the share of requests and the first trace as exemplar', () => {
    const causes = new RootCauses()
    causes.observe(fakeTrace(traceId(1), serverOnly))
    causes.observe(fakeTrace(traceId(2), llm429))
    causes.observe(fakeTrace(traceId(3), llm429))
    causes.observe(fakeTrace(traceId(4), llm429))
    expect(causes.results(20)).toEqual([
      {
        path: 'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 500 RateLimitError',
        count: 3,
        request_share: 0.15,
        exemplar_trace_id: traceId(2),
      },
      { path: 'POST /ask › Error', count: 1, request_share: 0.05, exemplar_trace_id: traceId(1) },
    ])
    expect(causes.other).toBe(0)
  })

  it('keeps at most 50 kinds and counts the rest', () => {
    const causes = new RootCauses()
    for (let i = 0; i < 60; i++) {
      causes.observe(
        fakeTrace(traceId(i + 1), [
          {
            name: `step_${i}`,
            id: 's1',
            startMs: 0,
            endMs: 1,
            kind: SERVER,
            error: true,
            attributes: { 'error.type': 'E' },
          },
        ]),
      )
    }
    expect(causes.results(60)).toHaveLength(50)
    expect(causes.other).toBe(10)
  })
})
