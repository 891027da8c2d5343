import { describe, expect, it } from 'vitest'
import {
  type ArrivalScheduleOptions,
  createArrivalSchedule,
  resolveStages,
} from '../../../src/load/arrival-schedule.ts'

function times(options: Partial<ArrivalScheduleOptions> & { durationMs: number }): number[] {
  return [...createArrivalSchedule({ distribution: 'uniform', seed: 1, ...options })]
}

function gapsOf(values: number[]): number[] {
  return values.slice(1).map((t, i) => t - values[i]!)
}

// Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)| of a sample against a continuous CDF.
function ksStatistic(sample: number[], cdf: (x: number) => number): number {
  const sorted = [...sample].sort((a, b) => a - b)
  const n = sorted.length
  let d = 0
  sorted.forEach((x, i) => {
    const f = cdf(x)
    d = Math.max(d, (i + 1) / n - f, f - i / n)
  })
  return d
}

// Critical value of D at α = 0.01 for large n (Smirnov's asymptotic 1.628/√n).
const ksCritical = (n: number) => 1.628 / Math.sqrt(n)

describe('createArrivalSchedule', () => {
  it('spaces a constant uniform rate evenly from 0', () => {
    const result = times({ ratePerSec: 50, durationMs: 2000 })
    expect(result).toHaveLength(100)
    result.forEach((t, i) => {
      expect(t).toBeCloseTo(i * 20, 9)
    })
  })

  it.each([
    {
      name: 'steps at stage boundaries',
      stages: [
        { ratePerSec: 10, durationMs: 1000 },
        { ratePerSec: 100, durationMs: 500 },
      ],
      durationMs: 1500,
      counts: [10, 50],
      firstOfSecond: 1000,
    },
    {
      name: 'holds the last rate when the stages end early',
      stages: [{ ratePerSec: 10, durationMs: 500 }],
      durationMs: 1000,
      counts: [5, 5],
      firstOfSecond: 500,
    },
    {
      name: 'cuts stages off at the duration',
      stages: [
        { ratePerSec: 10, durationMs: 1000 },
        { ratePerSec: 100, durationMs: 1000 },
      ],
      durationMs: 1200,
      counts: [10, 20],
      firstOfSecond: 1000,
    },
    {
      name: 'sends nothing during a zero-rate stage',
      stages: [
        { ratePerSec: 0, durationMs: 500 },
        { ratePerSec: 10, durationMs: 500 },
      ],
      durationMs: 1000,
      counts: [0, 5],
      firstOfSecond: 500,
    },
  ])('uniform stages: $name', ({ stages, durationMs, counts, firstOfSecond }) => {
    const result = times({ stages, durationMs })
    const boundary = stages[0]!.durationMs
    expect(result.filter((t) => t < boundary)).toHaveLength(counts[0]!)
    expect(result.filter((t) => t >= boundary)).toHaveLength(counts[1]!)
    expect(result.find((t) => t >= boundary)).toBe(firstOfSecond)
    expect(Math.max(...result)).toBeLessThan(durationMs)
    // Never out of order.
    for (const gap of gapsOf(result)) expect(gap).toBeGreaterThan(0)
  })

  it('draws Poisson gaps that pass a Kolmogorov–Smirnov test against the exponential', () => {
    const ratePerSec = 100
    const result = times({ ratePerSec, durationMs: 30_000, distribution: 'poisson', seed: 2024 })
    const gaps = gapsOf(result)
    expect(gaps.length).toBeGreaterThan(2500)
    const exponential = (x: number) => 1 - Math.exp((-ratePerSec * x) / 1000)
    expect(ksStatistic(gaps, exponential)).toBeLessThan(ksCritical(gaps.length))
    // The same check rejects evenly spaced arrivals, and exponential gaps of the wrong rate.
    const even = gapsOf(times({ ratePerSec, durationMs: 30_000 }))
    expect(ksStatistic(even, exponential)).toBeGreaterThan(ksCritical(even.length))
    const wrongRate = (x: number) => 1 - Math.exp((-ratePerSec * 1.1 * x) / 1000)
    expect(ksStatistic(gaps, wrongRate)).toBeGreaterThan(ksCritical(gaps.length))
  })

  it('gives each Poisson stage its rate (counts within 4 standard deviations)', () => {
    const result = times({
      stages: [
        { ratePerSec: 20, durationMs: 10_000 },
        { ratePerSec: 200, durationMs: 10_000 },
      ],
      durationMs: 20_000,
      distribution: 'poisson',
      seed: 7,
    })
    const first = result.filter((t) => t < 10_000).length
    const second = result.length - first
    expect(Math.abs(first - 200)).toBeLessThan(4 * Math.sqrt(200))
    expect(Math.abs(second - 2000)).toBeLessThan(4 * Math.sqrt(2000))
    expect(Math.max(...result)).toBeLessThan(20_000)
  })

  it('is reproducible from its seed', () => {
    const schedule = (seed: number) =>
      times({ ratePerSec: 50, durationMs: 2000, distribution: 'poisson', seed })
    expect(schedule(3)).toEqual(schedule(3))
    expect(schedule(3)).not.toEqual(schedule(4))
  })

  it('refuses a schedule with neither rate nor stages', () => {
    expect(() => times({ durationMs: 1000 })).toThrow('Failed to build the arrival schedule')
  })

  it('says which was missing, and refuses a stage with a negative, NaN or infinite rate or duration', () => {
    expect(() => times({ durationMs: 1000 })).toThrow(
      'Failed to build the arrival schedule: neither a rate nor stages were given. Set arrival.rate or arrival.stages.',
    )
    for (const stage of [
      { ratePerSec: -1, durationMs: 100 },
      { ratePerSec: Number.NaN, durationMs: 100 },
      { ratePerSec: Number.POSITIVE_INFINITY, durationMs: 100 },
      { ratePerSec: 10, durationMs: -1 },
      { ratePerSec: 10, durationMs: Number.NaN },
    ]) {
      expect(() => times({ stages: [{ ratePerSec: 10, durationMs: 100 }, stage], durationMs: 1000 })).toThrow(
        `Failed to build the arrival schedule: stage ${JSON.stringify(stage)} needs a rate ≥ 0 and a duration ≥ 0. Fix the stage.`,
      )
    }
    expect(() => times({ stages: [{ ratePerSec: 0, durationMs: 0 }], durationMs: 10 })).not.toThrow()
  })

  it('lays the stages out as windows covering exactly [0, duration): cut off, extended, empty ones left out', () => {
    const stage = (ratePerSec: number, durationMs: number) => ({ ratePerSec, durationMs })
    expect(resolveStages({ ratePerSec: 5, durationMs: 1000 })).toEqual([
      { startMs: 0, endMs: 1000, ratePerSec: 5 },
    ])
    // A zero-length stage gives no window; the last rate holds until the end.
    expect(resolveStages({ stages: [stage(1, 100), stage(2, 0), stage(3, 200)], durationMs: 500 })).toEqual([
      { startMs: 0, endMs: 100, ratePerSec: 1 },
      { startMs: 100, endMs: 300, ratePerSec: 3 },
      { startMs: 300, endMs: 500, ratePerSec: 3 },
    ])
    // Stages beyond the duration are cut off; a schedule that ends exactly on a boundary gets no
    // empty window after it.
    expect(resolveStages({ stages: [stage(1, 100), stage(2, 100), stage(3, 100)], durationMs: 150 })).toEqual(
      [
        { startMs: 0, endMs: 100, ratePerSec: 1 },
        { startMs: 100, endMs: 150, ratePerSec: 2 },
      ],
    )
    expect(resolveStages({ stages: [stage(1, 100), stage(2, 100)], durationMs: 200 })).toEqual([
      { startMs: 0, endMs: 100, ratePerSec: 1 },
      { startMs: 100, endMs: 200, ratePerSec: 2 },
    ])
  })

  it('draws Poisson times that start after 0, increase, stay inside their windows and skip a zero-rate stage', () => {
    const result = times({
      stages: [
        { ratePerSec: 200, durationMs: 500 },
        { ratePerSec: 0, durationMs: 500 },
        { ratePerSec: 200, durationMs: 500 },
      ],
      durationMs: 1500,
      distribution: 'poisson',
      seed: 9,
    })
    expect(result.length).toBeGreaterThan(100)
    expect(result[0]!).toBeGreaterThan(0)
    for (const gap of gapsOf(result)) expect(gap).toBeGreaterThan(0)
    expect(result.at(-1)!).toBeLessThan(1500)
    expect(result.filter((t) => t >= 500 && t < 1000)).toEqual([])
  })

  it('carries the remaining intensity across a stage boundary (time rescaling): two equal stages are one', () => {
    // A unit-exponential spent against Λ(t) does not care where a stage boundary falls, so the
    // same seed gives the same times with or without a boundary at 400 ms.
    const one = times({ ratePerSec: 50, durationMs: 1000, distribution: 'poisson', seed: 12 })
    const two = times({
      stages: [
        { ratePerSec: 50, durationMs: 400 },
        { ratePerSec: 50, durationMs: 600 },
      ],
      durationMs: 1000,
      distribution: 'poisson',
      seed: 12,
    })
    expect(two).toHaveLength(one.length)
    two.forEach((t, i) => {
      expect(t).toBeCloseTo(one[i]!, 9)
    })
  })
})
