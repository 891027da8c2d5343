// Builds the exemplar records of contract/trace-record.ts from the SDK's spans.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { errorPath, UNKNOWN_ERROR } from '../analysis/error-path.ts'
import type { AttributeValue, SpanRecord, TraceRecord } from '../contract/trace-record.ts'
import { hrtimeToMs } from '../units.ts'

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

// knownErrorPath: the trace's error path when the caller has it already (the collector does).
export function toTraceRecord(
  spans: readonly ReadableSpan[],
  reason: string,
  knownErrorPath?: string,
): TraceRecord {
  const traceStartMs = Math.min(...spans.map((s) => hrtimeToMs(s.startTime)))
  const records = spans
    .map((s): SpanRecord => {
      const startMs = hrtimeToMs(s.startTime)
      return {
        name: s.name,
        span_id: s.spanContext().spanId,
        parent_span_id: s.parentSpanContext?.isRemote ? null : (s.parentSpanContext?.spanId ?? null),
        kind: KIND[s.kind] ?? 'internal',
        start_offset_ms: startMs - traceStartMs,
        duration_ms: hrtimeToMs(s.duration),
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
          offset_ms: hrtimeToMs(e.time) - traceStartMs,
          attributes: plainAttributes(e.attributes ?? {}),
        })),
      }
    })
    .sort((a, b) => a.start_offset_ms - b.start_offset_ms)
  const root = records.find((r) => r.parent_span_id === null) ?? records[0]!
  const error = records.some((r) => r.status === 'error')
  return {
    trace_id: spans[0]!.spanContext().traceId,
    duration_ms: root.duration_ms,
    error,
    ...(error ? { error_path: knownErrorPath ?? errorPath(spans) ?? UNKNOWN_ERROR } : {}),
    reason,
    spans: records,
  }
}
