import { quantileSorted } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { DurationRecorder, summarizeDurations } from '../../../src/stats/stage-stats.ts'

describe('summarizeDurations', () => {
  it('computes count, errors, min, mean, max and type-7 (interpolated) quantiles', () => {
    const stats = summarizeDurations([5, 1, 4, 2, 3], 2)
    expect(stats).toEqual({
      count: 5,
      error_count: 2,
      min_ms: 1,
      mean_ms: 3,
      p50_ms: 3,
      p90_ms: 4.6, // h = 4·0.9 = 3.6 → 4 + 0.6·(5 − 4)
      p95_ms: 4.8,
      p99_ms: expect.closeTo(4.96, 12),
      p999_ms: expect.closeTo(4.996, 12),
      max_ms: 5,
    })
  })

  it('interpolates between the two closest ranks rather than picking one', () => {
    // h = (2 − 1)·0.5 = 0.5 → halfway between 10 and 20; nearest rank would give 10.
    expect(summarizeDurations([20, 10], 0).p50_ms).toBe(15)
  })

  it('does not mutate its input', () => {
    const input = [3, 1, 2]
    const typed = Float64Array.of(3, 1, 2)
    summarizeDurations(input, 0)
    summarizeDurations(typed, 0)
    expect(input).toEqual([3, 1, 2])
    expect(Array.from(typed)).toEqual([3, 1, 2])
  })

  it('gives zeros and count 0 for an empty stage, keeping its error count', () => {
    const stats = summarizeDurations([], 3)
    expect(stats.count).toBe(0)
    expect(stats.error_count).toBe(3)
    for (const [key, value] of Object.entries(stats)) {
      if (key !== 'error_count') expect(value, key).toBe(0)
    }
  })

  it('agrees with simple-statistics on a Float64Array', () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 1001) / 10)
    const sorted = Array.from(values).sort((a, b) => a - b)
    const stats = summarizeDurations(values, 0)
    expect(stats.p99_ms).toBe(quantileSorted(sorted, 0.99))
    expect(stats.p999_ms).toBe(quantileSorted(sorted, 0.999))
    expect(stats.min_ms).toBe(0)
    expect(stats.max_ms).toBe(100)
  })

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])(
    'rejects a non-finite duration (%s)',
    (bad) => {
      expect(() => summarizeDurations([1, bad, 2], 0)).toThrow(/^Failed to summarise durations/)
    },
  )
})

describe('DurationRecorder', () => {
  it('grows by doubling and keeps every value in order', () => {
    const recorder = new DurationRecorder(2)
    for (let i = 0; i < 1000; i++) recorder.record(i / 2)
    expect(recorder.count).toBe(1000)
    expect(recorder.capacityBytes).toBe(1024 * 8)
    const values = recorder.values()
    expect(values.length).toBe(1000)
    expect(values[0]).toBe(0)
    expect(values[999]).toBe(499.5)
  })

  it('returns a view that later records do not change', () => {
    const recorder = new DurationRecorder(4)
    recorder.record(1)
    recorder.record(2)
    const before = recorder.values()
    recorder.record(3)
    for (let i = 0; i < 10; i++) recorder.record(100)
    expect(Array.from(before)).toEqual([1, 2])
    expect(recorder.values().length).toBe(13)
  })

  it('summarizes what it holds', () => {
    const recorder = new DurationRecorder()
    for (const ms of [10, 20, 30]) recorder.record(ms)
    expect(recorder.summarize(1)).toMatchObject({ count: 3, error_count: 1, p50_ms: 20, mean_ms: 20 })
  })

  it('holds a million durations in 8 MiB', () => {
    const recorder = new DurationRecorder()
    for (let i = 0; i < 1_000_000; i++) recorder.record(i)
    expect(recorder.capacityBytes).toBeLessThanOrEqual(8 * 1024 * 1024)
  })
})
