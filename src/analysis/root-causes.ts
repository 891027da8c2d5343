// The seed's "Root Cause Analysis": failed traces grouped by the path to their deepest error span,
// with the share of requests and one exemplar trace id per kind. The path is computed straight
// from the ReadableSpans, in exactly the form errorPath() (trace-record.ts) gives for a
// TraceRecord — the collector's `root_causes` keys — without building the record.
import { SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { RootCause } from '../report/analysis-schema.ts'
import { hrToMs } from '../telemetry/trace-record.ts'

const MAX_KINDS = 50 // as the collector keeps error exemplars for at most 50 kinds

// The local parent id, or null for a root or a span whose parent is in another process.
function localParentId(span: ReadableSpan): string | null {
  const parent = span.parentSpanContext
  return parent && !parent.isRemote ? parent.spanId : null
}

// Parents are found by a linear scan: for a dozen spans that is cheaper than building a Map.
function byId(spans: readonly ReadableSpan[], id: string): ReadableSpan | undefined {
  for (const s of spans) if (s.spanContext().spanId === id) return s
  return undefined
}

// Same rules as errorPath(): the deepest ERROR span wins; among equally deep ones, the one that
// started last (the last failing retry), and on equal starts the one that ended last.
export function errorPathOfSpans(spans: readonly ReadableSpan[]): string | undefined {
  let deepest: ReadableSpan | undefined
  let deepestDepth = -1
  let deepestStartMs = Number.NEGATIVE_INFINITY
  for (const span of spans) {
    if (span.status.code !== SpanStatusCode.ERROR) continue
    let depth = 0
    // Bounded by the span count: a malformed trace with a parent cycle cannot loop forever.
    for (let p = localParentId(span); p !== null && depth <= spans.length; ) {
      depth++
      const parent = byId(spans, p)
      p = parent ? localParentId(parent) : null
    }
    const startMs = hrToMs(span.startTime)
    if (depth > deepestDepth || (depth === deepestDepth && startMs >= deepestStartMs)) {
      deepest = span
      deepestDepth = depth
      deepestStartMs = startMs
    }
  }
  if (!deepest) return undefined
  const names: string[] = []
  for (let s: ReadableSpan | undefined = deepest; s && names.length <= spans.length; ) {
    names.unshift(s.name)
    const p = localParentId(s)
    s = p ? byId(spans, p) : undefined
  }
  const status = deepest.attributes['http.response.status_code']
  const errorType = deepest.attributes['error.type'] ?? 'Error'
  return `${names.join(' › ')} › ${status !== undefined ? `${status} ` : ''}${String(errorType)}`
}

export class RootCauses {
  readonly #kinds = new Map<string, { count: number; exemplarTraceId: string }>()
  other = 0 // failed traces of kinds beyond MAX_KINDS

  // Call for a trace with at least one ERROR span.
  observe(spans: readonly ReadableSpan[]): void {
    const path = errorPathOfSpans(spans) ?? 'unknown error'
    const kind = this.#kinds.get(path)
    if (kind) kind.count++
    else if (this.#kinds.size < MAX_KINDS)
      this.#kinds.set(path, { count: 1, exemplarTraceId: spans[0]!.spanContext().traceId })
    else this.other++
  }

  results(requests: number): RootCause[] {
    return [...this.#kinds]
      .map(([path, k]) => ({
        path,
        count: k.count,
        request_share: requests === 0 ? 0 : Math.min(1, k.count / requests),
        exemplar_trace_id: k.exemplarTraceId,
      }))
      .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path))
  }
}
