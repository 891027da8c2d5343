import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../../src/errors.ts'
import type { StoredBudget } from '../../../src/nightly/stored-report.ts'
import { budgetOutcomes, marginOf, worstExitCode, worstMargin } from '../../../src/nightly/suite-result.ts'

const budget = (overrides: Partial<StoredBudget>): StoredBudget => ({
  target: 'rag_pipeline',
  metric: 'p95',
  limit: 100,
  actual: 80,
  unit: 'ms',
  pass: true,
  source: 'rag_pipeline.p95: 100ms',
  ...overrides,
})

describe('suite exit code', () => {
  it.each([
    { codes: [], worst: ExitCode.ok },
    { codes: [ExitCode.ok, ExitCode.budgetFailed], worst: ExitCode.budgetFailed },
    { codes: [ExitCode.budgetFailed, ExitCode.regression], worst: ExitCode.regression },
    { codes: [ExitCode.regression, ExitCode.untrusted], worst: ExitCode.untrusted },
    { codes: [ExitCode.untrusted, ExitCode.runFailed, ExitCode.budgetFailed], worst: ExitCode.runFailed },
    { codes: [ExitCode.runFailed, ExitCode.interrupted], worst: ExitCode.interrupted },
  ])('the worst of $codes is $worst', ({ codes, worst }) => {
    expect(worstExitCode(codes)).toBe(worst)
  })
})

describe('budget margins and expected failures', () => {
  it.each([
    { b: budget({}), margin: 0.2 },
    { b: budget({ actual: 150, pass: false }), margin: -0.5 },
    {
      b: budget({ target: 'throughput', metric: 'min_rps', unit: 'req/s', limit: 10, actual: 12 }),
      margin: 0.2,
    },
    { b: budget({ actual: null, pass: false }), margin: null },
    { b: budget({ metric: 'error_rate', unit: 'ratio', limit: 0.01, actual: 0 }), margin: 1 },
  ])('margin of $b.source with actual $b.actual is $margin', ({ b, margin }) => {
    if (margin === null) expect(marginOf(b)).toBeNull()
    else expect(marginOf(b)).toBeCloseTo(margin)
  })

  it('marks expected failures and expected failures that passed; the worst margin leaves expected ones out', () => {
    const outcomes = budgetOutcomes(
      [
        budget({}),
        budget({
          target: 'vector_search',
          metric: 'p99',
          source: 'vector_search.p99: 100ms',
          actual: 250,
          pass: false,
        }),
        budget({ target: 'rerank', source: 'rerank.p95: 100ms', actual: 95 }),
      ],
      ['vector_search.p99', 'rerank.p95'],
    )
    expect(outcomes.map((o) => [o.id, o.outcome])).toEqual([
      ['rag_pipeline.p95', 'pass'],
      ['vector_search.p99', 'expected-fail'],
      ['rerank.p95', 'unexpected-pass'],
    ])
    expect(worstMargin(outcomes)!.id).toBe('rerank.p95')
  })

  it('matches an expected failure written with unsorted attributes to the canonical budget', () => {
    const [outcome] = budgetOutcomes(
      [budget({ target: 'rag_pipeline{a=1,b=2}', pass: false, actual: 200 })],
      ['rag_pipeline{b=2,a=1}.p95'],
    )
    expect(outcome!.outcome).toBe('expected-fail')
  })
})
