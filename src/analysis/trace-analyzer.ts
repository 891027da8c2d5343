// Trace-level analysis for the report, fed by the StageCollector's onMeasuredTrace hook with every
// whole measured trace (in the endpoint process, in the collector's deferred batches): where the
// time goes (trace-breakdown.ts), the dependency map, root causes and span hygiene. Each part is
// bounded, so memory is constant in the run length; the per-trace work is one pass over the spans
// plus, for the traces the reservoir keeps, a critical-path split of two parents.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { AnalysisResults } from '../contract/analysis-schema.ts'
import { DependencyMap } from './dependency-map.ts'
import { RootCauses } from './root-causes.ts'
import { SpanHygiene } from './span-hygiene.ts'
import { TraceBreakdown } from './trace-breakdown.ts'

export type { AnalysisResults } from '../contract/analysis-schema.ts'

// Attribute values are counted on every trace up to ATTRIBUTES_EVERY_TRACE, then on one in
// ATTRIBUTES_STRIDE (see observeTrace).
export const ATTRIBUTES_EVERY_TRACE = 1000
export const ATTRIBUTES_STRIDE = 10

export class TraceAnalyzer {
  readonly #breakdown: TraceBreakdown
  readonly #dependencies = new DependencyMap()
  readonly #rootCauses = new RootCauses()
  readonly #hygiene = new SpanHygiene()
  #traces = 0

  constructor(options: { seed: number; reservoirCapacity?: number }) {
    this.#breakdown = new TraceBreakdown({
      seed: options.seed,
      ...(options.reservoirCapacity !== undefined ? { capacity: options.reservoirCapacity } : {}),
    })
  }

  // errorPath: the trace's, when the caller computed it already (the collector passes it).
  observeTrace(spans: readonly ReadableSpan[], errorPath?: string): void {
    if (spans.length === 0) return
    let root: ReadableSpan | undefined
    let hasError = false
    for (const span of spans) {
      if (span.kind === SpanKind.SERVER && !root) root = span
      if (span.status.code === SpanStatusCode.ERROR) hasError = true
    }
    // The collector calls this when the server span ends; a trace without one (a test feeding
    // spans by hand) is rooted at its span without a local parent.
    root ??= spans.find((s) => !s.parentSpanContext || s.parentSpanContext.isRemote) ?? spans[0]!
    this.#traces++
    this.#dependencies.observe(spans, root.status.code === SpanStatusCode.ERROR)
    if (hasError) this.#rootCauses.observe(spans, errorPath)
    const kept = this.#breakdown.observe(spans, root)
    // Attribute values, the costliest check (a lookup per attribute: about a fifth of the
    // harness's span processing when every trace was checked), are counted on the first 1,000
    // traces and then on every 10th of those the reservoir admits (all of the first 10,000, then
    // a share that shrinks as 10,000 / n). A per-request value still shows within 50 checked
    // spans, and a run's first minutes no longer pay for the check on every trace.
    const checkAttributes =
      kept && (this.#traces <= ATTRIBUTES_EVERY_TRACE || this.#traces % ATTRIBUTES_STRIDE === 0)
    for (const span of spans) this.#hygiene.observe(span, checkAttributes)
  }

  get traces(): number {
    return this.#traces
  }

  // unendedSpans: spans started − spans ended, from the collector's counters.
  results(input: { unendedSpans?: number } = {}): AnalysisResults {
    return {
      traces: this.#traces,
      breakdown: this.#breakdown.results(),
      dependencies: this.#dependencies.results(),
      root_causes: this.#rootCauses.results(this.#traces),
      root_causes_other: this.#rootCauses.other,
      hygiene: this.#hygiene.results(input),
    }
  }
}
