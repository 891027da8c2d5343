// The mocked dependencies as HTTP servers in their own process (mocks.transport: http, the
// default) against msw inside the endpoint (in-process), on the same fixed-latency scenario.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../src/run/run-scenario.ts'

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/good/open-fixed.yaml')
const FIXED_MS: Record<string, number> = {
  authentication: 5,
  embedding_generation: 20,
  vector_search: 10,
  rerank: 15,
  llm_generation: 30,
}

describe('mocks over HTTP (the default transport)', () => {
  // The bounds are the trust guards' defaults (what the harness claims of itself), not the
  // tighter figures issue 10 aimed for: those are benchmark figures (npm run bench, README).
  it('keeps mocked calls within the fidelity guards at low load and writes the split to the report', async () => {
    const report = await runScenario(FIXTURE)
    expect(report.arrangement).toMatch(/HTTP servers in 1 process/)
    expect(report.trust.mocks).toHaveLength(1)
    // Per mocked call (the guard's figures): span − drawn, worst dependency.
    for (const row of report.trust.fidelity) {
      expect(row.excess_p50_ms, row.dependency).toBeLessThanOrEqual(2.0)
      expect(row.excess_p99_ms, row.dependency).toBeLessThanOrEqual(20.0)
      // The split: the mock's own lateness and the transport's share, each at least zero and
      // adding up to no more than the whole excess at the median (each is a per-call quantile).
      expect(row.lateness_p50_ms, row.dependency).toBeTypeOf('number')
      expect(row.transport_p50_ms, row.dependency).toBeTypeOf('number')
      expect(row.lateness_p99_ms!, row.dependency).toBeLessThanOrEqual(row.excess_p99_ms + 0.01)
    }
    // Per stage: its floor is the fixed latency (never early), the excess over it the harness's.
    for (const [stage, fixedMs] of Object.entries(FIXED_MS)) {
      const stats = report.stages[stage]!
      expect(stats.min_ms, stage).toBeGreaterThanOrEqual(fixedMs)
      expect(stats.p50_ms - fixedMs, stage).toBeLessThanOrEqual(2.0)
    }
    expect(report.trust.verdict, report.trust.reasons.join('; ')).toBe('trusted')
  })

  it('ends the run as incomplete and untrusted when the mocks process dies mid-run', async () => {
    const report = await runScenario(FIXTURE, {
      durationMs: 30_000,
      onMocksStarted: (pids) => setTimeout(() => process.kill(pids[0]!, 'SIGKILL'), 2500),
    })
    expect(report.status).toBe('incomplete')
    expect(report.status_reason).toMatch(/mock servers process exited/)
    expect(report.verdict).toBe('untrusted')
    expect(report.duration_s).toBeLessThan(30)
  })
})

describe('mocks in-process (msw setupServer in the endpoint)', () => {
  it('still runs the same scenario, and says so', async () => {
    const report = await runScenario(FIXTURE, { durationMs: 3000, transport: 'in-process' })
    expect(report.arrangement).toMatch(/msw in-process/)
    expect(report.trust.mocks).toBeUndefined()
    expect(report.overrides['mocks.transport']).toBe('in-process')
    expect(report.accounting.ok).toBe(true)
    for (const [stage, fixedMs] of Object.entries(FIXED_MS)) {
      expect(report.stages[stage]!.min_ms, stage).toBeGreaterThanOrEqual(fixedMs)
    }
    expect(report.trust.fidelity.map((row) => row.dependency).sort()).toEqual([
      'auth',
      'embedding',
      'llm',
      'reranker',
      'vector_store',
    ])
  })
})
