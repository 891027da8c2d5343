// The seed's "Root Cause Analysis", computed: the path from the root to the deepest error span, e.g.
// "POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 RateLimitError".
// Among equally deep error spans the one that started last wins (the last failing retry). This is
// the one implementation: the analyzer counts traces by it, the collector keys error exemplars by
// it and stores it on each failed exemplar as `error_path`, so renderers never recompute it.
// Spans may come from another process (OTLP) in any number and shape, so a parent cycle or a
// 20,000-span chain must neither loop nor take quadratic time: depths are memoised and every walk
// up the parents stops after as many steps as there are spans.
import { SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { hrtimeToMs } from '../units.ts'

// The local parent id, or null for a root or a span whose parent is in another process.
function localParentId(span: ReadableSpan): string | null {
  const parent = span.parentSpanContext
  return parent && !parent.isRemote ? parent.spanId : null
}

function depthsOf(spans: readonly ReadableSpan[]): (span: ReadableSpan) => number {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  const memo = new Map<ReadableSpan, number>()
  return (span) => {
    // Walk up to a span of known depth, a root (0) or a parent not in the trace (it counts as 1).
    const chain: ReadableSpan[] = []
    let base = 0
    for (let s: ReadableSpan | undefined = span; s && chain.length <= spans.length; ) {
      const known = memo.get(s)
      if (known !== undefined) {
        base = known + 1
        break
      }
      chain.push(s)
      const parentId = localParentId(s)
      if (parentId === null) break
      s = byId.get(parentId)
      if (!s) base = 1
    }
    for (let i = chain.length - 1; i >= 0; i--) memo.set(chain[i]!, base + (chain.length - 1 - i))
    return memo.get(span) ?? 0
  }
}

function deepestError(spans: readonly ReadableSpan[]): ReadableSpan | undefined {
  const depth = depthsOf(spans)
  let deepest: ReadableSpan | undefined
  let deepestDepth = -1
  let deepestStartMs = Number.NEGATIVE_INFINITY
  for (const span of spans) {
    if (span.status.code !== SpanStatusCode.ERROR) continue
    const d = depth(span)
    const startMs = hrtimeToMs(span.startTime)
    if (d > deepestDepth || (d === deepestDepth && startMs >= deepestStartMs)) {
      deepest = span
      deepestDepth = d
      deepestStartMs = startMs
    }
  }
  return deepest
}

export function errorPath(spans: readonly ReadableSpan[]): string | undefined {
  const deepest = deepestError(spans)
  if (!deepest) return undefined
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  const names: string[] = []
  for (let s: ReadableSpan | undefined = deepest; s && names.length <= spans.length; ) {
    names.push(s.name)
    const parentId = localParentId(s)
    s = parentId === null ? undefined : byId.get(parentId)
  }
  names.reverse()
  const status = deepest.attributes['http.response.status_code']
  const errorType = deepest.attributes['error.type'] ?? 'Error'
  return `${names.join(' › ')} › ${status !== undefined ? `${status} ` : ''}${String(errorType)}`
}

// The kind a failed trace is counted under when no span says where it failed.
export const UNKNOWN_ERROR = 'unknown error'
