import { describe, expect, it } from 'vitest'
import {
  formatResetDuration,
  rateLimitHeaders,
  retryAfterHeaders,
} from '../../../src/mocks/rate-limit-headers.ts'
import { TokenBucket } from '../../../src/token-bucket.ts'

describe('provider rate-limit headers', () => {
  it('formats the reset as OpenAI does (12ms, 1.5s, 6m0s)', () => {
    expect(formatResetDuration(11.2)).toBe('12ms')
    expect(formatResetDuration(0)).toBe('0ms')
    expect(formatResetDuration(1500)).toBe('1.5s')
    expect(formatResetDuration(360_000)).toBe('6m0s')
    expect(formatResetDuration(61_250)).toBe('1m1.25s')
  })

  it('reports the bucket: limit = burst, remaining = whole tokens left, reset = time until full', () => {
    let nowMs = 0
    const requests = new TokenBucket({ ratePerSec: 10, burst: 5, now: () => nowMs })
    const tokens = new TokenBucket({ ratePerSec: 100, burst: 6000, now: () => nowMs })
    for (let i = 0; i < 3; i++) requests.tryTake()
    expect(tokens.tryTake(600).ok).toBe(true)
    expect(rateLimitHeaders(requests, tokens)).toEqual({
      'x-ratelimit-limit-requests': '5',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '300ms', // 3 tokens at 10/s
      'x-ratelimit-limit-tokens': '6000',
      'x-ratelimit-remaining-tokens': '5400',
      'x-ratelimit-reset-tokens': '6s', // 600 tokens at 100/s
    })
    nowMs = 150
    expect(rateLimitHeaders(requests)).toMatchObject({
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '150ms',
    })
  })

  it('sends retry-after in whole seconds (rounded up) and retry-after-ms', () => {
    expect(retryAfterHeaders(1200.4)).toEqual({ 'retry-after': '2', 'retry-after-ms': '1201' })
  })

  it('a token bucket refuses a charge larger than its balance and says when it fits', () => {
    let nowMs = 0
    const bucket = new TokenBucket({ ratePerSec: 100, burst: 1000, now: () => nowMs })
    expect(bucket.tryTake(800).ok).toBe(true)
    const refused = bucket.tryTake(300)
    expect(refused).toEqual({ ok: false, retryAfterMs: 1000 }) // 100 more tokens at 100/s
    nowMs = 1000
    expect(bucket.tryTake(300).ok).toBe(true)
  })
})
