// Tracing set-up in one place. The provider is not registered globally: the endpoint passes
// context explicitly (trace.setSpan), which keeps several providers apart in one test process
// and avoids AsyncLocalStorage context work on every await (costly on Node 20, see
// ../shared/notes: Node 20 lacks AsyncContextFrame).

import type { Context } from '@opentelemetry/api'
import { diag, type Tracer } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type Span,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { SamplerConfig } from '../scenario/schema.ts'
import { DeferredSpanProcessor } from './deferred-span-processor.ts'
import { SwitchableSampler } from './switchable-sampler.ts'

export const propagator = new W3CTraceContextPropagator()

export function createSampler(config: SamplerConfig): Sampler {
  switch (config.kind) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'ratio':
      return new TraceIdRatioBasedSampler(config.ratio)
    case 'parent_ratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) })
  }
}

// Telemetry never takes the service down: a processor that throws is logged (once per
// processor and method) and the request goes on. It also times its processor's onEnd (two clock
// reads a span, 0.07 µs each on the project's VM, against 5–7 µs a span in the collector): the
// harness's own share of the endpoint's CPU, reported with every run. onStart is not timed: no
// processor here does more than count there, and the clock reads would cost more than the call.
export class SafeSpanProcessor implements SpanProcessor {
  #warned = new Set<string>()
  errors = 0
  busyMs = 0

  constructor(readonly inner: SpanProcessor) {}

  #fail(method: string, error: unknown): void {
    this.errors++
    if (this.#warned.has(method)) return
    this.#warned.add(method)
    diag.error(
      `Failed to run span processor ${this.inner.constructor.name}.${method}: ${String(error)}. Spans may be missing.`,
    )
    console.error(
      `[telemetry] span processor ${this.inner.constructor.name}.${method} threw: ${String(error)}`,
    )
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      this.inner.onStart(span, parentContext)
    } catch (error) {
      this.#fail('onStart', error)
    }
  }

  onEnd(span: ReadableSpan): void {
    const startedMs = performance.now()
    try {
      this.inner.onEnd(span)
    } catch (error) {
      this.#fail('onEnd', error)
    }
    this.busyMs += performance.now() - startedMs
  }

  async forceFlush(): Promise<void> {
    try {
      await this.inner.forceFlush()
    } catch (error) {
      this.#fail('forceFlush', error)
    }
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown()
    } catch (error) {
      this.#fail('shutdown', error)
    }
  }
}

export type Tracing = {
  provider: NodeTracerProvider
  tracer: Tracer
  sampler: SwitchableSampler
  // Wall time spent inside the span processors so far, deferred batches included (CPU time
  // unless the process was preempted mid-call).
  spanProcessingMs(): number
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

export function createTracing(options: {
  sampler: SamplerConfig
  processors: SpanProcessor[]
  // Handed ended spans in batches, off the request path (DeferredSpanProcessor): for processors
  // whose work need not happen inside span.end(). Not for one whose result depends on the moment
  // a span ends (the overhead trials' ArmRouter files each span under the arm of that moment).
  deferredProcessors?: SpanProcessor[]
  serviceName?: string
}): Tracing {
  const sampler = new SwitchableSampler(createSampler(options.sampler))
  const deferred = (options.deferredProcessors ?? []).map((p) => new SafeSpanProcessor(p))
  const direct = options.processors.map((p) => new SafeSpanProcessor(p))
  const processors = [...deferred, ...direct]
  const provider = new NodeTracerProvider({
    sampler,
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'rag-endpoint' }),
    spanProcessors: [...deferred.map((p) => new DeferredSpanProcessor(p)), ...direct],
  })
  return {
    provider,
    tracer: provider.getTracer('rag-endpoint', '0.1.0'),
    sampler,
    spanProcessingMs: () => processors.reduce((sum, p) => sum + p.busyMs, 0),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  }
}
