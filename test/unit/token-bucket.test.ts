import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../src/token-bucket.ts'

function simulatedClock() {
  let nowMs = 0
  return {
    now: () => nowMs,
    set: (ms: number) => {
      nowMs = ms
    },
  }
}

describe('TokenBucket over a simulated clock', () => {
  it.each([
    { ratePerSec: 5, burst: 10, expected: 50 },
    { ratePerSec: 100, burst: 20, expected: 1000 },
    { ratePerSec: 0.5, burst: 2, expected: 5 },
    // Non-integral intervals (333.3 ms, 3.33 s, 30.03 ms), where a running float balance drifts.
    // (With burst 1 the bucket would sit full for part of each simulated millisecond and, as a
    // token bucket should, drop that refill; burst 2 keeps it below full while taking greedily.)
    { ratePerSec: 3, burst: 2, expected: 30 },
    { ratePerSec: 0.3, burst: 2, expected: 3 },
    { ratePerSec: 33.3, burst: 2, expected: 333 },
  ])(
    'admits the burst at once, then exactly $ratePerSec per second for 10 s (burst $burst)',
    ({ ratePerSec, burst, expected }) => {
      const clock = simulatedClock()
      const bucket = new TokenBucket({ ratePerSec, burst, now: clock.now })
      let admitted = 0
      while (bucket.tryTake().ok) admitted++
      expect(admitted).toBe(burst)

      // Take greedily at every simulated millisecond; count admissions per whole second.
      const perSecond: number[] = []
      let inThisSecond = 0
      for (let ms = 1; ms <= 10_000; ms++) {
        clock.set(ms)
        while (bucket.tryTake().ok) inThisSecond++
        if (ms % 1000 === 0) {
          perSecond.push(inThisSecond)
          inThisSecond = 0
        }
      }
      // Exact: floor(ms × rate / 1000) admissions by each time, so floor(10 × rate) in total.
      expect(perSecond.reduce((a, b) => a + b, 0)).toBe(expected)
      if (Number.isInteger(ratePerSec)) expect(new Set(perSecond)).toEqual(new Set([ratePerSec]))
    },
  )

  it('says exactly how long until the next token', () => {
    const clock = simulatedClock()
    const bucket = new TokenBucket({ ratePerSec: 5, burst: 2, now: clock.now })
    expect(bucket.tryTake()).toEqual({ ok: true })
    expect(bucket.tryTake()).toEqual({ ok: true })
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 200 })
    clock.set(50)
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 150 })
    clock.set(199)
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 1 })
    clock.set(200)
    expect(bucket.tryTake()).toEqual({ ok: true })
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 200 })
  })

  it('refills no further than the burst after a long idle time', () => {
    const clock = simulatedClock()
    const bucket = new TokenBucket({ ratePerSec: 10, burst: 3, now: clock.now })
    clock.set(60_000)
    const results = Array.from({ length: 4 }, () => bucket.tryTake().ok)
    expect(results).toEqual([true, true, true, false])
  })

  it('ignores a clock that steps backwards', () => {
    const clock = simulatedClock()
    clock.set(1000)
    const bucket = new TokenBucket({ ratePerSec: 1, burst: 1, now: clock.now })
    expect(bucket.tryTake().ok).toBe(true)
    clock.set(0)
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 1000 })
    clock.set(1999)
    expect(bucket.tryTake().ok).toBe(false)
    clock.set(2000)
    expect(bucket.tryTake().ok).toBe(true)
  })

  it('rejects a non-positive rate or burst', () => {
    expect(() => new TokenBucket({ ratePerSec: 0, burst: 1 })).toThrow(/ratePerSec > 0/)
    expect(() => new TokenBucket({ ratePerSec: 1, burst: 0 })).toThrow(/burst/)
  })

  it('refills from the real clock (performance.now) by default', async () => {
    // 20 tokens/s, one at a time: empty after the first take, a token back after 50 ms.
    const bucket = new TokenBucket({ ratePerSec: 20, burst: 1 })
    expect(bucket.tryTake().ok).toBe(true)
    const refused = bucket.tryTake()
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(0)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(50)
    }
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(bucket.tryTake().ok).toBe(true)
  })
})
