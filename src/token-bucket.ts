// A token bucket (refill at ratePerSec, capacity burst, starts full), used for the providers'
// rate limits in the mocks and for the endpoint's per-tenant gateway limit.
//
// Lazy refill on each call, no timers, and no accumulated rounding: rather than adding
// elapsed × rate to a running balance on every call (which drifts for rates like 0.3/s or
// 33.3/s: one admission lost in 10 s), the bucket remembers when it was last full (`#fullAtMs`)
// and how many tokens it has given out since (an integer). The balance is then
//   burst + (now − fullAtMs) × ratePerSec / 1000 − taken
// which is one multiplication away from exact: over T ms of greedy taking after the burst,
// exactly floor(T × ratePerSec / 1000) takes succeed. When the balance reaches burst the bucket
// is full again, the refill beyond it is dropped, and counting restarts from that moment.

export type TokenBucketOptions = {
  ratePerSec: number
  burst: number
  /** Clock in milliseconds; default performance.now. */
  now?: () => number
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number }

export class TokenBucket {
  readonly #ratePerSec: number
  readonly #burst: number
  readonly #now: () => number
  #fullAtMs: number
  #taken = 0
  #lastMs: number

  constructor(options: TokenBucketOptions) {
    const { ratePerSec, burst } = options
    if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
      throw new RangeError(
        `Failed to create a token bucket: expected ratePerSec > 0, got ${ratePerSec}. Give a positive rate.`,
      )
    }
    if (!(Number.isInteger(burst) && burst >= 1)) {
      throw new RangeError(
        `Failed to create a token bucket: expected burst to be an integer ≥ 1, got ${burst}. Give a positive burst.`,
      )
    }
    this.#ratePerSec = ratePerSec
    this.#burst = burst
    this.#now = options.now ?? (() => performance.now())
    this.#fullAtMs = this.#now()
    this.#lastMs = this.#fullAtMs
  }

  // `count` tokens at once (a provider's token budget charges a request's tokens together).
  tryTake(count = 1): TakeResult {
    // A clock that steps backwards (only possible with an injected one) refills nothing.
    const nowMs = Math.max(this.#lastMs, this.#now())
    this.#lastMs = nowMs
    // Tokens refilled since the bucket was last full, in thousandths (ms × tokens/s).
    let refilledMilli = (nowMs - this.#fullAtMs) * this.#ratePerSec
    if (refilledMilli >= this.#taken * 1000) {
      // Full again: the refill beyond the burst is dropped and counting restarts now.
      this.#fullAtMs = nowMs
      this.#taken = 0
      refilledMilli = 0
    }
    // Balance ≥ 1 token ⟺ burst + refilled − taken ≥ 1; the right-hand side is an integer.
    if (refilledMilli >= (this.#taken + count - this.#burst) * 1000) {
      this.#taken += count
      return { ok: true }
    }
    // The next token arrives when the refill covers every token taken beyond the burst.
    const readyAtMs = this.#fullAtMs + ((this.#taken + count - this.#burst) * 1000) / this.#ratePerSec
    return { ok: false, retryAfterMs: readyAtMs - nowMs }
  }

  // What a provider's x-ratelimit-* headers say: the whole tokens left now, and how long until
  // the bucket is full again.
  state(): { limit: number; remaining: number; resetMs: number } {
    const nowMs = Math.max(this.#lastMs, this.#now())
    const refilledMilli = (nowMs - this.#fullAtMs) * this.#ratePerSec
    const owedMilli = Math.max(0, this.#taken * 1000 - refilledMilli)
    return {
      limit: this.#burst,
      remaining: Math.max(0, Math.floor(this.#burst - owedMilli / 1000)),
      resetMs: owedMilli / this.#ratePerSec,
    }
  }
}
