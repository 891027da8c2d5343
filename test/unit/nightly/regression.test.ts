import { describe, expect, it } from 'vitest'
import type { Fingerprint } from '../../../src/environment.ts'
import { measureDetection, measureFalseAlarms } from '../../../src/nightly/calibration.ts'
import {
  compareRuns,
  DEFAULT_DETECTION,
  detectRegressions,
  formatChange,
  formatValue,
  predictionMultiplier,
  selectHistory,
} from '../../../src/nightly/regression.ts'
import type { Metric, RunSnapshot } from '../../../src/nightly/run-snapshot.ts'
import {
  baselineLikeSpecs,
  SYNTHETIC_FINGERPRINT,
  syntheticNights,
} from '../../../src/nightly/synthetic-history.ts'
import {
  binomialCriticalCounts,
  studentTQuantileUpper,
  studentTUpperTail,
  tailProbability,
} from '../../../src/stats/distributions.ts'

const DAY = 86_400_000

function metric(key: string, value: number, overrides: Partial<Metric> = {}): Metric {
  const [stage, name] = key.split(' ') as [string, Metric['metric']]
  return {
    key,
    stage: stage === 'throughput' ? null : stage,
    metric: name,
    unit: name === 'rps' ? 'req/s' : name === 'error_rate' ? 'ratio' : 'ms',
    better: name === 'rps' ? 'higher' : 'lower',
    value,
    count: name === 'rps' ? null : 200,
    ...overrides,
  }
}

function run(night: number, metrics: Metric[], overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    scenario: 'baseline',
    startedAt: new Date(Date.UTC(2026, 0, 1) + night * DAY).toISOString(),
    fingerprint: SYNTHETIC_FINGERPRINT,
    workload: 'connections=16',
    synthetic: false,
    metrics: Object.fromEntries(metrics.map((m) => [m.key, m])),
    ...overrides,
  }
}

// A quiet history: vector_search p95 alternating 49/50/51 ms.
function quietHistory(nights: number): RunSnapshot[] {
  return Array.from({ length: nights }, (_, i) => run(i, [metric('vector_search p95', 50 + ((i % 3) - 1))]))
}

const measured = (seed: number) => baselineLikeSpecs(seed, 'measured')

describe('detectRegressions on synthetic histories', () => {
  it('cries wolf on no more than 3% of nights of unchanged noise (measured CVs; calibration: 1.3%)', () => {
    const result = measureFalseAlarms({ specs: measured, histories: 20, nights: 100, seed: 7 })
    expect(result.nightsJudged).toBe(20 * 95)
    expect(result.perNight).toBeLessThanOrEqual(0.03)
    expect(result.perMetric).toBeLessThan(0.002)
  })

  it('stays within 5% of nights even at CV 5–10% on every metric (calibration: 2.4%)', () => {
    const result = measureFalseAlarms({
      specs: (seed) => baselineLikeSpecs(seed, [0.05, 0.1]),
      histories: 20,
      nights: 100,
      seed: 8,
    })
    expect(result.perNight).toBeLessThanOrEqual(0.05)
  })

  it('catches a 10% slowdown of one stage on its first night in at least 90% of trials (measured CVs)', () => {
    const trials = { specs: measured, stage: 'vector_search', cleanNights: 20, trials: 40, seed: 9 }
    const result = measureDetection({ ...trials, factor: 1.1 })
    expect(result.firstNight).toBeGreaterThanOrEqual(0.9)
    // The control: the same trials with no slowdown. Whatever is "caught" then is a false alarm,
    // bounded above at 3% of nights, so the catches above come from the slowdown.
    const control = measureDetection({ ...trials, factor: 1 })
    expect(control.firstNight).toBeLessThanOrEqual(0.03)
  })

  it('reports the slowed stage with its magnitude, baseline and evidence', () => {
    const runs = syntheticNights({
      specs: baselineLikeSpecs(3, 0.01),
      nights: 21,
      seed: 3,
      slowdown: { stage: 'rerank', factor: 1.1, fromNight: 20 },
    })
    const detection = detectRegressions(runs[20]!, runs.slice(0, 20))
    expect(detection.status).toBe('regression')
    const regressions = detection.findings.filter((f) => f.status === 'regression')
    expect(regressions.length).toBeGreaterThan(0)
    expect(regressions.every((f) => f.stage === 'rerank')).toBe(true)
    const p95 = detection.findings.find((f) => f.key === 'rerank p95')!
    expect(p95.status).toBe('regression')
    expect(p95.baseline!.n).toBe(20)
    expect(p95.baseline!.method).toBe('median-mad')
    expect(p95.change!.relative!).toBeGreaterThan(0.05)
    expect(p95.change!.relative!).toBeLessThan(0.2)
    expect(p95.current).toBeGreaterThan(p95.baseline!.high)
    expect(p95.evidence).toMatch(
      /vs median .* of 20 runs \(20 synthetic\), spread ±.*%; change \+.* ms \(\+\d+\.\d%\), band/,
    )
  })

  it('reports an improvement symmetrically', () => {
    const history = quietHistory(20)
    const detection = detectRegressions(run(20, [metric('vector_search p95', 40)]), history)
    expect(detection.status).toBe('improvement')
    expect(detection.findings[0]!.status).toBe('improvement')
    expect(detection.findings[0]!.change!.absolute).toBeCloseTo(-10)
    expect(detection.findings[0]!.change!.relative).toBeCloseTo(-0.2)
  })

  it('with fewer than 5 earlier runs says "insufficient history" and never alarms, however large the change', () => {
    const history = quietHistory(4)
    const detection = detectRegressions(run(4, [metric('vector_search p95', 500)]), history)
    expect(detection.status).toBe('insufficient-history')
    expect(detection.findings[0]!.status).toBe('insufficient-history')
    expect(detection.findings[0]!.evidence).toBe('500 ms: only 4 runs to compare with, 5 needed')
    expect(detection.history.used).toBe(4)
  })

  it('judges from the 5th run on, with a band wider than k·σ while the history is short', () => {
    const history = quietHistory(5)
    const detection = detectRegressions(run(5, [metric('vector_search p95', 500)]), history)
    expect(detection.status).toBe('regression')
    expect(detection.findings[0]!.baseline!.multiplier!).toBeGreaterThan(DEFAULT_DETECTION.k)
  })

  it('ignores changes inside the 5% floor even when the history has no spread at all', () => {
    const flat = Array.from({ length: 10 }, (_, i) => run(i, [metric('llm_generation p95', 1000)]))
    expect(detectRegressions(run(10, [metric('llm_generation p95', 1040)]), flat).status).toBe('unchanged')
    expect(detectRegressions(run(10, [metric('llm_generation p95', 1060)]), flat).status).toBe('regression')
  })

  it('treats lower throughput as the bad direction', () => {
    const history = Array.from({ length: 10 }, (_, i) => run(i, [metric('throughput rps', 100 + (i % 2))]))
    expect(detectRegressions(run(10, [metric('throughput rps', 80)]), history).status).toBe('regression')
    expect(detectRegressions(run(10, [metric('throughput rps', 120)]), history).status).toBe('improvement')
  })

  it('tests error rates as counts against the pooled rate of the window', () => {
    // 20 nights of 200 spans at 0.5% errors (one error a night).
    const history = Array.from({ length: 20 }, (_, i) => run(i, [metric('rag_pipeline error_rate', 0.005)]))
    const at = (rate: number) =>
      detectRegressions(run(20, [metric('rag_pipeline error_rate', rate)]), history)
    expect(at(0.01).findings[0]!.status).toBe('unchanged') // 2 errors: well within chance
    expect(at(0.05).findings[0]!.status).toBe('regression') // 10 errors
    expect(at(0.05).findings[0]!.baseline).toMatchObject({ method: 'pooled-binomial', median: 0.005, n: 20 })
  })

  it('does not judge a stage with too few spans in the current run', () => {
    const detection = detectRegressions(
      run(20, [metric('vector_search p95', 500, { count: 5 })]),
      quietHistory(20),
    )
    expect(detection.findings[0]!.status).toBe('too-few-samples')
    expect(detection.status).toBe('insufficient-history')
  })

  it('leaves out history from another machine fingerprint and says what differs', () => {
    const other: Fingerprint = { ...SYNTHETIC_FINGERPRINT, nodeMajor: 20, cpus: 4 }
    const history = quietHistory(20).map((r) => ({ ...r, fingerprint: other }))
    const detection = detectRegressions(run(20, [metric('vector_search p95', 500)]), history)
    expect(detection.history).toMatchObject({ used: 0, excludedFingerprint: 20 })
    expect(detection.status).toBe('insufficient-history')
    expect(detection.fingerprintMismatch).toEqual(['cores 4 → 2', 'Node 20 → 22'])
  })

  it('leaves out runs with another workload (connections, seed, sampler) on the same machine', () => {
    const history = quietHistory(20).map((r) => ({ ...r, workload: 'connections=64' }))
    const detection = detectRegressions(run(20, [metric('vector_search p95', 500)]), history)
    expect(detection.history).toMatchObject({ used: 0, excludedWorkload: 20, excludedFingerprint: 0 })
  })

  it('uses only the last `window` comparable runs, never later ones', () => {
    const old = Array.from({ length: 30 }, (_, i) => run(i, [metric('vector_search p95', i < 10 ? 100 : 50)]))
    const later = run(40, [metric('vector_search p95', 1)])
    const detection = detectRegressions(run(30, [metric('vector_search p95', 50)]), [...old, later])
    expect(detection.history.used).toBe(20)
    expect(detection.findings[0]!.baseline!.median).toBeCloseTo(50)
    expect(detection.status).toBe('unchanged')
  })
})

describe('compareRuns (two single runs)', () => {
  it('decides by the floors alone and says so', () => {
    const before = run(0, [metric('rerank p95', 100)])
    expect(compareRuns(before, run(1, [metric('rerank p95', 104)])).status).toBe('unchanged')
    const worse = compareRuns(before, run(1, [metric('rerank p95', 106)]))
    expect(worse.status).toBe('regression')
    expect(worse.method).toBe('single-run')
    expect(worse.findings[0]!.evidence).toContain('one run: no noise band, floors only')
  })

  it('flags a fingerprint mismatch instead of refusing', () => {
    const before = run(0, [metric('rerank p95', 100)], {
      fingerprint: { ...SYNTHETIC_FINGERPRINT, harnessVersion: '0.0.9' },
    })
    const detection = compareRuns(before, run(1, [metric('rerank p95', 100)]))
    expect(detection.fingerprintMismatch).toEqual(['harness 0.0.9 → 0.0.0-synthetic'])
  })
})

describe('the distributions behind the bands', () => {
  it.each([
    { alpha: 0.025, nu: 4, t: 2.776 },
    { alpha: 0.005, nu: 10, t: 3.169 },
    { alpha: 0.025, nu: 1, t: 12.706 },
    { alpha: 0.001, nu: 30, t: 3.385 },
  ])('Student t upper quantile at $alpha with $nu df is $t', ({ alpha, nu, t }) => {
    expect(studentTQuantileUpper(alpha, nu)).toBeCloseTo(t, 2)
  })

  it('Φ(−3) is 0.00135', () => {
    expect(tailProbability(3)).toBeCloseTo(0.00135, 5)
  })

  // Computed once with SciPy 1.17.1 (another implementation of the same definitions):
  //   t.isf(norm.sf(3), 0.3675 * (n - 1)) * sqrt(1 + pi / (2 * n))
  it.each([
    { n: 5, value: 52.38300974101592 },
    { n: 10, value: 8.738849164410253 },
    { n: 20, value: 4.710016377113916 },
    { n: 50, value: 3.529412947378172 },
  ])('predictionMultiplier(3, $n) is $value (SciPy)', ({ n, value }) => {
    // Relative: Φ(−k) comes from simple-statistics' errorFunction (Numerical Recipes' erfc
    // approximation, fractional error < 1.2e-7), which carries into the t quantile.
    expect(Math.abs(predictionMultiplier(3, n) / value - 1)).toBeLessThan(1e-6)
  })

  it('has no band with fewer than two past values', () => {
    expect(predictionMultiplier(3, 1)).toBe(Number.POSITIVE_INFINITY)
    expect(predictionMultiplier(3, 0)).toBe(Number.POSITIVE_INFINITY)
  })

  it('Φ(−3) to full precision and a t quantile at fractional degrees of freedom (SciPy)', () => {
    // norm.sf(3) and t.isf(0.01, 2.5), SciPy 1.17.1.
    expect(Math.abs(tailProbability(3) / 0.0013498980316300933 - 1)).toBeLessThan(1.2e-7)
    expect(studentTQuantileUpper(0.01, 2.5)).toBeCloseTo(5.353111173030874, 6)
  })

  // Critical counts from SciPy 1.17.1's binom.sf / binom.cdf (exact sums), for the exact branch
  // (variance n·p·(1 − p) ≤ 25).
  it.each([
    { n: 200, p: 0.01, alpha: 0.001, low: -1, high: 9 },
    { n: 50, p: 0.2, alpha: 0.01, low: 3, high: 18 },
    { n: 1000, p: 0.005, alpha: 0.001, low: -1, high: 14 },
  ])(
    'binomial critical counts for n=$n, p=$p, α=$alpha are $low and $high (SciPy)',
    ({ n, p, alpha, low, high }) => {
      expect(binomialCriticalCounts(n, p, alpha)).toEqual({ low, high })
    },
  )

  it('widens the band for short histories and tends to k as the history grows', () => {
    const values = [5, 10, 20, 50, 200, 5000].map((n) => predictionMultiplier(3, n))
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!)
    expect(values.at(-1)!).toBeCloseTo(3, 1)
  })

  it('finds exact binomial critical counts', () => {
    const n = 200
    const p = 0.01
    const alpha = 0.001
    const { low, high } = binomialCriticalCounts(n, p, alpha)
    let pmf = (1 - p) ** n
    let cdf = 0
    const cdfs: number[] = []
    for (let x = 0; x <= n; x++) {
      cdf += pmf
      cdfs.push(cdf)
      pmf *= ((n - x) / (x + 1)) * (p / (1 - p))
    }
    expect(1 - cdfs[high - 1]!).toBeLessThanOrEqual(alpha)
    expect(1 - cdfs[high - 2]!).toBeGreaterThan(alpha)
    expect(low).toBe(-1) // even 0 errors is not that unlikely at an expected 2
  })
})

describe('selectHistory', () => {
  const current = run(10, [metric('vector_search p95', 50)])
  const otherMachine = { ...SYNTHETIC_FINGERPRINT, cpuModel: 'another CPU' }

  it('keeps earlier runs of the scenario on the same machine and workload, oldest first, the last `window`', () => {
    const history = [
      run(5, []),
      run(2, []),
      run(12, []), // later than the current run
      run(10, []), // same time: not earlier
      run(3, [], { scenario: 'cold-cache' }),
      run(4, [], { fingerprint: otherMachine }),
      run(1, [], { workload: 'connections=32' }),
      run(7, []),
      run(6, []),
    ]
    const { used, excludedFingerprint, excludedWorkload } = selectHistory(current, history, 3)
    const nights = (runs: RunSnapshot[]) => runs.map((r) => new Date(r.startedAt).getUTCDate() - 1)
    expect(nights(used)).toEqual([5, 6, 7])
    expect(nights(selectHistory(current, history, 20).used)).toEqual([2, 5, 6, 7])
    expect(nights(excludedFingerprint)).toEqual([4])
    expect(nights(excludedWorkload)).toEqual([1])
  })
})

describe('detectRegressions: what it counts and leaves out', () => {
  it('counts used, synthetic and excluded runs and names how the newest excluded machine differs', () => {
    const past = quietHistory(8).map((r, i) => ({ ...r, synthetic: i < 3 }))
    const elsewhere = run(8.5, [metric('vector_search p95', 50)], {
      fingerprint: { ...SYNTHETIC_FINGERPRINT, harnessVersion: '0.0.9' },
    })
    const otherLoad = run(8.6, [metric('vector_search p95', 50)], { workload: 'connections=64' })
    const detection = detectRegressions(run(9, [metric('vector_search p95', 50)]), [
      ...past,
      elsewhere,
      otherLoad,
    ])
    expect(detection.method).toBe('history')
    expect(detection.history).toEqual({ used: 8, synthetic: 3, excludedFingerprint: 1, excludedWorkload: 1 })
    expect(detection.fingerprintMismatch).toEqual(['harness 0.0.9 → 0.0.0-synthetic'])
    expect(detection.findings[0]!.baseline).toMatchObject({
      method: 'median-mad',
      n: 8,
      synthetic: 3,
      first: past[0]!.startedAt,
      last: past[7]!.startedAt,
    })
    expect(detectRegressions(run(9, [metric('vector_search p95', 50)]), past).fingerprintMismatch).toEqual([])
  })

  it('leaves out past runs whose value is missing, from too few spans, or 0 ms (no log)', () => {
    const past = [
      ...quietHistory(5),
      run(5.1, []),
      run(5.2, [metric('vector_search p95', 50, { count: 3 })]),
      run(5.3, [metric('vector_search p95', 0)]),
    ]
    const finding = detectRegressions(run(9, [metric('vector_search p95', 50)]), past).findings[0]!
    expect(finding.baseline!.n).toBe(5)
    // A current value from too few spans is not judged at all.
    const thin = detectRegressions(run(9, [metric('vector_search p95', 500, { count: 3 })]), past)
      .findings[0]!
    expect(thin.status).toBe('too-few-samples')
    expect(thin.evidence).toMatch(/from fewer than \d+ spans: not judged/)
  })
})

describe('binomialCriticalCounts, normal approximation (variance > 25)', () => {
  // n·p·(1−p) = 10000 · 0.01 · 0.99 = 99: np ± z·sd ± ½ with z = z(0.001) = 3.0902323 (Φ⁻¹,
  // A&S table 26.1) and sd = √99: 100 ∓ 30.748 ∓ 0.5 → 68 and 132.
  it('bounds the count at np ± z·√(np(1 − p)) with a continuity correction', () => {
    expect(binomialCriticalCounts(10_000, 0.01, 0.001)).toEqual({ low: 68, high: 132 })
  })
})

describe('formatChange and formatValue', () => {
  it.each([
    [{ change: { absolute: 12.5, relative: 0.25 }, unit: 'ms' as const }, '+12.5 ms (+25.0%)'],
    [{ change: { absolute: -150, relative: -0.1 }, unit: 'ms' as const }, '−150 ms (−10.0%)'],
    [{ change: { absolute: 0.5, relative: -0 }, unit: 'req/s' as const }, '+0.50 req/s (+0.0%)'],
    [{ change: { absolute: 0.012, relative: null }, unit: 'ratio' as const }, '+1.20 pp (from 0)'],
    [{ change: { absolute: 0, relative: 0 }, unit: 'ms' as const }, '±0.00 ms (±0.0%)'],
    [{ change: null, unit: 'ms' as const }, '—'],
  ])('%o → %s', (finding, text) => {
    expect(formatChange(finding)).toBe(text)
  })

  it('formats values with digits by magnitude, ratios as percentages', () => {
    expect([formatValue(123.4, 'ms'), formatValue(12.34, 'ms'), formatValue(1.234, 'ms')]).toEqual([
      '123 ms',
      '12.3 ms',
      '1.23 ms',
    ])
    expect(formatValue(0.0123, 'ratio')).toBe('1.23%')
  })
})

describe('the Student t tail for large t (the incomplete beta’s other branch)', () => {
  // scipy.stats.t.sf(t, ν), SciPy 1.17.1.
  it.each([
    { t: 0.5, nu: 3, p: 0.3257239824240755 },
    { t: 0.1, nu: 30, p: 0.4605048058951356 },
    { t: 2, nu: 5, p: 0.050969739414929174 },
  ])('P(T > $t) with $nu df is $p', ({ t, nu, p }) => {
    expect(studentTUpperTail(t, nu)).toBeCloseTo(p, 9)
  })
})
