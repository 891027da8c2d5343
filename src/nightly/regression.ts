// Regression detection against a window of history: pure functions, no I/O.
//
// Method. For each metric of the current run (per budgeted stage p50/p95/p99 and error rate, and
// the throughput), take the same metric in the last `window` earlier runs of the same scenario on
// the same machine fingerprint and workload.
//
// Latencies and throughput are compared on the log scale, because their run-to-run noise is
// multiplicative (a busier machine makes every duration longer by a share, not by a fixed amount)
// and skewed; on the log scale it is close to symmetric and a 5% change means the same for a 30 ms
// stage as for a 1.2 s one. Centre = median of the logs; spread σ = MAD × 1.4826, the consistent
// estimator of the standard deviation under normal noise (Rousseeuw & Croux, "Alternatives to the
// median absolute deviation", JASA 88, 1993; Iglewicz & Hoaglin, "How to Detect and Handle
// Outliers", ASQC 1993, whose modified z-score is the same statistic). Both ignore a few outlier
// nights, which the mean and standard deviation of a shared CI machine's history would not.
//
// The current value is a regression when its change in the bad direction exceeds ALL of:
//   - the relative floor (default 5%): smaller changes matter to nobody however certain, and this is
//     what keeps a very quiet history (σ near 0) from alarming on noise;
//   - the noise band, k·σ (default k = 3) widened for a short history: the band is a one-sided
//     prediction bound for one new night (Hahn & Meeker, "Statistical Intervals", 1991, §4),
//     t(n−1) · σ · √(1 + π/2n), with the Student-t quantile taken at the tail probability
//     α = Φ(−k) that k·σ would have with a known centre and spread (0.135% at k = 3), and π/2n the
//     variance of a median of n normal values. The degrees of freedom are discounted for the MAD's
//     low efficiency (see predictionMultiplier). Without the widening the band is far too narrow
//     for a short history: on pure noise shaped like baseline (bench/regression-calibration.ts),
//     25% of nights alarmed with 5–9 nights of history and 8% with 20; with it, about 1% at every
//     length. The multiplier is about 52σ at n = 5 (in effect: only huge changes count), 8.7σ at
//     n = 10, 4.7σ at n = 20 and 3.5σ at n = 50, approaching k as the history grows;
//   - an absolute floor per unit (0.5 ms, 0.005 error rate, 0.5 req/s), so that sub-millisecond
//     stages do not turn timer jitter into an alarm.
// k = 3 is the customary three-sigma control limit (Shewhart): about one false alarm per 740 checks
// of one metric, before the floors (which remove most of them on a quiet machine). A scenario with 30
// metrics is checked 30 times a night; the per-night figures are in the README.
// An improvement is the same test in the good direction. With fewer than `minHistory` comparable
// runs a metric is "insufficient history": reported, never alarmed on.
//
// Error rates are counts, not measurements with a spread: with rare errors most nights have none,
// the median and MAD are both 0 and the band collapses to the floors, so two failed requests out of
// 200 would be an alarm on 6% of nights. They are tested as counts instead: the baseline rate is
// pooled over the window, p₀ = (errors + ½) / (spans + 1) (the ½ keeps a history without errors
// from making any error infinitely unlikely), and the current count is a regression when it lies in
// the upper binomial tail beyond the same α — exact binomial sums for small expected counts, the
// normal approximation with continuity correction when n·p₀·(1 − p₀) > 25 — and beyond the floors.
//
// Comparing two single runs (`compareRuns`) has no spread: there only the floors apply (and the
// binomial test for error rates, with the baseline run's rate), and the result says so.
import { median, medianAbsoluteDeviation } from 'simple-statistics'
import { type Fingerprint, fingerprintDifferences, sameFingerprint } from '../environment.ts'
import { binomialCriticalCounts, studentTQuantileUpper, tailProbability } from '../stats/distributions.ts'
import type { Metric, MetricUnit, RunSnapshot } from './run-snapshot.ts'

export type DetectionOptions = {
  window: number // the last N comparable runs
  minHistory: number // fewer comparable runs than this: insufficient history
  relativeFloor: number // 0.05 = a 5% change at least
  k: number // the noise band in standard deviations, for a long history
  absoluteFloor: Record<MetricUnit, number>
  minCount: number // a stage with fewer spans in a run is not judged (current) or not used (history)
  // Widen k for a short history (the prediction bound below). Off only to measure what it buys.
  widenForShortHistory: boolean
}

export const DEFAULT_DETECTION: DetectionOptions = {
  window: 20,
  minHistory: 5,
  relativeFloor: 0.05,
  k: 3,
  absoluteFloor: { ms: 0.5, ratio: 0.005, 'req/s': 0.5 },
  minCount: 20,
  widenForShortHistory: true,
}

// Normal-consistency constant: MAD × 1.4826 estimates σ for normal data (1 / Φ⁻¹(3/4)).
export const MAD_TO_SIGMA = 1.4826

export type FindingStatus =
  | 'regression'
  | 'improvement'
  | 'unchanged'
  | 'insufficient-history'
  | 'too-few-samples'

export type Baseline = {
  method: 'median-mad' | 'pooled-binomial' | 'single-run'
  n: number // runs behind it
  median: number // median-mad: the median; pooled-binomial: errors / spans over the runs; single-run: its value
  spread: number | null // in the metric's unit: median × σ(log), or the binomial sd of the rate
  relativeSpread: number | null // median-mad: σ of the logs (≈ the CV)
  multiplier: number | null // median-mad: the band in σ for this n (k widened for a short history)
  low: number // values below: an improvement (lower is better) or a regression (throughput)
  high: number
  first: string // started_at of the oldest run used
  last: string // and of the newest
  synthetic: number // of the n runs, how many were fabricated (--seed-history)
}

export type Finding = {
  key: string
  stage: string | null
  metric: Metric['metric']
  unit: MetricUnit
  better: 'lower' | 'higher'
  status: FindingStatus
  current: number
  baseline: Baseline | null
  change: { absolute: number; relative: number | null } | null // relative null when the baseline is 0
  evidence: string
}

export type DetectionStatus = 'regression' | 'improvement' | 'unchanged' | 'insufficient-history'

export type Detection = {
  scenario: string
  status: DetectionStatus
  method: 'history' | 'single-run'
  history: {
    used: number // comparable runs in the window
    synthetic: number // of which fabricated
    excludedFingerprint: number // earlier runs of the scenario on another machine fingerprint
    excludedWorkload: number // same machine, another connection count / seed / sampler
  }
  fingerprint: Fingerprint
  // Differences from the newest excluded run (history) or from the baseline run (single run).
  fingerprintMismatch: string[]
  findings: Finding[]
  options: DetectionOptions
}

function resolveOptions(options: Partial<DetectionOptions> = {}): DetectionOptions {
  return {
    ...DEFAULT_DETECTION,
    ...options,
    absoluteFloor: { ...DEFAULT_DETECTION.absoluteFloor, ...options.absoluteFloor },
  }
}

// The comparable history of `current`, oldest first: same scenario, earlier, same fingerprint and
// workload, the last `window` of them.
export function selectHistory(
  current: RunSnapshot,
  history: readonly RunSnapshot[],
  window: number,
): { used: RunSnapshot[]; excludedFingerprint: RunSnapshot[]; excludedWorkload: RunSnapshot[] } {
  const earlier = history
    .filter((run) => run.scenario === current.scenario && run.startedAt < current.startedAt)
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))
  const sameMachine = earlier.filter((run) => sameFingerprint(run.fingerprint, current.fingerprint))
  return {
    used: sameMachine.filter((run) => run.workload === current.workload).slice(-window),
    excludedFingerprint: earlier.filter((run) => !sameFingerprint(run.fingerprint, current.fingerprint)),
    excludedWorkload: sameMachine.filter((run) => run.workload !== current.workload),
  }
}

export function detectRegressions(
  current: RunSnapshot,
  history: readonly RunSnapshot[],
  options: Partial<DetectionOptions> = {},
): Detection {
  const opts = resolveOptions(options)
  const { used, excludedFingerprint, excludedWorkload } = selectHistory(current, history, opts.window)
  const findings = Object.values(current.metrics).map((metric) => {
    if (tooFewSamples(metric, opts)) return unjudged(metric, 'too-few-samples', null, opts)
    const past = used.filter((run) => {
      const value = run.metrics[metric.key]
      return value !== undefined && !tooFewSamples(value, opts) && (isCount(value) || value.value > 0)
    })
    if (past.length < opts.minHistory) {
      const partial = past.length > 0 ? baselineFor(metric, past, opts) : null
      return unjudged(metric, 'insufficient-history', partial, opts)
    }
    return judge(metric, baselineFor(metric, past, opts), opts)
  })
  const newestExcluded = excludedFingerprint.at(-1)
  return {
    scenario: current.scenario,
    status: overallStatus(findings),
    method: 'history',
    history: {
      used: used.length,
      synthetic: used.filter((run) => run.synthetic).length,
      excludedFingerprint: excludedFingerprint.length,
      excludedWorkload: excludedWorkload.length,
    },
    fingerprint: current.fingerprint,
    fingerprintMismatch: newestExcluded
      ? fingerprintDifferences(newestExcluded.fingerprint, current.fingerprint)
      : [],
    findings,
    options: opts,
  }
}

// Two single runs: no noise estimate, so only the floors decide (and the count test for error
// rates). A fingerprint mismatch is flagged, not refused: the user asked for this comparison.
export function compareRuns(
  baseline: RunSnapshot,
  current: RunSnapshot,
  options: Partial<DetectionOptions> = {},
): Detection {
  const opts = resolveOptions(options)
  const findings = Object.values(current.metrics).map((metric) => {
    if (tooFewSamples(metric, opts)) return unjudged(metric, 'too-few-samples', null, opts)
    const before = baseline.metrics[metric.key]
    if (before === undefined || tooFewSamples(before, opts))
      return unjudged(metric, 'insufficient-history', null, opts)
    if (isCount(metric) && isCount(before))
      return judge(
        metric,
        { ...pooledBinomialBaseline(metric, [baseline], opts), method: 'single-run' },
        opts,
      )
    return judge(metric, singleRunBaseline(metric, baseline, before.value, opts), opts)
  })
  return {
    scenario: current.scenario,
    status: overallStatus(findings),
    method: 'single-run',
    history: { used: 1, synthetic: baseline.synthetic ? 1 : 0, excludedFingerprint: 0, excludedWorkload: 0 },
    fingerprint: current.fingerprint,
    fingerprintMismatch: fingerprintDifferences(baseline.fingerprint, current.fingerprint),
    findings,
    options: opts,
  }
}

function tooFewSamples(metric: Metric, opts: DetectionOptions): boolean {
  return metric.count !== null && metric.count < opts.minCount
}

function isCount(metric: Metric): boolean {
  return metric.metric === 'error_rate' && metric.count !== null && metric.count > 0
}

function baselineFor(metric: Metric, past: readonly RunSnapshot[], opts: DetectionOptions): Baseline {
  return isCount(metric) ? pooledBinomialBaseline(metric, past, opts) : medianMadBaseline(metric, past, opts)
}

function runSpan(runs: readonly RunSnapshot[]): Pick<Baseline, 'n' | 'first' | 'last' | 'synthetic'> {
  return {
    n: runs.length,
    first: runs[0]?.startedAt ?? '',
    last: runs.at(-1)?.startedAt ?? '',
    synthetic: runs.filter((run) => run.synthetic).length,
  }
}

function medianMadBaseline(metric: Metric, past: readonly RunSnapshot[], opts: DetectionOptions): Baseline {
  const logs = past.map((run) => Math.log(run.metrics[metric.key]!.value))
  const centreLog = median(logs)
  const sigma = logs.length > 1 ? MAD_TO_SIGMA * medianAbsoluteDeviation(logs) : 0
  const multiplier = opts.widenForShortHistory ? predictionMultiplier(opts.k, logs.length) : opts.k
  const bandLog = Math.max(Math.log1p(opts.relativeFloor), multiplier * sigma)
  const centre = Math.exp(centreLog)
  const floor = opts.absoluteFloor[metric.unit]
  return {
    method: 'median-mad',
    ...runSpan(past),
    median: centre,
    spread: centre * sigma,
    relativeSpread: sigma,
    multiplier,
    low: Math.min(centre * Math.exp(-bandLog), centre - floor),
    high: Math.max(centre * Math.exp(bandLog), centre + floor),
  }
}

function singleRunBaseline(
  metric: Metric,
  run: RunSnapshot,
  value: number,
  opts: DetectionOptions,
): Baseline {
  const floor = opts.absoluteFloor[metric.unit]
  return {
    method: 'single-run',
    ...runSpan([run]),
    median: value,
    spread: null,
    relativeSpread: null,
    multiplier: null,
    low: Math.min(value / (1 + opts.relativeFloor), value - floor),
    high: Math.max(value * (1 + opts.relativeFloor), value + floor),
  }
}

function pooledBinomialBaseline(
  metric: Metric,
  runs: readonly RunSnapshot[],
  opts: DetectionOptions,
): Baseline {
  let errors = 0
  let spans = 0
  for (const run of runs) {
    const past = run.metrics[metric.key]!
    const count = past.count ?? 0
    errors += Math.round(past.value * count)
    spans += count
  }
  const p0 = (errors + 0.5) / (spans + 1)
  const n = metric.count!
  const critical = binomialCriticalCounts(n, p0, tailProbability(opts.k))
  const floor = Math.max(opts.relativeFloor * p0, opts.absoluteFloor.ratio)
  // The band is centred on p₀ (the test's rate); `median` reports the observed pooled rate.
  // Rates are multiples of 1/n: a rate above (critical − ½)/n is a count at or beyond the critical one.
  return {
    method: 'pooled-binomial',
    ...runSpan(runs),
    median: spans > 0 ? errors / spans : 0,
    spread: Math.sqrt((p0 * (1 - p0)) / n),
    relativeSpread: null,
    multiplier: null,
    low: Math.min(p0 - floor, (critical.low + 0.5) / n),
    high: Math.max(p0 + floor, (critical.high - 0.5) / n),
  }
}

function judge(metric: Metric, baseline: Baseline, opts: DetectionOptions): Finding {
  const absolute = metric.value - baseline.median
  const above = metric.value > baseline.high
  const below = metric.value < baseline.low
  const worse = metric.better === 'lower' ? above : below
  const better = metric.better === 'lower' ? below : above
  const finding: Finding = {
    ...describeMetric(metric),
    status: worse ? 'regression' : better ? 'improvement' : 'unchanged',
    baseline,
    change: { absolute, relative: baseline.median === 0 ? null : absolute / baseline.median },
    evidence: '',
  }
  return { ...finding, evidence: evidenceOf(finding, opts) }
}

function unjudged(
  metric: Metric,
  status: 'insufficient-history' | 'too-few-samples',
  baseline: Baseline | null,
  opts: DetectionOptions,
): Finding {
  const finding: Finding = { ...describeMetric(metric), status, baseline, change: null, evidence: '' }
  return { ...finding, evidence: evidenceOf(finding, opts) }
}

function describeMetric(
  metric: Metric,
): Pick<Finding, 'key' | 'stage' | 'metric' | 'unit' | 'better' | 'current'> {
  return {
    key: metric.key,
    stage: metric.stage,
    metric: metric.metric,
    unit: metric.unit,
    better: metric.better,
    current: metric.value,
  }
}

function overallStatus(findings: readonly Finding[]): DetectionStatus {
  if (findings.some((f) => f.status === 'regression')) return 'regression'
  if (findings.some((f) => f.status === 'improvement')) return 'improvement'
  if (findings.some((f) => f.status === 'unchanged')) return 'unchanged'
  return 'insufficient-history'
}

// ── Prediction bands ──────────────────────────────────────────────────────────────────────

// The band of a one-sided prediction bound for one new value from n past values, in σ: the
// Student-t quantile at tail Φ(−k), times √(1 + π/2n) for the uncertainty of the median. The
// degrees of freedom are those of a standard deviation as uncertain as the MAD: the MAD's
// efficiency under normal noise is 36.75% (Rousseeuw & Croux 1993), so ν = 0.3675 (n − 1).
// Tends to k as n grows.
export const MAD_EFFICIENCY = 0.3675
const multipliers = new Map<string, number>()

export function predictionMultiplier(k: number, n: number): number {
  if (n < 2) return Number.POSITIVE_INFINITY
  const key = `${k} ${n}`
  let value = multipliers.get(key)
  if (value === undefined) {
    const nu = MAD_EFFICIENCY * (n - 1)
    value = studentTQuantileUpper(tailProbability(k), nu) * Math.sqrt(1 + Math.PI / (2 * n))
    multipliers.set(key, value)
  }
  return value
}

// ── Words ─────────────────────────────────────────────────────────────────────────────────────

export function formatValue(value: number, unit: MetricUnit): string {
  if (unit === 'ratio') return `${(value * 100).toFixed(2)}%`
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return `${value.toFixed(digits)} ${unit}`
}

export function formatChange(finding: Pick<Finding, 'change' | 'unit'>): string {
  if (!finding.change) return '—'
  const { absolute, relative } = finding.change
  const sign = absolute > 0 ? '+' : absolute < 0 ? '−' : '±'
  const magnitude =
    finding.unit === 'ratio'
      ? `${sign}${(Math.abs(absolute) * 100).toFixed(2)} pp`
      : `${sign}${formatValue(Math.abs(absolute), finding.unit)}`
  if (relative === null) return `${magnitude} (from 0)`
  return `${magnitude} (${sign}${(Math.abs(relative) * 100).toFixed(1)}%)`
}

export function formatBand(baseline: Baseline, unit: MetricUnit): string {
  return `${formatValue(Math.max(0, baseline.low), unit)} – ${formatValue(baseline.high, unit)}`
}

function evidenceOf(finding: Finding, opts: DetectionOptions): string {
  const { baseline, unit } = finding
  const now = formatValue(finding.current, unit)
  if (finding.status === 'too-few-samples') return `${now} from fewer than ${opts.minCount} spans: not judged`
  if (!baseline) return `${now}: no comparable earlier run`
  const runs = `${baseline.n} run${baseline.n === 1 ? '' : 's'}${baseline.synthetic > 0 ? ` (${baseline.synthetic} synthetic)` : ''}`
  if (finding.status === 'insufficient-history')
    return `${now}: only ${runs} to compare with, ${opts.minHistory} needed`
  const against =
    baseline.method === 'single-run'
      ? `baseline ${formatValue(baseline.median, unit)} (one run: no noise band, floors only)`
      : baseline.method === 'pooled-binomial'
        ? `pooled rate ${formatValue(baseline.median, unit)} over ${runs}`
        : `median ${formatValue(baseline.median, unit)} of ${runs}, spread ±${((baseline.relativeSpread ?? 0) * 100).toFixed(1)}%`
  return `${now} vs ${against}; change ${formatChange(finding)}, band ${formatBand(baseline, unit)}`
}
