// Prints each finished trace as an indented tree (`npm run serve -- --console-spans`), so a
// person can see the seed's span tree for a request they sent by hand.
import { SpanKind } from '@opentelemetry/api'
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { SpanRecord } from '../contract/trace-record.ts'
import { toTraceRecord } from './trace-record.ts'

export function renderTraceTree(spans: readonly ReadableSpan[]): string {
  const trace = toTraceRecord(spans, 'console')
  const children = new Map<string | null, SpanRecord[]>()
  for (const span of trace.spans) {
    const list = children.get(span.parent_span_id) ?? []
    list.push(span)
    children.set(span.parent_span_id, list)
  }
  const lines = [`trace ${trace.trace_id}  ${trace.duration_ms.toFixed(1)} ms${trace.error ? '  ERROR' : ''}`]
  const walk = (parent: string | null, indent: string) => {
    for (const span of children.get(parent) ?? []) {
      const error = span.status === 'error' ? `  ✗ ${span.attributes['error.type'] ?? 'error'}` : ''
      const status = span.attributes['http.response.status_code']
      lines.push(
        `${indent}└─ ${span.name}  ${span.duration_ms.toFixed(1)} ms${status !== undefined ? `  [${status}]` : ''}${error}`,
      )
      walk(span.span_id, `${indent}   `)
    }
  }
  walk(null, '')
  return lines.join('\n')
}

export class ConsoleTreeProcessor implements SpanProcessor {
  readonly #pending = new Map<string, ReadableSpan[]>()

  constructor(private readonly write: (text: string) => void = (text) => console.log(text)) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId
    const spans = this.#pending.get(traceId) ?? []
    spans.push(span)
    this.#pending.set(traceId, spans)
    if (span.kind === SpanKind.SERVER) {
      this.#pending.delete(traceId)
      this.write(renderTraceTree(spans))
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}
