// Rate-limit headers as OpenAI sends them on every response: x-ratelimit-{limit,remaining,reset}-
// {requests,tokens}, the reset as a Go-style duration ("12ms", "1.5s", "6m0s"); and on a 429
// both retry-after (whole seconds, RFC 9110) and retry-after-ms, which openai-node reads first.
// The mock's limit is a token bucket: its burst is the limit, its balance the remaining count,
// and the time until it is full again the reset.
import type { TokenBucket } from '../token-bucket.ts'

export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes}m${Number(((ms - minutes * 60_000) / 1000).toFixed(3))}s`
}

export function rateLimitHeaders(requests: TokenBucket, tokens?: TokenBucket): Record<string, string> {
  const headers: Record<string, string> = {}
  const add = (what: 'requests' | 'tokens', bucket: TokenBucket) => {
    const state = bucket.state()
    headers[`x-ratelimit-limit-${what}`] = String(state.limit)
    headers[`x-ratelimit-remaining-${what}`] = String(state.remaining)
    headers[`x-ratelimit-reset-${what}`] = formatResetDuration(state.resetMs)
  }
  add('requests', requests)
  if (tokens) add('tokens', tokens)
  return headers
}

export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after': String(Math.ceil(retryAfterMs / 1000)),
    'retry-after-ms': String(Math.ceil(retryAfterMs)),
  }
}
