// Hand-built ReadableSpans for the analysis tests (not a test file itself): only the fields the
// analysis reads, with times in ms from a fixed epoch so known answers stay exact.
import { type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'

const EPOCH_S = 1_700_000_000

function hr(ms: number): HrTime {
  const whole = Math.floor(ms / 1000)
  return [EPOCH_S + whole, Math.round((ms - whole * 1000) * 1e6)]
}

export type FakeSpan = {
  name: string
  id: string
  parent?: string // local parent span id
  remoteParent?: string
  startMs: number
  endMs: number
  kind?: SpanKind
  error?: boolean
  attributes?: Record<string, string | number | boolean>
  events?: string[]
}

export function fakeSpan(traceId: string, s: FakeSpan): ReadableSpan {
  const parentId = s.parent ?? s.remoteParent
  const span = {
    name: s.name,
    kind: s.kind ?? SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId: s.id, traceFlags: 1 }),
    parentSpanContext: parentId
      ? { traceId, spanId: parentId, traceFlags: 1, isRemote: s.remoteParent !== undefined }
      : undefined,
    startTime: hr(s.startMs),
    endTime: hr(s.endMs),
    duration: [Math.floor((s.endMs - s.startMs) / 1000), Math.round(((s.endMs - s.startMs) % 1000) * 1e6)],
    status: { code: s.error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
    attributes: s.attributes ?? {},
    links: [],
    events: (s.events ?? []).map((name) => ({ name, time: hr(s.startMs), attributes: {} })),
    ended: true,
    resource: undefined,
    instrumentationScope: { name: 'test' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
  return span as unknown as ReadableSpan
}

export function fakeTrace(traceId: string, spans: FakeSpan[]): ReadableSpan[] {
  return spans.map((s) => fakeSpan(traceId, s))
}

export function traceId(n: number): string {
  return n.toString(16).padStart(32, '0')
}

// A successful request: POST /ask [0, total] → authentication, rate_limiting, rag_pipeline with
// sequential stages of the given ms (a stage of 0 ms is left out).
export function pipelineTrace(
  n: number,
  stages: { auth?: number; rate?: number; embedding: number; search: number; rerank: number; llm: number },
): ReadableSpan[] {
  const auth = stages.auth ?? 0
  const rate = stages.rate ?? 0
  const spans: FakeSpan[] = []
  let t = 0
  if (auth > 0) {
    spans.push({ name: 'authentication', id: 'a1', parent: 's1', startMs: t, endMs: t + auth })
    t += auth
  }
  if (rate > 0) {
    spans.push({ name: 'rate_limiting', id: 'r1', parent: 's1', startMs: t, endMs: t + rate })
    t += rate
  }
  const pipelineStart = t
  for (const [name, ms] of [
    ['embedding_generation', stages.embedding],
    ['vector_search', stages.search],
    ['rerank', stages.rerank],
    ['llm_generation', stages.llm],
  ] as const) {
    if (ms <= 0) continue
    spans.push({ name, id: `${name}-1`, parent: 'p1', startMs: t, endMs: t + ms })
    t += ms
  }
  spans.push({ name: 'rag_pipeline', id: 'p1', parent: 's1', startMs: pipelineStart, endMs: t })
  spans.push({ name: 'POST /ask', id: 's1', startMs: 0, endMs: t, kind: SpanKind.SERVER })
  return fakeTrace(traceId(n), spans)
}
