import { describe, expect, it } from 'vitest'
import { parseBudgets } from '../../../src/budget/parse-budget.ts'
import { capacityBudgetResult, withCapacity } from '../../../src/capacity/capacity-budget.ts'
import type { CapacitySection } from '../../../src/contract/capacity-schema.ts'
import { reportSchema } from '../../../src/contract/report-schema.ts'
import { snapshotOf } from '../../../src/nightly/run-snapshot.ts'
import { renderConsole } from '../../../src/report/render-console.ts'
import { renderSummaryMarkdown } from '../../../src/report/render-summary-md.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'
import { sampleReport } from '../report/sample-report.ts'

function section(overrides: Partial<CapacitySection>): CapacitySection {
  return {
    rate_rps: 80,
    interval_rps: [80, 90],
    limited_by: { target: 'rag_pipeline', metric: 'p95' },
    instrument_ceiling_rps: null,
    status: 'complete',
    config: { from_rps: 5, to_rps: 500, step_s: 10, warmup_s: 3, precision: 0.05, time_limit_s: 900 },
    elapsed_s: 100,
    notes: [],
    method: [],
    limits: [],
    steps: [],
    ...overrides,
  }
}

const budget = (limit: number) => ({
  kind: 'capacity' as const,
  target: 'capacity' as const,
  metric: 'min_rps' as const,
  limit,
  unit: 'req/s' as const,
  source: `capacity.min_rps: ${limit}`,
})

describe('the capacity budget', () => {
  it('parses capacity: { min_rps } and refuses other metrics', () => {
    expect(parseBudgets({ capacity: { min_rps: 50 } }).budgets).toEqual([
      {
        kind: 'capacity',
        target: 'capacity',
        metric: 'min_rps',
        limit: 50,
        unit: 'req/s',
        source: 'capacity.min_rps: 50',
      },
    ])
    expect(parseBudgets({ capacity: { p95: 50 } }).problems[0]!.message).toMatch(
      /min_rps, the only capacity budget/,
    )
  })

  it('passes when the low end reaches N, fails when a rate at or below N failed, else inconclusive', () => {
    expect(capacityBudgetResult(budget(80), section({}), 'fail').verdict).toBe('pass')
    expect(capacityBudgetResult(budget(90), section({}), 'fail').verdict).toBe('fail')
    const straddling = capacityBudgetResult(budget(85), section({}), 'fail')
    expect(straddling).toMatchObject({
      verdict: 'inconclusive',
      pass: false,
      note: '85 req/s lies inside the capacity interval [80, 90] req/s',
    })
    expect(straddling.ci).toBeUndefined()
    expect(capacityBudgetResult(budget(85), section({}), 'warn').pass).toBe(true)
  })

  it('fails on an instrument-limited search below N and says the harness cannot measure there', () => {
    const instrument = section({
      rate_rps: null,
      interval_rps: [40, null],
      limited_by: 'instrument',
      instrument_ceiling_rps: 60,
    })
    const result = capacityBudgetResult(budget(100), instrument, 'fail')
    expect(result.verdict).toBe('fail')
    expect(result.note).toMatch(/cannot measure beyond 60 req\/s/)
    expect(capacityBudgetResult(budget(40), instrument, 'fail').verdict).toBe('pass')
  })

  it('adds the section and the budget line to a report, recomputing the verdicts, within the contract', () => {
    const report = { ...sampleReport(), verdict: 'pass' as const, budget_verdict: 'pass' as const }
    report.budgets = report.budgets.map((b) => ({ ...b, pass: true, verdict: 'pass' as const }))
    report.trust = { ...report.trust, verdict: 'trusted', reasons: [] }
    const out = withCapacity(report, section({}), [budget(100)], 'fail')
    expect(out.budgets.at(-1)).toMatchObject({ target: 'capacity', verdict: 'fail' })
    expect(out.verdict).toBe('fail')
    expect(reportSchema.safeParse(out).success).toBe(true)
    expect(renderConsole(out, { color: false })).toMatch(
      /Capacity: Capacity 80 req\/s, between 80 and 90 req\/s/,
    )
    expect(renderSummaryMarkdown(out)).toMatch(
      /\*\*Capacity:\*\* Capacity 80 req\/s, between 80 and 90 req\/s; first to break above it: rag_pipeline p95/,
    )
    // The nightly history tracks it (higher is better).
    expect(snapshotOf(out).metrics['capacity rps']).toMatchObject({ value: 80, better: 'higher' })
  })
})

describe('the capacity section of a scenario', () => {
  const text = (capacity: string) =>
    `name: x\nrequests: [{ tenant: a, api_key: k, question: q }]\ncapacity: ${capacity}\nbudgets: { rag_pipeline: { p95: 1s } }\n`
  it('has defaults', () => {
    expect(parseScenarioText(text('{}'), 'x.yaml').capacity).toEqual({
      fromRps: 5,
      toRps: 500,
      stepMs: 10_000,
      warmupMs: 3000,
      precision: 0.05,
      timeLimitMs: 900_000,
    })
  })
  it('refuses from ≥ to, a precision of 0 and a precision of 100% or more, naming the key', () => {
    expect(() => parseScenarioText(text('{ from: 50, to: 50 }'), 'x.yaml')).toThrow(
      /capacity\.from: expected from \(50 req\/s\) below to/,
    )
    expect(() => parseScenarioText(text('{ precision: 0 }'), 'x.yaml')).toThrow(
      /capacity\.precision: expected a precision above 0/,
    )
    expect(() => parseScenarioText(text('{ precision: 100% }'), 'x.yaml')).toThrow(/capacity\.precision/)
  })
})
