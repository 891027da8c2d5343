// What a mock server tells the harness about one call it answered, for mock fidelity without the
// caller's cooperation (a team's service, target:): the W3C traceparent the call carried names the
// caller's client span (its parent-id field, https://www.w3.org/TR/trace-context/#parent-id), so
// joining this record with the client span received over OTLP gives span − drawn with no
// attribute from the service. Compact on purpose: a run sends one per dependency call over IPC.
import type { DependencyName } from './dependency-api.ts'

export type MockCallRecord = {
  dependency: DependencyName
  spanId: string // the caller's client span id: 16 lowercase hex digits
  drawnMs: number // the latency the mock drew for the call
  heldMs: number // how long the mock held it (receipt to last byte written)
}

// Per dependency, the calls a mock answered successfully, by whether they carried a traceparent.
export type MockCallCounts = Record<string, { traced: number; untraced: number }>
// The counts, and how many records the mocks' bounded buffer dropped.
export type MockCallTally = { counts: MockCallCounts; dropped: number }

// The parent-id of a version-00 traceparent header, or undefined when there is none or it is
// invalid (the spec: a receiver ignores an invalid header; an all-zero id is invalid).
export function traceparentSpanId(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}/.exec(header.trim())
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!)) return undefined
  return match[3]
}
