// The capacity search end to end, on services whose limit is known by construction.
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../src/run/run-scenario.ts'

const fixed = (ms: number) => ({ latency: { fixed: `${ms}ms` } })
const base = {
  seed: 4,
  requests: [{ tenant: 'acme', api_key: 'key-acme', questions: { pool: 100000, distribution: 'unique' } }],
}

describe('capacity search', () => {
  it('finds the LLM provider token bucket rate R within ±10%, with R inside the interval', {
    timeout: 240_000,
    retry: 1,
  }, async () => {
    // The provider answers 429 above R = 50 req/s; with retries off every 429 is an
    // llm_generation error, so an error_rate budget of 1% breaks just above R and holds below it
    // (a uniform schedule never outruns a bucket refilled faster than it arrives). The bucket
    // holds 5: calls reaching the mock up to 100 ms bunched (the endpoint's own scheduling) pass,
    // and over a 13 s step (warm-up included) it lets through at most 5 / 13 ≈ 0.4 req/s above R.
    // Every other cost is small and fixed, far from the harness's ceiling (~700 req/s); `to`
    // keeps the highest step at 70 req/s. R was 100 (steps up to 140 req/s) until a full-suite
    // run, with other test files on the same two cores, left the 140 req/s step untrusted twice
    // (endpoint loop delay 57 ms) and the search rightly stopped at "instrument"; half the rates
    // ask the same question with half the CPU. The rates this visits (40, 70, then midpoints
    // near 50) follow from from/to/precision and the outcomes, not from a run.
    // Steps of 10 s: at the lowest rate (40 req/s) 400 spans, enough for a 0-error Clopper–Pearson
    // upper bound under 1% (368 needed).
    const R = 50
    const report = await runScenario(
      {
        ...base,
        name: 'known-capacity',
        load: { arrival: { rate: 10 }, duration: '1s', warmup: '500ms' },
        dependencies: {
          auth: fixed(2),
          embedding: fixed(5),
          vector_store: fixed(5),
          reranker: fixed(5),
          llm: { ...fixed(10), rate_limit: { rps: R, burst: 5, retry_after: '1s' } },
        },
        pipeline: { retries: { llm: { max: 0 } } },
        budgets: { llm_generation: { error_rate: '1%' } },
        capacity: { from: 40, to: 70, step_duration: '10s', warmup: '3s', precision: '10%' },
      },
      { findCapacity: true },
    )
    const capacity = report.capacity!
    // On failure, what each step saw (an untrusted step names its guard: a loaded machine).
    const seen = capacity.steps
      .map(
        (s) =>
          `${s.rate_rps} req/s ${s.verdict}: ${[...s.untrusted_reasons, ...s.budgets_failed.map((b) => `${b.target}.${b.metric}=${b.actual}`)].join('; ')}`,
      )
      .join('\n')
    expect(capacity.status).toBe('complete')
    expect(capacity.limited_by, seen).toEqual({ target: 'llm_generation', metric: 'error_rate' })
    const [lo, hi] = capacity.interval_rps
    expect(lo!).toBeLessThanOrEqual(R)
    expect(hi!).toBeGreaterThanOrEqual(R)
    expect(Math.abs(capacity.rate_rps! - R) / R).toBeLessThanOrEqual(0.1)
    expect(capacity.steps.every((s) => s.trusted)).toBe(true)
    // A step above R failed on the budget it should, a step at or below R passed.
    expect(capacity.steps.some((s) => s.rate_rps > R && s.verdict === 'fail')).toBe(true)
    expect(capacity.steps.some((s) => s.rate_rps <= R && s.verdict === 'pass')).toBe(true)
    // One retry: on the AMD EPYC VM (2026-12-02) a CI run saw the 70 req/s step's mocked llm
    // calls 20.6 and 21.5 ms over their drawn latency at p99, past the 20 ms fidelity guard, so
    // the search rightly answered "instrument" (the machine's scheduler floor reached 12-18 ms at
    // p99.9 that day; see README, "Performance of the harness"). The guard is not relaxed and
    // every assertion stands; a search that misses R twice in a row still fails.
  })

  it('says the instrument gave out when the driver cannot offer the load before any budget fails', async () => {
    // The driver's concurrency cap is the instrument's limit here: each request takes ≥ 100 ms
    // (fixed latencies), so one request in flight carries at most 10 req/s (Little's law), and a
    // step at 16 req/s (a send every 62.5 ms) must drop sends: the run is untrusted ("dropped
    // sends") while the generous budget still holds. That is the real limit of this driver
    // configuration, not a verdict made up for the test.
    const report = await runScenario(
      {
        ...base,
        name: 'instrument-limit',
        load: { arrival: { rate: 2, max_in_flight: 1 }, duration: '1s', warmup: '500ms' },
        dependencies: {
          auth: fixed(10),
          embedding: fixed(30),
          vector_store: fixed(20),
          reranker: fixed(20),
          llm: fixed(20),
        },
        budgets: { rag_pipeline: { p50: '5s' } },
        capacity: { from: 4, to: 64, step_duration: '2s', warmup: '2s' },
      },
      { findCapacity: true },
    )
    const capacity = report.capacity!
    expect(capacity.limited_by).toBe('instrument')
    expect(capacity.rate_rps).toBeNull()
    expect(capacity.steps.filter((s) => s.verdict === 'fail')).toEqual([])
    const last = capacity.steps.at(-1)!
    expect(last.verdict).toBe('untrusted')
    expect(capacity.instrument_ceiling_rps).toBe(last.rate_rps)
    // The search cannot get past 16 req/s; a lower step may already be untrusted on a busy
    // machine (a mock-fidelity tail over a few dozen calls), which is still the instrument.
    expect(last.rate_rps).toBeLessThanOrEqual(16)
    if (last.rate_rps === 16)
      expect(last.untrusted_reasons.join('\n')).toMatch(/dropped because the concurrency cap/)
  }, 120_000)
})
