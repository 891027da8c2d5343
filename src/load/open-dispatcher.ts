// The open model's send loop, apart from HTTP so that it can be tested against a fake clock.
// It walks the arrival schedule and sends each request when its intended time has come: a
// timer sleeps until the next intended time, then every request that is due goes out (no busy
// spin; when the loop wakes late it catches up at once rather than shifting the schedule, as
// wrk2 does). It never waits for responses. Each send's lag (actual − intended) is the
// sender's to record; a send more than lateThresholdMs late is counted as late. When
// maxInFlight requests are already in flight a due request is dropped and counted, instead of
// queueing (a queue would hide the overload as latency the server never caused).

import { preciseTimer } from '../precise-wait.ts'

export type DispatchClock = {
  // ms since the start of the run
  now(): number
  // Calls back after about delayMs; returns a cancel function.
  setTimer(callback: () => void, delayMs: number): () => void
}

// Called once per sent request; `settle` must be called once when the request has finished
// (any outcome). It returns false if the dispatcher had already finished (drain timed out):
// the outcome must then not be recorded, as the request was counted as in flight at the end.
export type DispatchSend = (intendedMs: number, sentMs: number, settle: () => boolean) => void

export type DispatchOptions = {
  schedule: Iterator<number>
  clock: DispatchClock
  maxInFlight: number
  send: DispatchSend
  onDrop?: (intendedMs: number) => void
  lateThresholdMs?: number
  signal?: AbortSignal
  // After the schedule ends (or an abort), how long to wait for requests in flight to settle.
  drainTimeoutMs: number
}

export type DispatchSummary = {
  scheduled: number
  sent: number
  dropped: number
  lateSends: number
  inFlightAtEnd: number
  interrupted: boolean
  // When sending stopped (schedule exhausted or aborted) and when the run ended (drained).
  scheduleEndMs: number
  endMs: number
}

export const LATE_SEND_THRESHOLD_MS = 10

export function runDispatcher(options: DispatchOptions): Promise<DispatchSummary> {
  const { schedule, clock, maxInFlight, send, signal } = options
  const lateThresholdMs = options.lateThresholdMs ?? LATE_SEND_THRESHOLD_MS
  const counts = { scheduled: 0, sent: 0, dropped: 0, lateSends: 0 }
  let inFlight = 0
  let interrupted = false
  let scheduleDone = false
  let finished = false
  let scheduleEndMs = 0
  let cancelWake: (() => void) | undefined
  let cancelDrain: (() => void) | undefined
  let next = schedule.next()

  return new Promise<DispatchSummary>((resolve) => {
    const finish = () => {
      if (finished) return
      finished = true
      cancelWake?.()
      cancelDrain?.()
      signal?.removeEventListener('abort', onAbort)
      resolve({ ...counts, inFlightAtEnd: inFlight, interrupted, scheduleEndMs, endMs: clock.now() })
    }

    const endSchedule = () => {
      if (scheduleDone) return
      scheduleDone = true
      scheduleEndMs = clock.now()
      cancelWake?.()
      cancelWake = undefined
      if (inFlight === 0) finish()
      else cancelDrain = clock.setTimer(finish, options.drainTimeoutMs)
    }

    const dispatch = (intendedMs: number) => {
      counts.scheduled += 1
      if (inFlight >= maxInFlight) {
        counts.dropped += 1
        options.onDrop?.(intendedMs)
        return
      }
      const sentMs = clock.now()
      if (sentMs - intendedMs > lateThresholdMs) counts.lateSends += 1
      inFlight += 1
      counts.sent += 1
      let settled = false
      send(intendedMs, sentMs, () => {
        if (settled || finished) return false
        settled = true
        inFlight -= 1
        if (scheduleDone && inFlight === 0) finish()
        return true
      })
    }

    const wake = () => {
      cancelWake = undefined
      if (scheduleDone) return
      while (!next.done && next.value <= clock.now()) {
        dispatch(next.value)
        if (scheduleDone) return
        next = schedule.next()
      }
      if (next.done) endSchedule()
      else cancelWake = clock.setTimer(wake, next.value - clock.now())
    }

    function onAbort() {
      interrupted = true
      endSchedule()
    }

    if (signal?.aborted) {
      onAbort()
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    wake()
  })
}

// Wakes on the precise timer (../precise-wait.ts), not setTimeout: libuv's millisecond timers
// fire 0–1.2 ms late (p50 ≈ 0.55 ms on the project machine), and since latency counts from the
// intended send time, that lateness would be charged to the service as client latency.
export function realClock(startMs: number = performance.now()): DispatchClock {
  return {
    now: () => performance.now() - startMs,
    setTimer: (callback, delayMs) => {
      const cancel = new AbortController()
      void preciseTimer()
        .waitUntil(performance.now() + Math.max(0, delayMs), cancel.signal)
        .then((due) => {
          if (due) callback()
        })
      return () => cancel.abort()
    },
  }
}
