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
// Records may come from a report.json (`npm run report`), so a parent cycle or a 20,000-span chain
// must neither loop nor take quadratic time: depths are memoised, and every walk up the parents
// stops after as many steps as there are spans.
export function errorPath(trace: TraceRecord): string | undefined {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]))
  const depthOf = new Map<string, number>()
  const depth = (span: SpanRecord): number => {
    // Walk up to a span of known depth, a root (0) or a parent not in the record (it counts as 1).
    const chain: SpanRecord[] = []
    let base = 0
    for (let s: SpanRecord | undefined = span; s && chain.length <= trace.spans.length; ) {
      const known = depthOf.get(s.span_id)
      if (known !== undefined) {
        base = known + 1
        break
      }
      chain.push(s)
      if (s.parent_span_id === null) break
      s = byId.get(s.parent_span_id)
      if (!s) base = 1
    }
    for (let i = chain.length - 1; i >= 0; i--) depthOf.set(chain[i]!.span_id, base + (chain.length - 1 - i))
    return depthOf.get(span.span_id) ?? 0
  }
  let deepest: { span: SpanRecord; depth: number } | undefined
  for (const span of trace.spans) {
    if (span.status !== 'error') continue
    const d = depth(span)
    if (!deepest || d >= deepest.depth) deepest = { span, depth: d }
  }
  if (!deepest) return undefined
  const names: string[] = []
  for (
    let s: SpanRecord | undefined = deepest.span;
    s && names.length <= trace.spans.length;
    s = s.parent_span_id ? byId.get(s.parent_span_id) : undefined
  ) {
    names.push(s.name)
  }
  names.reverse()
  const status = deepest.span.attributes['http.response.status_code']
  const errorType = deepest.span.attributes['error.type'] ?? 'Error'
  return `${names.join(' › ')} › ${status !== undefined ? `${status} ` : ''}${errorType}`
}
