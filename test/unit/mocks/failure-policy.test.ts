import { describe, expect, it } from 'vitest'
import { createFailurePicker } from '../../../src/mocks/failure-policy.ts'
import { createRng } from '../../../src/rng.ts'
import { dependencies, type FailureMode } from '../../../src/scenario/schema.ts'

const FAILURES: FailureMode[] = [
  { kind: 'status', status: 503, retryAfterMs: 2000, probability: 0.05 },
  { kind: 'timeout', probability: 0.02 },
  { kind: 'network_error', probability: 0.01 },
  { kind: 'status', status: 429, probability: 0.1 },
]

describe('createFailurePicker', () => {
  it('realises each probability within binomial tolerance (|observed − np| ≤ 4·sqrt(np(1−p)))', () => {
    const n = 100_000
    const pick = createFailurePicker(FAILURES, createRng(21))
    const counts = new Map<FailureMode | undefined, number>()
    for (let i = 0; i < n; i++) {
      const failure = pick()
      counts.set(failure, (counts.get(failure) ?? 0) + 1)
    }
    const successP = 1 - FAILURES.reduce((sum, f) => sum + f.probability, 0)
    const cases: [FailureMode | undefined, number][] = [
      ...FAILURES.map((f): [FailureMode, number] => [f, f.probability]),
      [undefined, successP],
    ]
    for (const [failure, p] of cases) {
      const observed = counts.get(failure) ?? 0
      const bound = 4 * Math.sqrt(n * p * (1 - p))
      expect(Math.abs(observed - n * p), `${failure?.kind ?? 'success'} p=${p}`).toBeLessThanOrEqual(bound)
    }
  })

  it('draws the same failures for the same seed', () => {
    const run = () => {
      const pick = createFailurePicker(FAILURES, createRng(4))
      return Array.from({ length: 500 }, () => pick()?.kind)
    }
    expect(run()).toEqual(run())
  })

  it('never fails with an empty list, and always fails at probability 1', () => {
    const none = createFailurePicker([], createRng(1))
    const always = createFailurePicker([{ kind: 'network_error', probability: 1 }], createRng(1))
    for (let i = 0; i < 1000; i++) {
      expect(none()).toBeUndefined()
      expect(always()?.kind).toBe('network_error')
    }
  })

  it('rejects probabilities that sum to more than 1, tolerating float rounding', () => {
    expect(() =>
      createFailurePicker(
        [
          { kind: 'timeout', probability: 0.7 },
          { kind: 'network_error', probability: 0.5 },
        ],
        createRng(1),
      ),
    ).toThrow(/sum to 1.2, more than 1/)
    expect(() =>
      createFailurePicker(
        [0.1, 0.2, 0.7].map((probability) => ({ kind: 'timeout', probability }) as const),
        createRng(1),
      ),
    ).not.toThrow()
  })
})

describe('scenario schema: failure probabilities', () => {
  it('rejects a failures list whose probabilities sum to more than 1', () => {
    const result = dependencies.safeParse({
      llm: {
        failures: [
          { status: 503, probability: 0.6 },
          { timeout: true, probability: 0.5 },
        ],
      },
    })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((issue) => issue.message)).toContain(
      'expected failure probabilities that sum to at most 1, got 1.1',
    )
    expect(result.error?.issues[0]?.path).toEqual(['llm', 'failures'])
  })

  it('accepts a sum of exactly 1', () => {
    const result = dependencies.safeParse({
      llm: { failures: [0.1, 0.2, 0.7].map((probability) => ({ network_error: true, probability })) },
    })
    expect(result.success).toBe(true)
  })
})
