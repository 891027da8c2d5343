// The mock servers' side of mock fidelity for a team's service (target:): each answered call
// becomes a compact record keyed by the caller's client span id (from its traceparent), buffered
// here until the process sends the batch to the harness. Memory stays bounded: past `maxPending`
// unsent records, new ones are dropped and counted (the harness drains the buffer every few
// hundred ms, so that takes thousands of calls a second with a stalled IPC channel).
import type { DependencyName } from '../contract/dependency-api.ts'
import { type MockCallCounts, type MockCallRecord, traceparentSpanId } from '../contract/mock-call.ts'
import type { AnsweredCall } from './mock-http-server.ts'

export const DEFAULT_MAX_PENDING_CALLS = 20_000

export class MockCallLog {
  readonly #maxPending: number
  #pending: MockCallRecord[] = []
  readonly counts: MockCallCounts = {}
  dropped = 0

  constructor(maxPending = DEFAULT_MAX_PENDING_CALLS) {
    this.#maxPending = maxPending
  }

  record(dependency: DependencyName, call: AnsweredCall): void {
    const count = this.counts[dependency] ?? { traced: 0, untraced: 0 }
    this.counts[dependency] = count
    const spanId = traceparentSpanId(call.traceparent)
    if (spanId === undefined) {
      count.untraced++
      return
    }
    count.traced++
    if (this.#pending.length >= this.#maxPending) {
      this.dropped++
      return
    }
    this.#pending.push({ dependency, spanId, drawnMs: call.drawnMs, heldMs: call.heldMs })
  }

  // The records not yet sent; the buffer starts empty again.
  take(): MockCallRecord[] {
    const taken = this.#pending
    this.#pending = []
    return taken
  }
}
