import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import type { MockCallRecord } from '../../../../src/contract/mock-call.ts'
import { type JoinedCall, MockCallJoin } from '../../../../src/telemetry/otlp/mock-call-join.ts'
import { StageCollector } from '../../../../src/telemetry/stage-collector.ts'

const T0_MS = 1_700_000_000_000

// The fields the join reads, shaped like the SDK's ReadableSpan.
function clientSpan(
  spanId: string,
  durationMs: number,
  options: { startMs?: number; kind?: SpanKind; error?: boolean } = {},
): ReadableSpan {
  const startMs = options.startMs ?? T0_MS
  return {
    kind: options.kind ?? SpanKind.CLIENT,
    spanContext: () => ({ traceId: 'a'.repeat(32), spanId, traceFlags: 1 }),
    startTime: [Math.floor(startMs / 1000), (startMs % 1000) * 1e6],
    duration: [Math.floor(durationMs / 1000), Math.round((durationMs % 1000) * 1e6)],
    status: { code: options.error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET },
  } as unknown as ReadableSpan
}

const record = (spanId: string, drawnMs = 20, heldMs = 21): MockCallRecord => ({
  dependency: 'llm',
  spanId,
  drawnMs,
  heldMs,
})

function joining(maxWaiting?: number) {
  const joined: JoinedCall[] = []
  const join = new MockCallJoin((call) => joined.push(call), maxWaiting)
  join.startMeasuring(T0_MS)
  return { join, joined }
}

describe('MockCallJoin', () => {
  it('joins a mock record with its client span whichever comes first', () => {
    const { join, joined } = joining()
    join.addCalls([record('0000000000000001')])
    join.addSpan(clientSpan('0000000000000001', 25))
    join.addSpan(clientSpan('0000000000000002', 30))
    join.addCalls([record('0000000000000002', 28, 29)])
    expect(joined.map((j) => [j.record.spanId, j.record.drawnMs, Math.round(j.durationMs)])).toEqual([
      ['0000000000000001', 20, 25],
      ['0000000000000002', 28, 30],
    ])
    expect(join.counters).toEqual({ joined: 2, warmup: 0, calls_evicted: 0, spans_evicted: 0 })
  })

  it('ignores server spans and failed client spans, and leaves warm-up calls out', () => {
    const { join, joined } = joining()
    join.addSpan(clientSpan('0000000000000003', 25, { kind: SpanKind.SERVER }))
    join.addSpan(clientSpan('0000000000000004', 25, { error: true }))
    join.addSpan(clientSpan('0000000000000005', 25, { startMs: T0_MS - 1 }))
    join.addCalls([record('0000000000000003'), record('0000000000000004'), record('0000000000000005')])
    expect(joined).toEqual([])
    expect(join.counters.warmup).toBe(1)
  })

  it('stays bounded: the longest-waiting entry on either side is evicted and counted', () => {
    const { join, joined } = joining(2)
    join.addCalls([record('0000000000000001'), record('0000000000000002'), record('0000000000000003')])
    for (const id of ['000000000000000a', '000000000000000b', '000000000000000c'])
      join.addSpan(clientSpan(id, 5))
    expect(join.counters.calls_evicted).toBe(1)
    expect(join.counters.spans_evicted).toBe(1)
    join.addSpan(clientSpan('0000000000000001', 25)) // evicted: no join
    join.addSpan(clientSpan('0000000000000003', 25))
    expect(joined.map((j) => j.record.spanId)).toEqual(['0000000000000003'])
  })

  it('feeds the collector the same excess, lateness and transport split the built-in endpoint records', () => {
    const collector = new StageCollector({ fidelityFromAttributes: false })
    const join = new MockCallJoin(({ record: r, durationMs }) =>
      collector.recordDependencyCall(r.dependency, durationMs, r.drawnMs, r.heldMs),
    )
    join.startMeasuring(T0_MS)
    join.addCalls([record('0000000000000001', 80, 83)])
    join.addSpan(clientSpan('0000000000000001', 90))
    const llm = collector.results().dependencies.llm!
    expect(llm.calls).toBe(1)
    expect(llm.excess_ms.p50).toBeCloseTo(10, 0)
    expect(llm.lateness_ms!.p50).toBeCloseTo(3, 0)
    expect(llm.transport_ms!.p50).toBeCloseTo(7, 0)
  })
})
