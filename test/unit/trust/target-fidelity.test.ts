import { describe, expect, it } from 'vitest'
import { targetFidelityNote } from '../../../src/trust/target-fidelity.ts'

const join = (joined: number, warmup = 0) => ({ joined, warmup, calls_evicted: 0, spans_evicted: 0 })

describe('targetFidelityNote', () => {
  it('says fidelity is not available when no dependency call carried a traceparent', () => {
    const note = targetFidelityNote({ counts: { llm: { traced: 0, untraced: 40 } }, dropped: 0 }, join(0))
    expect(note).toMatch(
      /^mock fidelity not available: none of the service's 40 successful calls .* carried a traceparent/,
    )
  })

  it('says so when traced calls matched no exported client span', () => {
    const note = targetFidelityNote({ counts: { llm: { traced: 12, untraced: 0 } }, dropped: 0 }, join(0))
    expect(note).toMatch(
      /not available: the mocks saw 12 calls with a traceparent, but the service exported no client span/,
    )
  })

  it('says nothing when every call was joined, and names what a partial join left out', () => {
    expect(targetFidelityNote({ counts: { llm: { traced: 10, untraced: 0 } }, dropped: 0 }, join(8, 2))).toBe(
      undefined,
    )
    expect(targetFidelityNote({ counts: { llm: { traced: 10, untraced: 5 } }, dropped: 1 }, join(6, 2))).toBe(
      "mock fidelity covers 6 measured calls joined by traceparent; 5 of 15 calls carried no traceparent; 2 traced calls matched no exported client span; 1 call records were dropped by the mocks' bounded buffer",
    )
  })

  it('says when the run ended before fidelity was collected', () => {
    expect(targetFidelityNote(undefined, undefined)).toMatch(/not available: the run did not finish/)
  })
})
