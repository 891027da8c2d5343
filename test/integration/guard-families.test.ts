// Each family of trust guards made to fail in a real run, end to end, with the reason it gives.
// Saturation is in trust.test.ts (a deliberately overloaded run) and a dying process in
// mock-transport.test.ts and trust.test.ts; request accounting cannot be broken from a scenario
// and is covered by the unit tests of evaluateTrust.
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../src/run/run-scenario.ts'

const fixed = (ms: number) => ({ latency: { fixed: `${ms}ms` } })
const scenario = (extra: object) => ({
  name: 'guard-families',
  seed: 9,
  requests: [{ tenant: 'acme', api_key: 'key-acme', questions: { pool: 100000, distribution: 'unique' } }],
  dependencies: {
    auth: fixed(5),
    embedding: fixed(20),
    vector_store: fixed(10),
    reranker: fixed(15),
    llm: fixed(30),
  },
  budgets: {},
  ...extra,
})

describe('trust guard families, end to end', () => {
  it('open model: a concurrency cap the service cannot live within drops sends, and says so', async () => {
    const report = await runScenario(
      scenario({
        // Each request takes ≥ 80 ms, so one in flight at a time cannot carry 50 req/s.
        load: { arrival: { rate: 50, max_in_flight: 1 }, duration: '2s', warmup: '1s' },
      }),
    )
    expect(report.verdict).toBe('untrusted')
    const dropped = report.trust.guards.find((g) => g.name === 'dropped sends')!
    expect(dropped.pass).toBe(false)
    expect(dropped.figure!).toBeGreaterThan(0.5)
    expect(report.trust.reasons.join('\n')).toMatch(/were dropped because the concurrency cap/)
  })

  it('fidelity and the client − server gap: thresholds below what any real call costs fail with their reasons', async () => {
    const report = await runScenario(
      scenario({
        load: { arrival: { rate: 20 }, duration: '2s', warmup: '1s' },
        // A mocked call over loopback costs more than 1 µs beyond its drawn latency, and a
        // response more than 1 µs beyond the server's root span: these must fail.
        trust: { fidelity_p50_excess: '0.001ms', fidelity_p99_excess: '0.001ms', gap_p50: '0.001ms' },
      }),
    )
    expect(report.verdict).toBe('untrusted')
    const failed = report.trust.guards.filter((g) => !g.pass).map((g) => g.name)
    expect(failed).toEqual(
      expect.arrayContaining([
        'mock fidelity: excess p50 (worst dependency)',
        'mock fidelity: excess p99 (worst dependency)',
        'client − server gap p50',
      ]),
    )
    const reasons = report.trust.reasons.join('\n')
    expect(reasons).toMatch(/longer than the latency drawn for them at p50/)
    expect(reasons).toMatch(/longer at the client than the server's root span/)
  })
})
