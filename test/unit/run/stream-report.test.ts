import { describe, expect, it } from 'vitest'
import { parseBudgets } from '../../../src/budget/parse-budget.ts'
import type { StreamRecord } from '../../../src/load/stream-timing.ts'
import { statsWithIntervals, streamBudgetResults, streamFields } from '../../../src/run/stream-report.ts'
import { clopperPearson } from '../../../src/stats/quantile-interval.ts'

function record(tenant: string, ttftMs: number, e2eMs: number, ok = true): StreamRecord {
  return {
    tenant,
    ok,
    e2eMs,
    ttftMs,
    itlsMs: [10, 10, 10],
    outputTokens: 4,
    ...(ok ? {} : { failure: 'error_event' }),
  }
}

const budgetsOf = (input: Record<string, Record<string, unknown>>) => {
  const { budgets, problems } = parseBudgets(input)
  expect(problems).toEqual([])
  return budgets
}

describe('stream report figures and budgets', () => {
  const records = [
    ...Array.from({ length: 90 }, (_, i) => record('acme', 100 + i, 500)),
    ...Array.from({ length: 10 }, () => record('globex', 2000, 2500)),
    record('acme', 50, 60, false),
  ]

  it('summarises the successful streams and counts the failures', () => {
    const fields = streamFields(records, budgetsOf({ goodput: { min: '80%', slo: { ttft: '1s' } } }), 10)
    expect(fields.client_ttft_ms!.count).toBe(100)
    expect(fields.client_itl_ms!.count).toBe(300)
    // TPOT = (e2e − TTFT)/(tokens − 1): the largest is globex's (2500 − 2000)/3.
    expect(fields.client_tpot_ms).toMatchObject({ count: 100, max: 500 / 3 })
    expect(fields.stream_requests).toEqual({ count: 101, ok: 100, failures: { error_event: 1 } })
    // 90 of 101 met ttft ≤ 1 s (the failed one never does).
    expect(fields.goodput).toEqual({ slo: { ttft_ms: 1000 }, share: 90 / 101, rps: 9 })
  })

  it('decides ttft budgets per tenant and goodput on its interval', () => {
    const results = streamBudgetResults(
      records,
      budgetsOf({
        'ttft{tenant_id=acme}': { p50: '300ms' },
        'ttft{tenant_id=globex}': { p50: '1s' },
        goodput: { min: '50%', slo: { ttft: '1s' } },
        'goodput{tenant_id=globex}': { min: '50%', slo: { ttft: '1s' } },
      }),
      10,
      'fail',
    )
    const by = Object.fromEntries(results.map((r) => [r.target, r]))
    expect(by['ttft{tenant_id=acme}']).toMatchObject({ verdict: 'pass', count: 90 })
    expect(by['ttft{tenant_id=globex}']).toMatchObject({ verdict: 'fail', count: 10, actual: 2000 })
    expect(by.goodput).toMatchObject({ verdict: 'pass', actual: 90 / 101 })
    expect(by['goodput{tenant_id=globex}']).toMatchObject({ verdict: 'fail', actual: 0 })
  })

  it('an undecided goodput says how many requests would decide it', () => {
    // 90 of 101 met the SLO: 89.1%, whose 95% interval straddles 88%.
    const [result] = streamBudgetResults(
      records,
      budgetsOf({ goodput: { min: '88%', slo: { ttft: '1s' } } }),
      10,
      'fail',
    )
    expect(result).toMatchObject({ verdict: 'inconclusive', pass: false, count: 101 })
    const count = result!.to_decide!.count!
    const share = 90 / 101
    // At that count the same share's interval excludes 88%; at 90% of it, it does not yet.
    expect(clopperPearson(Math.round(share * count), count)[0]).toBeGreaterThan(0.88)
    const fewer = Math.floor(count * 0.9)
    expect(clopperPearson(Math.round(share * fewer), fewer)[0]).toBeLessThanOrEqual(0.88)
    // 101 requests took 10 s, so about count / 10.1 seconds.
    expect(result!.to_decide!.seconds).toBeCloseTo(count / 10.1, 6)
    expect(result!.note).toMatch(
      /^inconclusive: the 95% interval \[.*%, .*%\] from 101 streamed requests straddles the limit; about \d+ streamed requests \(≈ .* of measurement at the observed rate\) would probably decide it; not shown to hold, so it fails$/,
    )
  })

  it('a stream budget with no data fails and says so', () => {
    const [result] = streamBudgetResults([], budgetsOf({ itl: { p95: '50ms' } }), 10, 'fail')
    expect(result).toMatchObject({
      actual: null,
      verdict: 'fail',
      note: 'no successful streamed request gave a itl figure after warm-up',
    })
  })

  it('gives percentile intervals from the sorted sample', () => {
    const stats = statsWithIntervals(Array.from({ length: 400 }, (_, i) => i + 1))
    const [low, high] = stats.ci95_ms!.p95
    expect(low!).toBeLessThanOrEqual(stats.p95_ms)
    expect(high!).toBeGreaterThanOrEqual(stats.p95_ms)
  })
})
