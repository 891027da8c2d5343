// The overhead method proves itself: a calibration arm burns a known CPU cost per request, which
// the report's calibration must measure with the right magnitude; an identical arm must show no
// difference, and a generous budget line on it must pass. The report's figures are read as they
// are (not recomputed with compareArms) and checked against the trials by hand. With 10 paired
// rounds the sign-flip p-value of identical arms sits at its floor 2/1024 only when all 10 round
// differences have the same sign: 2 × 2⁻¹⁰ ≈ 0.2% of runs. CPU per request is adjusted for the
// mocks' CPU per request (CUPED); the adjustment is recomputed here by hand from the trials.
import { describe, expect, it } from 'vitest'
import { reportSchema } from '../../src/contract/report-schema.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

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
      budgets: { sampling_overhead: { cpu_per_request: '50%' } },
    })
    expect(reportSchema.safeParse(report).success).toBe(true)
    const overhead = report.overhead!
    expect(overhead.trials).toHaveLength(30)
    expect(overhead.arms.map((a) => a.label)).toEqual([
      'always_on',
      'always_on + 0 µs calibration',
      'always_on + 10000 µs calibration',
    ])
    const column = <T>(arm: number, of: (t: (typeof overhead.trials)[number]) => T): T[] =>
      Array.from({ length: 10 }, (_, i) => i).map((round) =>
        of(overhead.trials.find((t) => t.arm === arm && t.round === round)!),
      )
    const cpu = (arm: number) => column(arm, (t) => t.cpu_per_request_ms)
    const mocksCpu = (arm: number) => column(arm, (t) => t.mocks_cpu_per_request_ms ?? Number.NaN)
    for (const t of overhead.trials) {
      expect(t.completed).toBeGreaterThan(15)
      // Five mocked calls per request cost the mocks process well over 0.1 ms of CPU.
      expect(t.mocks_cpu_per_request_ms).toBeGreaterThan(0.1)
    }
    // The adjusted per-round differences: d − θ·c, θ the least-squares slope of d on c.
    const adjusted = (arm: number) => {
      const d = cpu(arm).map((v, i) => v - cpu(0)[i]!)
      const c = mocksCpu(arm).map((v, i) => v - mocksCpu(0)[i]!)
      const dMean = meanOf(d)
      const cMean = meanOf(c)
      const theta =
        d.reduce((sum, di, i) => sum + (di - dMean) * (c[i]! - cMean), 0) /
        c.reduce((sum, ci) => sum + (ci - cMean) ** 2, 0)
      return { theta, differences: d.map((di, i) => di - theta * c[i]!) }
    }

    const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
    // Everything below is read from the report (calibration, comparisons, verdicts) and checked
    // against what the trials give by hand: means, and the sign-flip p-value by enumeration.
    const injectedArm = 'always_on + 10000 µs calibration'
    const ownArm = 'always_on + 0 µs calibration'
    const cpuComparison = (arm: string) =>
      overhead.comparisons.find((c) => c.arm === arm && c.metric === 'cpu_per_request')!

    // 10 ms of CPU injected per request (about as much as the whole pipeline costs here, so the
    // check does not depend on a quiet machine); the magnitude must come out within a factor of 2.
    const [calibration] = overhead.calibration
    expect(overhead.calibration).toHaveLength(1)
    expect(calibration).toMatchObject({ arm: injectedArm, injected_ms: 10 })
    const injectedDifference = meanOf(adjusted(2).differences)
    expect(calibration!.measured_ms).toBeCloseTo(injectedDifference, 9)
    expect(calibration!.measured_ms).toBeGreaterThan(5)
    expect(calibration!.measured_ms).toBeLessThan(20)
    expect(calibration!.ci95_ms[0]).toBeGreaterThan(0)
    const injected = cpuComparison(injectedArm)
    expect(injected.n_arm).toBe(10)
    expect(injected.difference).toBeCloseTo(injectedDifference, 9)
    expect(injected.ratio).toBeCloseTo((meanOf(cpu(0)) + injectedDifference) / meanOf(cpu(0)), 9)
    expect(injected.p_value).toBe(signFlipByEnumeration(adjusted(2).differences))
    expect(injected.covariate).toMatchObject({ name: 'mocks_cpu_per_request' })
    expect(injected.covariate!.theta).toBeCloseTo(adjusted(2).theta, 9)
    // Unadjusted, the same 10 ms must show as well: the adjustment is not what finds it.
    expect(injected.covariate!.unadjusted_ci95[0]).toBeGreaterThan(0)

    // The identical arm: its p-value is exact over 2¹⁰ sign patterns and reaches its floor 2/1024
    // only when all 10 rounds differ in one direction (0.2% of runs when nothing differs).
    const none = cpuComparison(ownArm)
    expect(none.p_value).toBe(signFlipByEnumeration(adjusted(1).differences))
    expect(none.p_value).toBeGreaterThan(2 / 1024)

    // The budget line (the scenario's own sampler, always_on, against the baseline arm): a 50%
    // limit, far above any difference between identical arms, passes, and nothing is to settle.
    expect(overhead.verdicts).toEqual([
      { metric: 'cpu_per_request', limit: 0.5, arm: ownArm, verdict: 'pass', repeats_to_settle: null },
    ])
    expect(none.ci95[1]).toBeLessThan(0.5)
    const line = report.budgets.find((b) => b.target === 'sampling_overhead')!
    expect(line).toMatchObject({ metric: 'cpu_per_request', limit: 0.5, pass: true })

    expect(overhead.calibration.map((c) => c.injected_ms)).toEqual([10])
    expect(overhead.precision.some((p) => p.stage === 'rag_pipeline' && p.count > 0)).toBe(true)
  })
})

// Fisher's sign-flip test by enumeration: the share of the 2ⁿ sign patterns whose |sum| is at
// least the observed one.
function signFlipByEnumeration(differences: number[]): number {
  const observed = Math.abs(differences.reduce((a, b) => a + b, 0))
  let extreme = 0
  const patterns = 2 ** differences.length
  for (let mask = 0; mask < patterns; mask++) {
    const sum = differences.reduce((total, d, i) => total + ((mask >> i) & 1 ? -d : d), 0)
    if (Math.abs(sum) >= observed - 1e-12) extreme++
  }
  return extreme / patterns
}
