// The seed's "Root Cause Analysis": failed traces grouped by the path to their deepest error span
// (error-path.ts), with the share of requests and one exemplar trace id per kind. This is the
// report's one root-cause count (`analysis.root_causes`).
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { RootCause } from '../contract/analysis-schema.ts'
import { errorPath, UNKNOWN_ERROR } from './error-path.ts'

const MAX_KINDS = 50 // as the collector keeps error exemplars for at most 50 kinds

export class RootCauses {
  readonly #kinds = new Map<string, { count: number; exemplarTraceId: string }>()
  other = 0 // failed traces of kinds beyond MAX_KINDS

  // Call for a trace with at least one ERROR span.
  observe(spans: readonly ReadableSpan[], knownPath?: string): void {
    const path = knownPath ?? errorPath(spans) ?? UNKNOWN_ERROR
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
