// The open model's schedule: the intended send time of every request, fixed in advance and
// independent of responses (so a slow server cannot slow the load down, the coordinated-omission
// trap). Pure: a seeded generator of times in ms since the start of the run.
//
// Stages are steps: each holds a constant rate for its duration, the next starts where it ends
// (a ramp is written as several steps). If the stages end before durationMs the last rate holds
// until durationMs; stages beyond durationMs are cut off. A rate of 0 sends nothing.
//
// - uniform: evenly spaced at 1/rate, starting at each stage's start (a stage of rate r and
//   duration d sends ceil(r·d) requests: exact counts, no jitter).
// - poisson: a Poisson process with the stages' piecewise-constant rate λ(t). Each gap is a unit
//   exponential E = −ln(1 − U) spent against the cumulative intensity Λ(t) = ∫λ, i.e. the next
//   time is Λ⁻¹(Λ(t) + E) (time rescaling; Çinlar 1975, Introduction to Stochastic Processes,
//   §4.7). Within one stage this is the usual exponential gap E/λ; across a boundary the
//   remaining intensity carries over, which is exact for a non-homogeneous Poisson process.
import { createRng, deriveSeed } from '../rng.ts'

export type ArrivalStage = { ratePerSec: number; durationMs: number }

export type ArrivalScheduleOptions = {
  ratePerSec?: number
  stages?: ArrivalStage[]
  // Total length of the schedule, warm-up included.
  durationMs: number
  distribution: 'uniform' | 'poisson'
  seed: number
}

export function createArrivalSchedule(options: ArrivalScheduleOptions): IterableIterator<number> {
  const stages = resolveStages(options)
  return options.distribution === 'poisson' ? poissonTimes(stages, options.seed) : uniformTimes(stages)
}

// The stages as absolute [startMs, endMs) windows covering exactly [0, durationMs).
type Window = { startMs: number; endMs: number; ratePerSec: number }

export function resolveStages(options: Omit<ArrivalScheduleOptions, 'distribution' | 'seed'>): Window[] {
  const { durationMs } = options
  const stages =
    options.stages ??
    (options.ratePerSec !== undefined ? [{ ratePerSec: options.ratePerSec, durationMs }] : [])
  if (stages.length === 0) {
    throw new Error(
      'Failed to build the arrival schedule: neither a rate nor stages were given. Set arrival.rate or arrival.stages.',
    )
  }
  for (const stage of stages) {
    if (!(stage.ratePerSec >= 0) || !(stage.durationMs >= 0) || !Number.isFinite(stage.ratePerSec)) {
      throw new Error(
        `Failed to build the arrival schedule: stage ${JSON.stringify(stage)} needs a rate ≥ 0 and a duration ≥ 0. Fix the stage.`,
      )
    }
  }
  const windows: Window[] = []
  let startMs = 0
  for (const stage of stages) {
    if (startMs >= durationMs) break
    const endMs = Math.min(durationMs, startMs + stage.durationMs)
    if (endMs > startMs) windows.push({ startMs, endMs, ratePerSec: stage.ratePerSec })
    startMs = endMs
  }
  if (startMs < durationMs) {
    windows.push({ startMs, endMs: durationMs, ratePerSec: stages[stages.length - 1]!.ratePerSec })
  }
  return windows
}

function* uniformTimes(windows: Window[]): IterableIterator<number> {
  for (const window of windows) {
    if (window.ratePerSec <= 0) continue
    const gapMs = 1000 / window.ratePerSec
    // start + k·gap, not a running sum: no drift from accumulated rounding.
    for (let k = 0; ; k++) {
      const atMs = window.startMs + k * gapMs
      if (atMs >= window.endMs) break
      yield atMs
    }
  }
}

function* poissonTimes(windows: Window[], seed: number): IterableIterator<number> {
  const rng = createRng(deriveSeed(seed, 'arrivals'))
  let index = 0
  let nowMs = 0
  let remaining = -Math.log(1 - rng.next())
  while (index < windows.length) {
    const window = windows[index]!
    const ratePerMs = window.ratePerSec / 1000
    const untilEnd = window.endMs - nowMs
    if (ratePerMs > 0 && remaining < untilEnd * ratePerMs) {
      nowMs += remaining / ratePerMs
      yield nowMs
      remaining = -Math.log(1 - rng.next())
    } else {
      remaining -= untilEnd * ratePerMs
      nowMs = window.endMs
      index += 1
    }
  }
}
