import { describe, expect, it } from 'vitest'
import { createArrivalSchedule } from '../../../src/load/arrival-schedule.ts'
import {
  type DispatchClock,
  type DispatchOptions,
  type DispatchSend,
  realClock,
  runDispatcher,
} from '../../../src/load/open-dispatcher.ts'

type Timer = { atMs: number; order: number; callback: () => void; cancelled: boolean }

// A fake clock: time moves only when the test runs the timers. Every timer fires wakeDelayMs
// after its due time, to simulate a busy event loop.
function fakeClock(wakeDelayMs = 0) {
  let nowMs = 0
  let order = 0
  const timers: Timer[] = []
  const clock: DispatchClock = {
    now: () => nowMs,
    setTimer(callback, delayMs) {
      const timer = {
        atMs: nowMs + Math.max(0, delayMs) + wakeDelayMs,
        order: order++,
        callback,
        cancelled: false,
      }
      timers.push(timer)
      return () => {
        timer.cancelled = true
      }
    },
  }
  const runAll = () => {
    for (;;) {
      const live = timers.filter((t) => !t.cancelled)
      if (live.length === 0) return
      const next = live.reduce((a, b) =>
        b.atMs < a.atMs || (b.atMs === a.atMs && b.order < a.order) ? b : a,
      )
      next.cancelled = true
      nowMs = Math.max(nowMs, next.atMs)
      next.callback()
    }
  }
  return { clock, runAll }
}

type Sent = { intendedMs: number; sentMs: number; settle: () => boolean }

async function dispatch(options: {
  ratePerSec: number
  durationMs: number
  maxInFlight: number
  wakeDelayMs?: number
  serviceMs?: number // undefined: never answers
  signal?: AbortSignal
  abortAtMs?: number
}) {
  const { clock, runAll } = fakeClock(options.wakeDelayMs)
  const sent: Sent[] = []
  const send: DispatchSend = (intendedMs, sentMs, settle) => {
    sent.push({ intendedMs, sentMs, settle })
    if (options.serviceMs !== undefined) clock.setTimer(() => settle(), options.serviceMs)
  }
  const controller = new AbortController()
  if (options.abortAtMs !== undefined) clock.setTimer(() => controller.abort(), options.abortAtMs)
  const dispatchOptions: DispatchOptions = {
    schedule: createArrivalSchedule({
      ratePerSec: options.ratePerSec,
      durationMs: options.durationMs,
      distribution: 'uniform',
      seed: 1,
    }),
    clock,
    maxInFlight: options.maxInFlight,
    send,
    drainTimeoutMs: 1000,
    signal: controller.signal,
  }
  const running = runDispatcher(dispatchOptions)
  runAll()
  return { summary: await running, sent }
}

describe('runDispatcher (fake clock)', () => {
  it('sends each request at its intended time and drains before resolving', async () => {
    const { summary, sent } = await dispatch({
      ratePerSec: 20,
      durationMs: 1000,
      maxInFlight: 10,
      serviceMs: 5,
    })
    expect(summary).toMatchObject({ scheduled: 20, sent: 20, dropped: 0, lateSends: 0, inFlightAtEnd: 0 })
    expect(sent.map((s) => s.intendedMs)).toEqual(Array.from({ length: 20 }, (_, i) => i * 50))
    for (const s of sent) expect(s.sentMs).toBe(s.intendedMs)
    expect(summary.scheduleEndMs).toBe(950)
    expect(summary.endMs).toBe(955)
  })

  it('drops and counts requests due while maxInFlight are in flight', async () => {
    const { summary, sent } = await dispatch({ ratePerSec: 100, durationMs: 1000, maxInFlight: 3 })
    expect(summary).toMatchObject({ scheduled: 100, sent: 3, dropped: 97, inFlightAtEnd: 3 })
    expect(sent.map((s) => s.intendedMs)).toEqual([0, 10, 20])
    // The drain gave up after drainTimeoutMs; a late settle is refused so it is not recorded.
    expect(summary.endMs).toBe(summary.scheduleEndMs + 1000)
    expect(sent[0]!.settle()).toBe(false)
  })

  it.each([
    { wakeDelayMs: 4, lagMs: 4, late: 0 },
    { wakeDelayMs: 15, lagMs: 15, late: 19 },
  ])(
    'records lag and counts sends more than 10 ms late (wake-ups $wakeDelayMs ms late)',
    async ({ wakeDelayMs, lagMs, late }) => {
      const { summary, sent } = await dispatch({
        ratePerSec: 20,
        durationMs: 1000,
        maxInFlight: 10,
        serviceMs: 5,
        wakeDelayMs,
      })
      expect(summary.sent).toBe(20)
      // The first request goes out synchronously at the start; every later one after a wake-up.
      expect(sent[0]!.sentMs).toBe(0)
      for (const s of sent.slice(1)) expect(s.sentMs - s.intendedMs).toBe(lagMs)
      expect(summary.lateSends).toBe(late)
    },
  )

  it('catches up after a late wake-up instead of shifting the schedule', async () => {
    // 5 ms gaps, wake-ups 15 ms late: each wake-up sends the four requests that are due.
    const { summary, sent } = await dispatch({
      ratePerSec: 200,
      durationMs: 1000,
      maxInFlight: 50,
      serviceMs: 1,
      wakeDelayMs: 15,
    })
    expect(summary.sent).toBe(200)
    const lags = sent.map((s) => s.sentMs - s.intendedMs)
    expect(Math.max(...lags)).toBe(15)
    expect(summary.lateSends).toBe(lags.filter((lag) => lag > 10).length)
    expect(summary.lateSends).toBe(50)
  })

  it('stops sending when aborted and lets in-flight requests finish', async () => {
    const { summary } = await dispatch({
      ratePerSec: 100,
      durationMs: 10_000,
      maxInFlight: 10,
      serviceMs: 30,
      abortAtMs: 505,
    })
    expect(summary.interrupted).toBe(true)
    expect(summary.scheduled).toBe(51)
    expect(summary.inFlightAtEnd).toBe(0)
    expect(summary.scheduleEndMs).toBe(505)
    expect(summary.endMs).toBe(530)
  })
})

// Coordinated omission as wrk2 argues it (Tene, "How NOT to measure latency", and wrk2's README):
// a system that stalls for D ms at a known moment under a known open-model rate. In one process
// the stall freezes the sender too, so every request due during the stall leaves when it ends.
// Measured from its intended time each of those requests carries the remainder of the stall
// (a backlog spread evenly over [service, D + service]); measured from when it actually left,
// none does, and the stall all but disappears from the record.
describe('runDispatcher under a stall (coordinated omission)', () => {
  const gapMs = 10 // 100 req/s, uniform
  const stallAtMs = 500
  const stallMs = 200
  const serviceMs = 5

  async function stalledRun() {
    const { clock, runAll, advance } = stallableClock()
    const requests: { intendedMs: number; sentMs: number; completedMs: number }[] = []
    const send: DispatchSend = (intendedMs, sentMs, settle) => {
      // The request sent at stallAtMs stalls the process: the clock jumps, no timer runs.
      if (intendedMs === stallAtMs) advance(stallMs)
      const request = { intendedMs, sentMs, completedMs: Number.NaN }
      requests.push(request)
      clock.setTimer(() => {
        request.completedMs = clock.now()
        settle()
      }, serviceMs)
    }
    const running = runDispatcher({
      schedule: createArrivalSchedule({
        ratePerSec: 1000 / gapMs,
        durationMs: 1000,
        distribution: 'uniform',
        seed: 1,
      }),
      clock,
      maxInFlight: 1000,
      send,
      drainTimeoutMs: 1000,
    })
    runAll()
    return { summary: await running, requests }
  }

  it('hands every request its scheduled time, so the backlog is recorded from the intended time', async () => {
    const { summary, requests } = await stalledRun()
    expect(summary).toMatchObject({ scheduled: 100, sent: 100, dropped: 0, inFlightAtEnd: 0 })
    // The schedule is not shifted by the stall: intended times are exactly k·10 ms.
    expect(requests.map((r) => r.intendedMs)).toEqual(Array.from({ length: 100 }, (_, k) => k * gapMs))

    const stallEndMs = stallAtMs + stallMs
    const during = requests.filter((r) => r.intendedMs > stallAtMs && r.intendedMs < stallEndMs)
    expect(during).toHaveLength(19) // 510, 520, …, 690
    for (const r of during) expect(r.sentMs).toBe(stallEndMs)

    // Written down by hand: the k-th request due during the stall (intended 500 + 10k) leaves at
    // 700 and is answered at 705, so its latency from the intended time is 205 − 10k ms.
    const fromIntended = during.map((r) => r.completedMs - r.intendedMs)
    expect(fromIntended).toEqual(Array.from({ length: 19 }, (_, i) => 205 - (i + 1) * gapMs))
    // The stalled request itself waited the whole stall.
    const stalled = requests.find((r) => r.intendedMs === stallAtMs)!
    expect(stalled.completedMs - stalled.intendedMs).toBe(stallMs + serviceMs)
    // Measured from the actual send time, the same requests show only the service time.
    for (const r of during) expect(r.completedMs - r.sentMs).toBe(serviceMs)
    // Everything outside the stall was on time.
    for (const r of requests.filter((r) => r.intendedMs < stallAtMs || r.intendedMs >= stallEndMs)) {
      expect(r.sentMs).toBe(r.intendedMs)
    }
    // Sends more than 10 ms late: intended 510 … 680 (lags 190 … 20 ms); 690 left 10 ms late.
    expect(summary.lateSends).toBe(18)
  })
})

// A fake clock that a send can advance (a synchronous stall); timers fire in time order.
function stallableClock() {
  let nowMs = 0
  let order = 0
  const timers: Timer[] = []
  const clock: DispatchClock = {
    now: () => nowMs,
    setTimer(callback, delayMs) {
      const timer = { atMs: nowMs + Math.max(0, delayMs), order: order++, callback, cancelled: false }
      timers.push(timer)
      return () => {
        timer.cancelled = true
      }
    },
  }
  const runAll = () => {
    for (;;) {
      const live = timers.filter((t) => !t.cancelled)
      if (live.length === 0) return
      const next = live.reduce((a, b) =>
        b.atMs < a.atMs || (b.atMs === a.atMs && b.order < a.order) ? b : a,
      )
      next.cancelled = true
      nowMs = Math.max(nowMs, next.atMs)
      next.callback()
    }
  }
  return { clock, runAll, advance: (ms: number) => (nowMs += ms) }
}

describe('runDispatcher edge cases', () => {
  const uniform = (ratePerSec: number, durationMs: number) =>
    createArrivalSchedule({ ratePerSec, durationMs, distribution: 'uniform', seed: 1 })

  it('resolves at once for an empty schedule', async () => {
    const { clock } = stallableClock()
    const summary = await runDispatcher({
      schedule: uniform(0, 1000),
      clock,
      maxInFlight: 1,
      send: () => {
        throw new Error('nothing to send')
      },
      drainTimeoutMs: 1000,
    })
    expect(summary).toEqual({
      scheduled: 0,
      sent: 0,
      dropped: 0,
      lateSends: 0,
      inFlightAtEnd: 0,
      interrupted: false,
      scheduleEndMs: 0,
      endMs: 0,
    })
  })

  it('ends with the schedule when nothing is in flight (no drain wait)', async () => {
    const { clock, runAll } = stallableClock()
    const running = runDispatcher({
      schedule: uniform(10, 1000),
      clock,
      maxInFlight: 1,
      send: (_intended, _sent, settle) => {
        expect(settle()).toBe(true)
      },
      drainTimeoutMs: 5000,
    })
    runAll()
    const summary = await running
    expect(summary).toMatchObject({
      scheduled: 10,
      sent: 10,
      interrupted: false,
      scheduleEndMs: 900,
      endMs: 900,
    })
  })

  it('counts a request once however often it is settled', async () => {
    const { clock, runAll } = stallableClock()
    const settles: (() => boolean)[] = []
    const running = runDispatcher({
      schedule: uniform(100, 30), // 0, 10, 20 ms
      clock,
      maxInFlight: 1,
      send: (_intended, _sent, settle) => {
        settles.push(settle)
      },
      drainTimeoutMs: 100,
    })
    expect(settles[0]!()).toBe(true)
    expect(settles[0]!()).toBe(false)
    runAll()
    const summary = await running
    // Request 10 went out and never settled, so request 20 met a full cap (one in flight).
    expect(summary).toMatchObject({ scheduled: 3, sent: 2, dropped: 1, inFlightAtEnd: 1 })
  })

  it('stops within a catch-up burst when aborted by a send', async () => {
    const { clock, runAll, advance } = stallableClock()
    const controller = new AbortController()
    const sent: number[] = []
    const running = runDispatcher({
      schedule: uniform(100, 1000),
      clock,
      maxInFlight: 1000,
      send: (intendedMs, _sentMs, settle) => {
        sent.push(intendedMs)
        if (intendedMs === 500) advance(200) // 510 … 700 are now due at once
        if (intendedMs === 520) controller.abort()
        clock.setTimer(() => settle(), 1)
      },
      signal: controller.signal,
      drainTimeoutMs: 1000,
    })
    runAll()
    const summary = await running
    expect(sent.at(-1)).toBe(520)
    expect(summary).toMatchObject({ scheduled: 53, interrupted: true, scheduleEndMs: 700 })
  })

  it('sends nothing when the signal is already aborted', async () => {
    const { clock } = stallableClock()
    const controller = new AbortController()
    controller.abort()
    const summary = await runDispatcher({
      schedule: uniform(100, 1000),
      clock,
      maxInFlight: 10,
      send: () => {
        throw new Error('must not send')
      },
      signal: controller.signal,
      drainTimeoutMs: 1000,
    })
    expect(summary).toMatchObject({ scheduled: 0, sent: 0, interrupted: true, endMs: 0 })
  })

  it('keeps the end of the schedule when an abort comes during the drain', async () => {
    const { clock, runAll } = stallableClock()
    const controller = new AbortController()
    const running = runDispatcher({
      schedule: uniform(10, 200), // 0 and 100 ms
      clock,
      maxInFlight: 10,
      send: (_intended, _sent, settle) => {
        clock.setTimer(() => settle(), 500)
      },
      signal: controller.signal,
      drainTimeoutMs: 1000,
    })
    clock.setTimer(() => controller.abort(), 300)
    runAll()
    const summary = await running
    expect(summary.scheduleEndMs).toBe(100)
    expect(summary.endMs).toBe(600)
    expect(summary.inFlightAtEnd).toBe(0)
  })
})

describe('realClock', () => {
  it('counts ms from its start and fires timers no sooner than asked; a cancelled one never', async () => {
    const clock = realClock()
    const first = clock.now()
    expect(first).toBeGreaterThanOrEqual(0)
    expect(first).toBeLessThan(50)
    const fired = await new Promise<number>((resolve) => {
      const startedMs = clock.now()
      clock.setTimer(() => resolve(clock.now() - startedMs), 20)
    })
    // libuv's whole-ms loop clock can fire a timer up to 1 ms early by performance.now.
    expect(fired).toBeGreaterThanOrEqual(19)
    let cancelledFired = false
    const cancel = clock.setTimer(() => {
      cancelledFired = true
    }, 5)
    cancel()
    const immediate = await new Promise<boolean>((resolve) => clock.setTimer(() => resolve(true), -10))
    expect(immediate).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(cancelledFired).toBe(false)
    expect(realClock(performance.now() - 1000).now()).toBeGreaterThanOrEqual(1000)
  })
})
