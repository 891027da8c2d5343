import { describe, expect, it } from 'vitest'
import { backoffDelayMs, parseRetryAfterMs } from '../../../src/endpoint/dependency-client.ts'
import { createRng } from '../../../src/rng.ts'

// "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), full jitter:
// sleep = random_between(0, min(cap, base · 2^attempt)).
const policy = { max: 10, backoffMs: 100, maxBackoffMs: 2000 }

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    // attempt, random, expected: ceilings 100, 200, 400, 800, 1600, then capped at 2000.
    { attempt: 0, random: 0.5, delayMs: 50 },
    { attempt: 1, random: 0.5, delayMs: 100 },
    { attempt: 2, random: 0.25, delayMs: 100 },
    { attempt: 3, random: 1, delayMs: 800 },
    { attempt: 4, random: 1, delayMs: 1600 },
    { attempt: 5, random: 1, delayMs: 2000 }, // 3200 capped by max_backoff
    { attempt: 9, random: 0.5, delayMs: 1000 }, // 51 200 capped
    { attempt: 3, random: 0, delayMs: 0 },
  ])('attempt $attempt with random $random waits $delayMs ms', ({ attempt, random, delayMs }) => {
    expect(backoffDelayMs(policy, attempt, random)).toBeCloseTo(delayMs, 9)
  })

  it('waits at least what Retry-After asks, and the jittered delay when that is longer', () => {
    expect(backoffDelayMs(policy, 0, 0.5, 1000)).toBe(1000)
    expect(backoffDelayMs(policy, 5, 0.9, 1000)).toBeCloseTo(1800, 9)
    expect(backoffDelayMs(policy, 0, 0.5, 0)).toBe(50)
  })

  it('spreads delays uniformly over [0, ceiling]: mean ceiling/2, none outside', () => {
    const rng = createRng(17)
    const n = 20_000
    const delays = Array.from({ length: n }, () => backoffDelayMs(policy, 6, rng.next()))
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000)
    // Uniform on [0, 2000]: mean 1000, standard error 2000/√12/√n ≈ 4.1 ms; 4 of them.
    const mean = delays.reduce((a, b) => a + b, 0) / n
    expect(Math.abs(mean - 1000)).toBeLessThan(4 * (2000 / Math.sqrt(12) / Math.sqrt(n)))
    // A quarter of the draws in each quarter of the range (4 binomial standard errors).
    const firstQuarter = delays.filter((d) => d < 500).length / n
    expect(Math.abs(firstQuarter - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / n))
  })
})

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfterMs(null)).toBeUndefined()
    expect(parseRetryAfterMs('2')).toBe(2000)
    expect(parseRetryAfterMs('0.5')).toBe(500)
    expect(parseRetryAfterMs('soon')).toBeUndefined()
    expect(parseRetryAfterMs(new Date(Date.now() - 60_000).toUTCString())).toBe(0)
    const inAMinute = parseRetryAfterMs(new Date(Date.now() + 60_000).toUTCString())!
    // HTTP dates have whole seconds.
    expect(inAMinute).toBeGreaterThan(58_000)
    expect(inAMinute).toBeLessThanOrEqual(60_000)
  })
})
