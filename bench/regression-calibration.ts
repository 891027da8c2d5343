// The regression detector's false-alarm and detection rates on seeded synthetic histories.
//   npx tsx bench/regression-calibration.ts [--json]
// Each history is shaped like scenarios/baseline.yaml: 7 budgeted stages × (p50, p95, p99, error
// rate) + throughput = 29 metrics per night, drawn independently (see synthetic-history.ts).
// Noise profiles: the per-metric CVs measured on six real baseline runs, and uniform CV ranges of
// 2–5% and 5–10% for noisier machines. Same seeds, same figures, every time.
import { type DetectionResult, measureDetection, measureFalseAlarms } from '../src/nightly/calibration.ts'
import { DEFAULT_DETECTION } from '../src/nightly/regression.ts'
import { BASELINE_STAGE_NAMES, baselineLikeSpecs } from '../src/nightly/synthetic-history.ts'

const SEED = 20_261_127
const HISTORIES = 100 // × 100 nights each
const NIGHTS = 100
const TRIALS = 200 // per slowed stage
const SLOWDOWN = 1.1

const profiles = [
  { name: 'measured CVs (0.1–8%)', cv: 'measured' as const },
  { name: 'CV 2–5%', cv: [0.02, 0.05] as const },
  { name: 'CV 5–10%', cv: [0.05, 0.1] as const },
]
// [k, widen the band for a short history]; the unwidened row shows what the widening buys.
const settings: [number, boolean][] = [
  [3, false],
  [3, true],
  [3.5, true],
  [4, true],
]

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const results: Record<string, unknown>[] = []

console.log(
  `Regression detector calibration: window ${DEFAULT_DETECTION.window}, min history ${DEFAULT_DETECTION.minHistory}, ` +
    `relative floor ${pct(DEFAULT_DETECTION.relativeFloor)}, seed ${SEED}`,
)
console.log(
  `False alarms: ${HISTORIES} histories × ${NIGHTS} nights of unchanged noise. Detection: a ${pct(SLOWDOWN - 1)} ` +
    `slowdown of one stage after 20 clean nights, ${TRIALS} trials for each of ${BASELINE_STAGE_NAMES.length} stages.\n`,
)
console.log(
  [
    'profile'.padEnd(24),
    'k'.padStart(16),
    'false alarm/night'.padStart(18),
    'per metric'.padStart(11),
    'improv./night'.padStart(14),
    'caught night 1'.padStart(15),
    '≤3 nights'.padStart(10),
    '≤5 nights'.padStart(10),
  ].join(' '),
)
for (const profile of profiles) {
  const specs = (seed: number) => baselineLikeSpecs(seed, profile.cv)
  for (const [k, widen] of settings) {
    const detection = { k, widenForShortHistory: widen }
    const falseAlarms = measureFalseAlarms({
      specs,
      histories: HISTORIES,
      nights: NIGHTS,
      seed: SEED,
      detection,
    })
    const perStage: (DetectionResult & { stage: string })[] = BASELINE_STAGE_NAMES.map((stage) => ({
      stage,
      ...measureDetection({
        specs,
        stage,
        factor: SLOWDOWN,
        cleanNights: 20,
        trials: TRIALS,
        seed: SEED,
        detection,
      }),
    }))
    const mean = (pick: (r: DetectionResult) => number) =>
      perStage.reduce((sum, r) => sum + pick(r), 0) / perStage.length
    console.log(
      [
        profile.name.padEnd(24),
        `${k}${widen ? '' : ' (unwidened)'}`.padStart(16),
        `${pct(falseAlarms.perNight)} (${falseAlarms.nightsWithRegression}/${falseAlarms.nightsJudged})`.padStart(
          18,
        ),
        `${(falseAlarms.perMetric * 100).toFixed(2)}%`.padStart(11),
        pct(falseAlarms.nightsWithImprovement / falseAlarms.nightsJudged).padStart(14),
        pct(mean((r) => r.firstNight)).padStart(15),
        pct(mean((r) => r.withinThree)).padStart(10),
        pct(mean((r) => r.withinFive)).padStart(10),
      ].join(' '),
    )
    if (k === DEFAULT_DETECTION.k && widen) {
      for (const r of perStage) {
        console.log(
          `    ${r.stage.padEnd(32)} night 1 ${pct(r.firstNight).padStart(6)}  ≤3 ${pct(r.withinThree).padStart(6)}  ≤5 ${pct(r.withinFive).padStart(6)}`,
        )
      }
    }
    results.push({ profile: profile.name, k, widen, falseAlarms, detection: perStage })
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2))
