// The samplers a scenario can name, through the real OpenTelemetry SDK: what each records for
// root spans and for spans whose (remote) parent was or was not sampled, and the switchable
// sampler the overhead measurement flips between trials.
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/rng.ts'
import type { SamplerConfig } from '../../../src/scenario/schema.ts'
import { createSampler, createTracing } from '../../../src/telemetry/tracer-provider.ts'

const N = 4000

// Seeded W3C trace ids (32 hex digits, not all zero).
function traceIds(seed: number, n: number): string[] {
  const rng = createRng(seed)
  const hex = () => rng.int(0, 0xffff).toString(16).padStart(4, '0')
  return Array.from({ length: n }, () => Array.from({ length: 8 }, hex).join(''))
}

function underParent(traceId: string, sampled: boolean) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  })
}

// Share of spans recorded (and exported) when each is started under the given context.
function recordedShare(config: SamplerConfig, contexts: ReturnType<typeof underParent>[]): number {
  const exporter = new InMemorySpanExporter()
  const tracing = createTracing({ sampler: config, processors: [new SimpleSpanProcessor(exporter)] })
  for (const context of contexts)
    tracing.tracer.startSpan('POST /ask', { kind: SpanKind.SERVER }, context).end()
  return exporter.getFinishedSpans().length / contexts.length
}

// Share of root spans (no parent) the sampler would record, asked directly.
function decide(config: SamplerConfig, ids: string[]): number {
  const sampler = createSampler(config)
  const kept = ids.filter(
    (id) =>
      sampler.shouldSample(ROOT_CONTEXT, id, 'POST /ask', SpanKind.SERVER, {}, []).decision ===
      SamplingDecision.RECORD_AND_SAMPLED,
  )
  return kept.length / ids.length
}

// Four binomial standard errors of a share p over N draws.
const fourSigma = (p: number) => 4 * Math.sqrt((p * (1 - p)) / N)

describe('the samplers a scenario can name', () => {
  const ids = traceIds(5, N)
  const sampledParents = ids.map((id) => underParent(id, true))
  const unsampledParents = ids.map((id) => underParent(id, false))

  it('always_on records every span and always_off none, whatever the parent says', () => {
    expect(recordedShare({ kind: 'always_on' }, unsampledParents.slice(0, 100))).toBe(1)
    expect(recordedShare({ kind: 'always_off' }, sampledParents.slice(0, 100))).toBe(0)
  })

  it('ratio keeps about that share of traces, by trace id, ignoring the parent', () => {
    const withSampled = recordedShare({ kind: 'ratio', ratio: 0.25 }, sampledParents)
    const withUnsampled = recordedShare({ kind: 'ratio', ratio: 0.25 }, unsampledParents)
    expect(Math.abs(withSampled - 0.25)).toBeLessThan(fourSigma(0.25))
    // Decided by the trace id alone: the same ids give the same share under either parent.
    expect(withUnsampled).toBe(withSampled)
    expect(decide({ kind: 'ratio', ratio: 0.25 }, ids)).toBe(withSampled)
    expect(recordedShare({ kind: 'ratio', ratio: 0 }, sampledParents.slice(0, 200))).toBe(0)
    expect(recordedShare({ kind: 'ratio', ratio: 1 }, unsampledParents.slice(0, 200))).toBe(1)
  })

  it('parent_ratio follows a parent and applies the ratio to root spans only', () => {
    expect(recordedShare({ kind: 'parent_ratio', ratio: 0.25 }, sampledParents)).toBe(1)
    expect(recordedShare({ kind: 'parent_ratio', ratio: 0.25 }, unsampledParents)).toBe(0)
    const roots = decide({ kind: 'parent_ratio', ratio: 0.25 }, ids)
    expect(Math.abs(roots - 0.25)).toBeLessThan(fourSigma(0.25))
    expect(roots).toBe(decide({ kind: 'ratio', ratio: 0.25 }, ids))
  })
})

describe('SwitchableSampler', () => {
  it('records according to the sampler it was last switched to', () => {
    const exporter = new InMemorySpanExporter()
    const tracing = createTracing({
      sampler: { kind: 'always_on' },
      processors: [new SimpleSpanProcessor(exporter)],
    })
    const start = (name: string) => tracing.tracer.startSpan(name).end()
    start('on-1')
    tracing.sampler.switchTo(createSampler({ kind: 'always_off' }))
    expect(tracing.sampler.toString()).toBe('AlwaysOffSampler')
    start('off-1')
    start('off-2')
    tracing.sampler.switchTo(createSampler({ kind: 'always_on' }))
    expect(tracing.sampler.toString()).toBe('AlwaysOnSampler')
    start('on-2')
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['on-1', 'on-2'])
    expect(tracing.sampler.target.toString()).toBe('AlwaysOnSampler')
  })
})

describe('span processing time', () => {
  // A processor that burns a known time in onEnd (a spin on the clock, not a timer).
  const spinning = (ms: number, fail = false) => ({
    onStart() {},
    onEnd() {
      const until = performance.now() + ms
      while (performance.now() < until) {}
      if (fail) throw new Error('processor failed')
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  })

  it('adds up the time spent inside every processor, a failing one included', () => {
    const tracing = createTracing({
      sampler: { kind: 'always_on' },
      processors: [spinning(2), spinning(1, true)],
    })
    expect(tracing.spanProcessingMs()).toBe(0)
    const error = console.error
    console.error = () => {}
    try {
      for (let i = 0; i < 5; i++) tracing.tracer.startSpan('work').end()
    } finally {
      console.error = error
    }
    // 5 spans × (2 + 1) ms spun: a lower bound, and a generous upper one.
    expect(tracing.spanProcessingMs()).toBeGreaterThanOrEqual(15)
    expect(tracing.spanProcessingMs()).toBeLessThan(15 * 20)
  })

  it('spends nothing in the processors for spans the sampler drops', () => {
    const tracing = createTracing({ sampler: { kind: 'always_off' }, processors: [spinning(2)] })
    for (let i = 0; i < 5; i++) tracing.tracer.startSpan('work').end()
    expect(tracing.spanProcessingMs()).toBeLessThan(2)
  })
})
