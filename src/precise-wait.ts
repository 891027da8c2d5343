// Waits that end when asked, not up to a millisecond later. A mock that must hold a request for
// a drawn latency cannot use setTimeout alone: libuv timers have millisecond granularity and fire
// against a cached loop clock, so they land 0–1.2 ms late (p50 ≈ 0.55 ms, p99 ≈ 1.1 ms measured
// on the project machine at 200–1,000 waits/s). Spinning the event loop through the last
// millisecond removes that but, at 1,000 waits/s, kept one core ~98% busy. So the deadlines go to
// one timer thread that sleeps in Atomics.wait (a futex with a sub-millisecond timeout) and posts
// the due ids back a little early; the main thread finishes on performance.now() (the clock spans
// are measured with), so a wait is never early on it.
import { Worker } from 'node:worker_threads'

export type PreciseTimer = {
  // Resolves true once performance.now() ≥ deadlineMs, false if `signal` aborted first.
  waitUntil(deadlineMs: number, signal?: AbortSignal): Promise<boolean>
  // Waits handed to the timer thread and not yet finished or aborted.
  readonly pending: number
  // Resolves once the timer thread runs: a wait handed over before then is late by the thread's
  // start-up (tens of milliseconds), so a caller with a schedule awaits this first.
  ready(): Promise<void>
  close(): Promise<void>
}

// The thread wakes the main thread this long before the deadline, which finishes the wait by
// spinning on setImmediate (yielding to I/O between checks). Measured on the first project
// machine (Intel), waits of 20–40 ms at 100 / 1,000 / 2,000 per second, lateness p99 (CPU of the
// process): lead 0: 1.12 / 1.31 / 0.62 ms (3 / 9 / 12%); lead 0.2 ms: 0.47 / 0.38 / 0.40 ms
// (4 / 18 / 26%), p50 ≤ 0.07 ms. The thread's wake-up and the message to the main thread cost
// ~0.1–0.2 ms there; on the later AMD EPYC VM they cost more when the process had been idle
// (cold caches): with a fixed 0.2 ms lead the mocks of a 20 req/s run were 0.27–0.57 ms late at
// p50; with the adaptive lead before its spin budget 0.04–0.07 ms, with the budget 0.05–0.10 ms
// (eight runs and three of test/fixtures/scenarios/good/open-fixed.yaml).
// The lead therefore follows the hand-over delays this process really sees (see HandoverLead):
// never under MIN_LEAD_MS, never over MAX_LEAD_MS, and never more than the spin budget allows at
// the current rate of waits: the main thread spins through the lead, and on two cores shared
// with the endpoint and the driver that CPU is taken from them. Uncapped by rate (1 ms at any
// rate), the mocks at 170 req/s (850 waits/s) used 50-51% of a core against 37-42% with 0.2 ms,
// and the stage excess at p50 rose from 2.7-4.3 ms to 5.1-5.2 ms (two runs each).
const MIN_LEAD_MS = 0.2
const MAX_LEAD_MS = 1
// libuv timers fire on a loop clock cached in whole milliseconds, up to 1 ms before or after
// their time on performance.now(): 1 ms past the deadline, rounded up, is never before it.
const BACKUP_AFTER_MS = 1
// Shorter waits skip the thread and spin from the start.
const SPIN_BELOW_MS = MIN_LEAD_MS

// The lead: the 90th percentile of the last HANDOVER_WINDOW hand-over delays (the thread's
// intended wake-up to the main thread's first look at the clock), so that about nine waits in
// ten find the main thread already spinning at the deadline; at most SPIN_BUDGET_MS_PER_SEC
// divided by the waits per second (measured over RATE_WINDOW_MS; until the first window closes,
// MIN_LEAD_MS). Recomputed every RECOMPUTE_EVERY samples; a sort of 64 numbers costs a few
// microseconds. At 100 waits/s (20 req/s, five mocked calls each) the budget allows 0.5 ms.
const HANDOVER_WINDOW = 64
const RECOMPUTE_EVERY = 16
const LEAD_QUANTILE = 0.9
const SPIN_BUDGET_MS_PER_SEC = 50 // 5% of a core
const RATE_WINDOW_MS = 1000
export class HandoverLead {
  #samples: number[] = []
  #next = 0
  #sinceRecompute = 0
  #windowStartMs: number | undefined
  #windowWaits = 0
  #waitsPerSec = Number.POSITIVE_INFINITY
  leadMs = MIN_LEAD_MS

  record(delayMs: number, nowMs: number): void {
    if (this.#samples.length < HANDOVER_WINDOW) this.#samples.push(delayMs)
    else this.#samples[this.#next] = delayMs
    this.#next = (this.#next + 1) % HANDOVER_WINDOW
    this.#countWait(nowMs)
    if (++this.#sinceRecompute < RECOMPUTE_EVERY) return
    this.#sinceRecompute = 0
    const sorted = [...this.#samples].sort((a, b) => a - b)
    const p90 = sorted[Math.ceil(LEAD_QUANTILE * sorted.length) - 1]!
    const affordableMs = SPIN_BUDGET_MS_PER_SEC / this.#waitsPerSec
    this.leadMs = Math.max(MIN_LEAD_MS, Math.min(p90, MAX_LEAD_MS, affordableMs))
  }

  #countWait(nowMs: number): void {
    this.#windowStartMs ??= nowMs
    this.#windowWaits++
    const elapsedMs = nowMs - this.#windowStartMs
    if (elapsedMs < RATE_WINDOW_MS) return
    this.#waitsPerSec = (this.#windowWaits * 1000) / elapsedMs
    this.#windowStartMs = nowMs
    this.#windowWaits = 0
  }
}

// `threadUrl` replaces the timer thread (tests use one that never answers, to show the backup).
export function createPreciseTimer(threadUrl = new URL('./timer-thread.mjs', import.meta.url)): PreciseTimer {
  const flagBuffer = new SharedArrayBuffer(4)
  const flag = new Int32Array(flagBuffer)
  const worker = new Worker(threadUrl, {
    workerData: { flag: flagBuffer },
  })
  // Referenced only while a wait is pending: a pending wait keeps the process alive, as a
  // setTimeout would; an idle timer thread does not.
  worker.unref()
  const online = new Promise<void>((resolve) => worker.once('online', () => resolve()))
  const pending = new Map<number, { done(): void; cancel(): void; wakeAtMs: number }>()
  const lead = new HandoverLead()
  let nextId = 1
  let closed = false
  const forget = (id: number) => {
    pending.delete(id)
    if (pending.size === 0) worker.unref()
  }
  worker.on('message', (ids: number[]) => {
    const nowMs = performance.now()
    for (const id of ids) {
      const entry = pending.get(id)
      if (!entry) continue
      lead.record(Math.max(0, nowMs - entry.wakeAtMs), nowMs)
      forget(id)
      entry.done()
    }
  })

  function waitUntil(deadlineMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted || closed) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const id = nextId++
      let backup: NodeJS.Timeout | undefined
      const cancel = () => {
        clearTimeout(backup)
        forget(id)
        resolve(false)
      }
      const finish = () => {
        // The thread's clock (hrtime) and performance.now() agree to within microseconds; finish
        // on the clock the spans use so that the wait is never early on it.
        if (performance.now() < deadlineMs) return void setImmediate(finish)
        signal?.removeEventListener('abort', cancel)
        resolve(true)
      }
      const remainingMs = deadlineMs - performance.now()
      if (remainingMs <= SPIN_BELOW_MS) return finish()
      signal?.addEventListener('abort', cancel, { once: true })
      if (pending.size === 0) worker.ref()
      const done = () => {
        clearTimeout(backup)
        finish()
      }
      const leadMs = Math.min(lead.leadMs, remainingMs)
      pending.set(id, { done, cancel, wakeAtMs: deadlineMs - leadMs })
      // The hand-over takes two wake-ups (the thread's, then this thread's for its message); on a
      // busy machine either can wait for a core. A plain timer BACKUP_AFTER_MS past the deadline
      // needs only this thread's own wake-up, so whichever comes first ends the wait.
      backup = setTimeout(() => {
        if (pending.get(id)?.done !== done) return
        forget(id)
        finish()
      }, Math.ceil(remainingMs) + BACKUP_AFTER_MS)
      const deadlineHrMs = Number(process.hrtime.bigint()) / 1e6 + remainingMs - leadMs
      worker.postMessage([[deadlineHrMs, id]])
      Atomics.store(flag, 0, 1)
      Atomics.notify(flag, 0)
    })
  }

  return {
    waitUntil,
    get pending() {
      return pending.size
    },
    ready: () => online,
    async close() {
      closed = true
      for (const entry of [...pending.values()]) entry.cancel()
      await worker.terminate()
    },
  }
}

// One timer thread per process, started on first use.
let shared: PreciseTimer | undefined
export function preciseTimer(): PreciseTimer {
  shared ??= createPreciseTimer()
  return shared
}
