// What to say about mock fidelity for a team's service (target:), where it comes from joining the
// mocks' records with the service's client spans by traceparent (telemetry/otlp/mock-call-join.ts).
// A service whose HTTP client propagates no trace context gives the mocks nothing to join on:
// fidelity is then not available, which the report says, and is not a failure (the guards on
// fidelity only judge rows that exist).
import type { MockCallTally } from '../contract/mock-call.ts'
import type { MockCallJoinCounters } from '../telemetry/otlp/mock-call-join.ts'

export function targetFidelityNote(
  counts: MockCallTally | undefined,
  join: MockCallJoinCounters | undefined,
): string | undefined {
  if (!counts || !join) return 'mock fidelity not available: the run did not finish collecting it'
  let traced = 0
  let untraced = 0
  for (const c of Object.values(counts.counts)) {
    traced += c.traced
    untraced += c.untraced
  }
  const matched = join.joined + join.warmup
  if (traced + untraced === 0) {
    return 'mock fidelity not available: the service made no successful call to a mocked dependency'
  }
  if (traced === 0) {
    return `mock fidelity not available: none of the service's ${untraced} successful calls to the mocks carried a traceparent header, so the mocks cannot match them to its client spans (not a failure; instrument its HTTP client with OpenTelemetry, which propagates trace context, to get it)`
  }
  if (matched === 0) {
    return `mock fidelity not available: the mocks saw ${traced} calls with a traceparent, but the service exported no client span with those ids (check that its HTTP client instrumentation exports client spans)`
  }
  const parts: string[] = []
  if (untraced > 0) parts.push(`${untraced} of ${traced + untraced} calls carried no traceparent`)
  const unjoined = traced - matched
  if (unjoined > 0) parts.push(`${unjoined} traced calls matched no exported client span`)
  if (counts.dropped > 0)
    parts.push(`${counts.dropped} call records were dropped by the mocks' bounded buffer`)
  if (parts.length === 0) return undefined
  return `mock fidelity covers ${join.joined} measured calls joined by traceparent; ${parts.join('; ')}`
}
