// The runner's control flow with a stand-in for the scenario run (the runs themselves are in
// test/integration/capacity.test.ts): the announcement, the time limit and the partial answer.
import { describe, expect, it } from 'vitest'
import { runCapacity } from '../../../src/capacity/run-capacity.ts'
import type { Report } from '../../../src/contract/report-types.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'
import type { Scenario } from '../../../src/scenario/schema.ts'
import { sampleReport } from '../report/sample-report.ts'

const scenario = (capacity: string) =>
  parseScenarioText(
    `name: x\nrequests: [{ tenant: a, api_key: k, question: q }]\nload: { arrival: { rate: 5 } }\ncapacity: ${capacity}\nbudgets: { rag_pipeline: { p95: 1s } }\n`,
    'x.yaml',
  )

// A service that keeps its budget up to `limitRps`; each step takes `stepMs` of wall time and
// stops early (interrupted) when the search aborts it.
function service(limitRps: number, stepMs: number) {
  const rates: number[] = []
  const runStep = (step: Scenario, { signal }: { signal: AbortSignal }): Promise<Report> =>
    new Promise((resolve) => {
      const rate = step.load.arrival!.ratePerSec!
      rates.push(rate)
      const base = sampleReport()
      const pass = rate <= limitRps
      const report: Report = {
        ...base,
        trust: { ...base.trust, verdict: 'trusted', reasons: [] },
        load: { ...base.load, rps: rate },
        budgets: [
          {
            target: 'rag_pipeline',
            metric: 'p95',
            limit: 1000,
            actual: pass ? 500 : 1500,
            unit: 'ms',
            pass,
            verdict: pass ? 'pass' : 'fail',
            source: 'rag_pipeline.p95: 1s',
          },
        ],
      }
      const timer = setTimeout(() => resolve(report), stepMs)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve({ ...report, status: 'interrupted' })
      })
    })
  return { rates, runStep }
}

describe('runCapacity', () => {
  it('announces the plan, searches and answers with the steps behind it', async () => {
    const phases: string[] = []
    const { rates, runStep } = service(100, 1)
    const result = await runCapacity(scenario('{ from: 10, to: 400, precision: 10% }'), {
      runStep,
      onPhase: (p) => phases.push(p),
    })
    expect(phases[0]).toMatch(
      /^capacity search 10–400 req\/s to 10\.0%: at most \d+ steps, about [\d.]+ min \(limit 15\.0 min\)$/,
    )
    expect(rates.slice(0, 5)).toEqual([10, 20, 40, 80, 160])
    expect(result).toMatchObject({
      status: 'complete',
      limited_by: { target: 'rag_pipeline', metric: 'p95' },
    })
    expect(result.interval_rps[0]!).toBeLessThanOrEqual(100)
    expect(result.interval_rps[1]!).toBeGreaterThan(100)
    expect(result.steps).toHaveLength(rates.length)
    expect(result.steps[0]).toMatchObject({
      rate_rps: 10,
      verdict: 'pass',
      trusted: true,
      reason: 'geometric',
    })
  })

  it('stops the step in progress at the time limit and answers with what it knew', async () => {
    const phases: string[] = []
    const { rates, runStep } = service(1000, 120)
    const result = await runCapacity(
      scenario('{ from: 10, to: 400, step_duration: 10s, time_limit: 300ms }'),
      {
        runStep,
        onPhase: (p) => phases.push(p),
      },
    )
    // The plan (minutes of steps) is over the limit, and the announcement says so.
    expect(phases[0]).toMatch(/more than the 0\.0 min limit: it will stop there with a partial answer/)
    expect(result.status).toBe('time_limit')
    // Whole steps fit before the limit (how many depends on the machine's timers); the one in
    // progress at the limit was cut short and is not counted.
    expect(result.steps.length).toBeGreaterThanOrEqual(1)
    expect(result.steps.length).toBe(rates.length - 1)
    const last = result.steps.at(-1)!.rate_rps
    expect(result).toMatchObject({ rate_rps: last, interval_rps: [last, null], limited_by: null })
  })
})
