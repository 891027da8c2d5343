import { describe, expect, it } from 'vitest'
import { parseBudgets } from '../../../src/budget/parse-budget.ts'
import {
  conversionNotes,
  lowestDecidableRps,
  spansPerRequestOf,
  spansToDecide,
  stepScenario,
} from '../../../src/capacity/capacity-step.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'

const budgets = (input: Record<string, Record<string, string | number>>) => parseBudgets(input).budgets

describe('capacity steps', () => {
  it('knows how many spans a budget needs before a step can pass it', () => {
    const [p99, p95, p50, errors, max, zero] = budgets({
      a: { p99: '1s', p95: '1s', p50: '1s', error_rate: '1%', max: '1s' },
      b: { error_rate: 0 },
    })
    // 0.99^368 ≤ 2.5% < 0.99^367 (the README's figure), 0.95^72, 0.5^6; (1 − 1%)^368.
    expect([p99, p95, p50, errors, max, zero].map((b) => spansToDecide(b!))).toEqual([368, 72, 6, 368, 1, 1])
  })

  it('starts the search where one step can decide every budget, given each stage’s spans per request', () => {
    const list = budgets({
      rag_pipeline: { p95: '1s' },
      'rag_pipeline{tenant_id=globex}': { p99: '1s' },
      rerank: { p50: '1s' },
    })
    const shares = spansPerRequestOf(
      {
        rag_pipeline: { count: 1000 },
        'rag_pipeline{tenant_id=globex}': { count: 250 },
        rerank: { count: 0 },
      },
      1000,
    )
    // globex is a quarter of the requests: 368 spans take 1472 requests; × 1.2 over a 10 s step.
    const lowest = lowestDecidableRps(list, shares, 10_000)
    expect(lowest.budget).toBe('rag_pipeline{tenant_id=globex}.p99')
    expect(lowest.rps).toBeCloseTo((1.2 * 368) / 0.25 / 10, 9)
    expect(lowestDecidableRps(list, {}, 10_000)).toEqual({ rps: 0, budget: null })
  })

  it('runs a closed-model scenario as open-model steps with the step’s own length and seed, and says so', () => {
    const scenario = parseScenarioText(
      `name: x\nseed: 7\nload: { connections: 16, duration: 30s }\nrequests: [{ tenant: a, api_key: k, question: q }]\ncapacity: { step_duration: 4s, warmup: 1s }\nbudgets: { rag_pipeline: { p95: 1s }, throughput: { min_rps: 5 }, capacity: { min_rps: 20 } }\n`,
      'x.yaml',
    )
    const step = stepScenario(scenario, scenario.capacity, {
      kind: 'measure',
      rateRps: 40,
      reason: 'confirmation',
      attempt: 1,
    })
    expect(step.load).toMatchObject({ connections: undefined, durationMs: 4000, warmupMs: 1000 })
    expect(step.load.arrival).toMatchObject({ ratePerSec: 40, distribution: 'uniform', maxInFlight: 1000 })
    expect(step.seed).toBe(8)
    expect(step.budgets.map((b) => b.target)).toEqual(['rag_pipeline'])
    // A step is one measurement: no what-if re-runs inside it.
    expect(
      stepScenario(
        { ...scenario, whatIf: [{ dependency: 'llm', factor: 2, label: 'llm=2x' }] },
        scenario.capacity,
        { kind: 'measure', rateRps: 40, reason: 'geometric', attempt: 0 },
      ).whatIf,
    ).toEqual([])
    const longer = stepScenario(scenario, scenario.capacity, {
      kind: 'measure',
      rateRps: 40,
      reason: 'inconclusive re-measure',
      attempt: 1,
    })
    expect(longer.load.durationMs).toBe(8000)
    expect(conversionNotes(scenario).join('\n')).toMatch(
      /closed model \(load.connections: 16\) converted[\s\S]*throughput budgets do not judge/,
    )
    expect(scenario.load.connections).toBe(16) // not mutated
  })
})
