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
  close(): Promise<void>
}

// The thread wakes the main thread this long before the deadline, which finishes the wait by
// spinning on setImmediate (yielding to I/O between checks). Measured on the project machine,
// waits of 20–40 ms at 100 / 1,000 / 2,000 per second, lateness p99 (CPU of the process):
// lead 0: 1.12 / 1.31 / 0.62 ms (3 / 9 / 12%); lead 0.2 ms: 0.47 / 0.38 / 0.40 ms (4 / 18 / 26%),
// p50 ≤ 0.07 ms. The thread's wake-up and the message to the main thread cost ~0.1–0.2 ms.
const THREAD_LEAD_MS = 0.2
// Shorter waits skip the thread and spin from the start.
const SPIN_BELOW_MS = THREAD_LEAD_MS

export function createPreciseTimer(): PreciseTimer {
  const flagBuffer = new SharedArrayBuffer(4)
  const flag = new Int32Array(flagBuffer)
  const worker = new Worker(new URL('./timer-thread.mjs', import.meta.url), {
    workerData: { flag: flagBuffer },
  })
  // Referenced only while a wait is pending: a pending wait keeps the process alive, as a
  // setTimeout would; an idle timer thread does not.
  worker.unref()
  const pending = new Map<number, { done(): void; cancel(): void }>()
  let nextId = 1
  let closed = false
  const forget = (id: number) => {
    pending.delete(id)
    if (pending.size === 0) worker.unref()
  }
  worker.on('message', (ids: number[]) => {
    for (const id of ids) {
      const entry = pending.get(id)
      forget(id)
      entry?.done()
    }
  })

  function waitUntil(deadlineMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted || closed) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const id = nextId++
      const cancel = () => {
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
      pending.set(id, { done: finish, cancel })
      const deadlineHrMs = Number(process.hrtime.bigint()) / 1e6 + remainingMs - THREAD_LEAD_MS
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
