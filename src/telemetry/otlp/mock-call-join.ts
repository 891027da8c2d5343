// Mock fidelity without the service's cooperation (target:): the mock servers report each call
// they answered under the caller's client span id, taken from the call's traceparent
// (contract/mock-call.ts), and the service exports that client span over OTLP. Joined on the span
// id they give, per call, span − drawn (the excess), held − drawn (the mock's lateness) and
// span − held (transport and client): the same figures the built-in endpoint records as span
// attributes, with no attribute from the service.
//
// Either side can come first (the mocks send batches every 200 ms, the service's exporter on its
// own schedule), so each side waits for the other in a bounded map; past `maxWaiting` the oldest
// waiting entry is evicted and counted. Client spans that no mock answered (calls to anything
// else) wait too and age out the same way.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { MockCallRecord } from '../../contract/mock-call.ts'
import { hrtimeToMs } from '../../units.ts'

export const DEFAULT_MAX_WAITING = 20_000

export type MockCallJoinCounters = {
  joined: number // measured calls whose client span and mock record met
  warmup: number // joined, but the client span started before the measurement did
  calls_evicted: number // mock records that waited too long for their client span
  spans_evicted: number // client spans that waited too long for a mock record
}

export type JoinedCall = { record: MockCallRecord; durationMs: number }

type WaitingSpan = { durationMs: number; measured: boolean }

export class MockCallJoin {
  readonly #calls = new Map<string, MockCallRecord>()
  readonly #spans = new Map<string, WaitingSpan>()
  readonly #onJoined: (call: JoinedCall) => void
  readonly #maxWaiting: number
  #measureFromMs = Number.POSITIVE_INFINITY
  readonly counters: MockCallJoinCounters = { joined: 0, warmup: 0, calls_evicted: 0, spans_evicted: 0 }

  constructor(onJoined: (call: JoinedCall) => void, maxWaiting = DEFAULT_MAX_WAITING) {
    this.#onJoined = onJoined
    this.#maxWaiting = maxWaiting
  }

  // Client spans that start before this moment (epoch ms) are warm-up and are not recorded.
  startMeasuring(fromEpochMs = performance.timeOrigin + performance.now()): void {
    this.#measureFromMs = fromEpochMs
  }

  addCalls(calls: readonly MockCallRecord[]): void {
    for (const call of calls) {
      const span = this.#spans.get(call.spanId)
      if (span) {
        this.#spans.delete(call.spanId)
        this.#join(call, span)
      } else {
        this.#wait(this.#calls, call.spanId, call, 'calls_evicted')
      }
    }
  }

  // Every received span may be offered: only successful client spans can match a mock's answer.
  addSpan(span: ReadableSpan): void {
    if (span.kind !== SpanKind.CLIENT || span.status.code === SpanStatusCode.ERROR) return
    const spanId = span.spanContext().spanId
    const waiting = {
      durationMs: hrtimeToMs(span.duration),
      measured: hrtimeToMs(span.startTime) >= this.#measureFromMs,
    }
    const call = this.#calls.get(spanId)
    if (call) {
      this.#calls.delete(spanId)
      this.#join(call, waiting)
    } else {
      this.#wait(this.#spans, spanId, waiting, 'spans_evicted')
    }
  }

  #join(record: MockCallRecord, span: WaitingSpan): void {
    if (!span.measured) {
      this.counters.warmup++
      return
    }
    this.counters.joined++
    this.#onJoined({ record, durationMs: span.durationMs })
  }

  #wait<T>(map: Map<string, T>, key: string, value: T, evicted: 'calls_evicted' | 'spans_evicted'): void {
    if (map.size >= this.#maxWaiting) {
      // Maps iterate in insertion order: the first key is the one that waited longest.
      map.delete(map.keys().next().value as string)
      this.counters[evicted]++
    }
    map.set(key, value)
  }
}
