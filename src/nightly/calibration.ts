// How often the detector cries wolf on pure noise, and how often it catches a real slowdown:
// measured on seeded synthetic histories (synthetic-history.ts). bench/regression-calibration.ts
// prints these figures; the tests call the same functions with fixed seeds.
import { createRng } from '../rng.ts'
import { type DetectionOptions, detectRegressions } from './regression.ts'
import type { RunSnapshot } from './run-snapshot.ts'
import { type Slowdown, type SyntheticMetricSpec, syntheticNights } from './synthetic-history.ts'

// What every calibration takes: each trial's metric specs (drawn from the trial's seed), the seed
// all trials' seeds are drawn from, and the detector's options.
type Calibration = {
  specs: (seed: number) => readonly SyntheticMetricSpec[]
  seed: number
  detection?: Partial<DetectionOptions>
}

// One synthetic history per trial. Each trial's seed is drawn from `seed` and feeds both its specs
// and its nights, so the trials are independent and the whole measurement is reproducible.
function* seededHistories(
  options: Calibration & { trials: number; nights: number; slowdown?: Slowdown },
): Generator<RunSnapshot[]> {
  const seeds = createRng(options.seed)
  for (let t = 0; t < options.trials; t++) {
    const seed = seeds.int(1, 2 ** 31)
    yield syntheticNights({
      specs: options.specs(seed),
      nights: options.nights,
      seed,
      slowdown: options.slowdown,
    })
  }
}

// Night `night` checked against every night before it, exactly as the nightly job would.
function judgeNight(runs: readonly RunSnapshot[], night: number, detection?: Partial<DetectionOptions>) {
  return detectRegressions(runs[night]!, runs.slice(0, night), detection)
}

export type FalseAlarmResult = {
  histories: number
  nightsJudged: number // nights with at least minHistory earlier nights
  nightsWithRegression: number // nights on which at least one metric was called a regression
  nightsWithImprovement: number
  metricsJudged: number
  metricRegressions: number
  perNight: number // nightsWithRegression / nightsJudged
  perMetric: number // metricRegressions / metricsJudged
}

// `histories` independent histories of `nights` nights each; every night from minHistory on is
// checked against the nights before it, exactly as the nightly job would.
export function measureFalseAlarms(
  options: Calibration & { histories: number; nights: number },
): FalseAlarmResult {
  let nightsJudged = 0
  let nightsWithRegression = 0
  let nightsWithImprovement = 0
  let metricsJudged = 0
  let metricRegressions = 0
  for (const runs of seededHistories({ ...options, trials: options.histories })) {
    for (let night = 1; night < runs.length; night++) {
      const detection = judgeNight(runs, night, options.detection)
      const judged = detection.findings.filter(
        (f) => f.status !== 'insufficient-history' && f.status !== 'too-few-samples',
      )
      if (judged.length === 0) continue
      nightsJudged++
      metricsJudged += judged.length
      const regressions = judged.filter((f) => f.status === 'regression').length
      metricRegressions += regressions
      if (regressions > 0) nightsWithRegression++
      if (judged.some((f) => f.status === 'improvement')) nightsWithImprovement++
    }
  }
  return {
    histories: options.histories,
    nightsJudged,
    nightsWithRegression,
    nightsWithImprovement,
    metricsJudged,
    metricRegressions,
    perNight: nightsJudged === 0 ? 0 : nightsWithRegression / nightsJudged,
    perMetric: metricsJudged === 0 ? 0 : metricRegressions / metricsJudged,
  }
}

export type DetectionResult = {
  trials: number
  // Share of trials where the slowed stage was called a regression on the first slow night,
  // and within the first 3 and 5 slow nights (the slowdown persists; history keeps growing).
  firstNight: number
  withinThree: number
  withinFive: number
  // Share of trials where some other metric (not the slowed stage) was called a regression on
  // the first slow night: the false alarms that come along.
  otherMetricsFirstNight: number
}

// A slowdown of `factor` on every latency metric of `stage`, starting after `cleanNights` nights.
export function measureDetection(
  options: Calibration & { stage: string; factor: number; cleanNights: number; trials: number },
): DetectionResult {
  let first = 0
  let three = 0
  let five = 0
  let others = 0
  const histories = seededHistories({
    ...options,
    nights: options.cleanNights + 5,
    slowdown: { stage: options.stage, factor: options.factor, fromNight: options.cleanNights },
  })
  for (const runs of histories) {
    let caughtOn: number | undefined
    for (let slow = 0; slow < 5; slow++) {
      const detection = judgeNight(runs, options.cleanNights + slow, options.detection)
      const regressions = detection.findings.filter((f) => f.status === 'regression')
      if (slow === 0 && regressions.some((f) => f.stage !== options.stage)) others++
      if (caughtOn === undefined && regressions.some((f) => f.stage === options.stage)) caughtOn = slow
    }
    if (caughtOn === 0) first++
    if (caughtOn !== undefined && caughtOn < 3) three++
    if (caughtOn !== undefined) five++
  }
  const n = options.trials
  return {
    trials: n,
    firstNight: first / n,
    withinThree: three / n,
    withinFive: five / n,
    otherMetricsFirstNight: others / n,
  }
}
