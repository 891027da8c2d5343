// A whole trace kept as an exemplar for the report: plain data, small, with no SDK objects.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'

export type AttributeValue = string | number | boolean
export type SpanRecord = {
  name: string
  span_id: string
  parent_span_id: string | null
  kind: 'server' | 'client' | 'internal'
  start_offset_ms: number // from the trace's first span
  duration_ms: number
  status: 'ok' | 'error' | 'unset'
  status_message?: string
  attributes: Record<string, AttributeValue>
  events: { name: string; offset_ms: number; attributes: Record<string, AttributeValue> }[]
}

export type TraceRecord = {
  trace_id: string
  duration_ms: number
  error: boolean
  reason: string // why it was kept: slowest, error, sample
  spans: SpanRecord[]
}

export function hrToMs(hr: readonly [number, number]): number {
  return hr[0] * 1e3 + hr[1] / 1e6
}

const KIND: Partial<Record<SpanKind, SpanRecord['kind']>> = {
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
}
const MAX_ATTRIBUTE_CHARS = 200

function plainAttributes(attributes: ReadableSpan['attributes']): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue
    out[key] =
      typeof value === 'string'
        ? value.slice(0, MAX_ATTRIBUTE_CHARS)
        : Array.isArray(value)
          ? String(value)
          : value
  }
  return out
}

export function toTraceRecord(spans: readonly ReadableSpan[], reason: string): TraceRecord {
  const traceStartMs = Math.min(...spans.map((s) => hrToMs(s.startTime)))
  const records = spans
    .map((s): SpanRecord => {
      const startMs = hrToMs(s.startTime)
      return {
        name: s.name,
        span_id: s.spanContext().spanId,
        parent_span_id: s.parentSpanContext?.isRemote ? null : (s.parentSpanContext?.spanId ?? null),
        kind: KIND[s.kind] ?? 'internal',
        start_offset_ms: startMs - traceStartMs,
        duration_ms: hrToMs(s.duration),
        status:
          s.status.code === SpanStatusCode.ERROR
            ? 'error'
            : s.status.code === SpanStatusCode.OK
              ? 'ok'
              : 'unset',
        ...(s.status.message ? { status_message: s.status.message.slice(0, MAX_ATTRIBUTE_CHARS) } : {}),
        attributes: plainAttributes(s.attributes),
        events: s.events.map((e) => ({
          name: e.name,
          offset_ms: hrToMs(e.time) - traceStartMs,
          attributes: plainAttributes(e.attributes ?? {}),
        })),
      }
    })
    .sort((a, b) => a.start_offset_ms - b.start_offset_ms)
  const root = records.find((r) => r.parent_span_id === null) ?? records[0]!
  return {
    trace_id: spans[0]!.spanContext().traceId,
    duration_ms: root.duration_ms,
    error: records.some((r) => r.status === 'error'),
    reason,
    spans: records,
  }
}

// The path from the root to the deepest error span, e.g.
// "POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › RateLimitError":
// the seed's "Root Cause Analysis", computed. Among retries, the last failing attempt wins.
export function errorPath(trace: TraceRecord): string | undefined {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]))
  let deepest: { span: SpanRecord; depth: number } | undefined
  for (const span of trace.spans) {
    if (span.status !== 'error') continue
    let depth = 0
    for (let p = span.parent_span_id; p !== null; p = byId.get(p)?.parent_span_id ?? null) depth++
    if (!deepest || depth >= deepest.depth) deepest = { span, depth }
  }
  if (!deepest) return undefined
  const names: string[] = []
  for (
    let s: SpanRecord | undefined = deepest.span;
    s;
    s = s.parent_span_id ? byId.get(s.parent_span_id) : undefined
  ) {
    names.unshift(s.name)
  }
  const status = deepest.span.attributes['http.response.status_code']
  const errorType = deepest.span.attributes['error.type'] ?? 'Error'
  return `${names.join(' › ')} › ${status !== undefined ? `${status} ` : ''}${errorType}`
}
