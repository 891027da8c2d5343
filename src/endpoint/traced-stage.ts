import {
  type Attributes,
  type Context,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { DependencyError } from './dependency-error.ts'
import { spanNow } from './span-time.ts'

// Runs `work` inside a span named after the stage, as the seed's "Error Handling" pattern does:
// on failure the span gets status ERROR, `error.type` and the recorded exception, then the
// error propagates. Every started span ends, whatever happens.
export async function tracedStage<T>(
  tracer: Tracer,
  name: string,
  parent: Context,
  attributes: Attributes,
  work: (span: Span, ctx: Context) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { attributes, startTime: spanNow() }, parent)
  try {
    return await work(span, trace.setSpan(parent, span))
  } catch (error) {
    markError(span, error)
    throw error
  } finally {
    span.end(spanNow())
  }
}

export function markError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error))
  const errorType = err instanceof DependencyError ? err.errorType : err.name
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
  span.setAttribute('error.type', errorType)
  span.recordException({ name: errorType, message: err.message }, spanNow())
}
