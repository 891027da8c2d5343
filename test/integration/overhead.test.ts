// The overhead method proves itself: a calibration arm burns a known CPU cost per request, which
// must be measured with the right magnitude; an identical arm must show no difference. Stricter
// intervals (99.9%) are used in the assertions so that a correct method fails this test far less
// often than 1 run in 20 (a 95% interval misses a true value 1 time in 20 by design). With 10
// paired rounds the 99.9% interval excludes 0 for identical arms essentially only when all 10
// round differences have the same sign: 2 × 2⁻¹⁰ ≈ 0.2% of runs.
import { describe, expect, it } from 'vitest'
import { reportSchema } from '../../src/report/report-schema.ts'
import { runScenario } from '../../src/run/run-scenario.ts'
import { compareArms } from '../../src/stats/compare-arms.ts'

const fixed = (ms: number) => ({ latency: { fixed: `${ms}ms` } })

describe('the overhead self-check', () => {
  it('measures a known injected CPU cost with the right magnitude and finds none where none was injected', async () => {
    const report = await runScenario({
      name: 'overhead-calibration',
      seed: 4,
      load: { arrival: { rate: 20 }, duration: '2s', warmup: '1s' },
      requests: [{ tenant: 'acme', api_key: 'key-acme', questions: { pool: 1000, distribution: 'zipf' } }],
      dependencies: {
        auth: fixed(2),
        embedding: fixed(10),
        vector_store: fixed(5),
        reranker: fixed(5),
        llm: fixed(20),
      },
      overhead: {
        arms: ['always_on', { calibration_us: 0 }, { calibration_us: 10000 }],
        repeats: 10,
        trial: '1500ms',
        warmup: '3s',
        rate: 25,
      },
    })
    expect(reportSchema.safeParse(report).success).toBe(true)
    const overhead = report.overhead!
    expect(overhead.trials).toHaveLength(30)
    expect(overhead.arms.map((a) => a.label)).toEqual([
      'always_on',
      'always_on + 0 µs calibration',
      'always_on + 10000 µs calibration',
    ])
    const cpu = (arm: number) =>
      Array.from({ length: 10 }, (_, i) => i).map(
        (round) => overhead.trials.find((t) => t.arm === arm && t.round === round)!.cpu_per_request_ms,
      )
    for (const t of overhead.trials) expect(t.completed).toBeGreaterThan(15)

    const injected = compareArms(cpu(2), cpu(0), { seed: 1, level: 0.999, paired: true })
    // 10 ms of CPU injected per request (about as much as the whole pipeline costs here, so the
    // check does not depend on a quiet machine); the magnitude must come out within a factor of 2.
    expect(injected.difference).toBeGreaterThan(5)
    expect(injected.difference).toBeLessThan(20)
    expect(injected.difference_ci95[0]).toBeGreaterThan(0)

    const none = compareArms(cpu(1), cpu(0), { seed: 1, level: 0.999, paired: true })
    expect(none.difference_ci95[0]).toBeLessThanOrEqual(0)
    expect(none.difference_ci95[1]).toBeGreaterThanOrEqual(0)

    expect(overhead.calibration.map((c) => c.injected_ms)).toEqual([10])
    expect(overhead.precision.some((p) => p.stage === 'rag_pipeline' && p.count > 0)).toBe(true)
  })
})
