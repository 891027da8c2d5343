import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api'
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base'

// A delegating sampler whose target can be switched while the process runs. The overhead
// measurement compares sampler settings inside one endpoint process (switching between
// interleaved trials), so that process-to-process noise does not swamp a few percent.
export class SwitchableSampler implements Sampler {
  #target: Sampler

  constructor(initial: Sampler) {
    this.#target = initial
  }

  get target(): Sampler {
    return this.#target
  }

  switchTo(target: Sampler): void {
    this.#target = target
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    return this.#target.shouldSample(context, traceId, spanName, spanKind, attributes, links)
  }

  toString(): string {
    return this.#target.toString()
  }
}
