import { describe, expect, it } from 'vitest'
import type { BudgetResult } from '../../../src/contract/report-types.ts'
import { budgetToDecideText } from '../../../src/report/budget-status.ts'

const inconclusive = (target: string): BudgetResult => ({
  target,
  metric: 'p95',
  limit: 1000,
  unit: 'ms',
  actual: 990,
  pass: false,
  verdict: 'inconclusive',
  count: 80,
  source: `budgets.${target}.p95`,
  to_decide: { count: 400, seconds: 40 },
})

describe('budgetToDecideText', () => {
  it('counts what the target samples: spans, streamed requests or token gaps', () => {
    expect(budgetToDecideText(inconclusive('llm_generation'))).toBe(
      'about 400 spans (≈ 40.0 s at the observed rate) would decide it',
    )
    expect(budgetToDecideText(inconclusive('ttft{tenant_id=acme}'))).toBe(
      'about 400 streamed requests (≈ 40.0 s at the observed rate) would decide it',
    )
    expect(budgetToDecideText(inconclusive('goodput'))).toContain('about 400 streamed requests')
    expect(budgetToDecideText(inconclusive('itl'))).toContain('about 400 token gaps')
  })

  it('is silent for a decided budget', () => {
    expect(budgetToDecideText({ ...inconclusive('ttft'), verdict: 'pass', pass: true })).toBeNull()
  })
})
