// Durations of one stage in an HDR histogram (hdr-histogram-js, pure JS): memory is constant in
// the number of spans (about 70 KB for values up to a minute), whatever the run length.
//
// Precision: values are recorded as whole microseconds (rounded, so ±0.5 µs) at 3 significant
// digits. Every bucket of an HDR histogram with 3 significant digits spans at most 1/1024 of its
// lowest value (2048 sub-buckets, the upper half used per power of two), so a percentile is
// reported at most 0.1% above the recorded value it stands for. Stated bound, checked in
// test/unit/stats/hdr-recorder.test.ts:
//   |percentileMs(p) − exact nearest-rank value| ≤ 0.001 · exact + 0.001 ms
//
// Percentile method: nearest rank, as HdrHistogram does everywhere — the ⌈p/100 · n⌉-th smallest
// value (at least the first), reported as the highest value equivalent to it in its bucket.
// This differs from the exact summary in stage-stats.ts (simple-statistics, linear
// interpolation between closest ranks), which can sit between the same two order statistics.
// min, max and mean are kept exactly beside the histogram; percentiles are clamped to
// [min, max] so that a bucket's upper edge never reports p999 above the true maximum.
import { build, type Histogram } from 'hdr-histogram-js'
import type { PercentileIntervals, StageStats } from '../contract/report-types.ts'
import { quantileInterval } from './quantile-interval.ts'
import { EMPTY_STAGE_STATS } from './stage-stats.ts'

const US_PER_MS = 1000

export class HdrDurationRecorder {
  readonly #histogram: Histogram
  #count = 0
  #sumMs = 0
  #minMs = Number.POSITIVE_INFINITY
  #maxMs = Number.NEGATIVE_INFINITY

  constructor() {
    this.#histogram = build({
      numberOfSignificantValueDigits: 3,
      autoResize: true,
      // The wasm build needs an async initWebAssembly() before first use; the JS one is
      // fast enough for span rates this harness reaches and works everywhere tsx does.
      useWebAssembly: false,
    })
  }

  record(durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) {
      throw new RangeError(
        `Failed to record a duration: expected a finite number of ms ≥ 0, got ${durationMs}. Record span durations from their hrtime.`,
      )
    }
    this.#histogram.recordValue(Math.round(durationMs * US_PER_MS))
    this.#count++
    this.#sumMs += durationMs
    if (durationMs < this.#minMs) this.#minMs = durationMs
    if (durationMs > this.#maxMs) this.#maxMs = durationMs
  }

  get count(): number {
    return this.#count
  }

  get minMs(): number {
    return this.#count === 0 ? 0 : this.#minMs
  }

  get maxMs(): number {
    return this.#count === 0 ? 0 : this.#maxMs
  }

  get meanMs(): number {
    return this.#count === 0 ? 0 : this.#sumMs / this.#count
  }

  get footprintBytes(): number {
    return this.#histogram.estimatedFootprintInBytes
  }

  // percentile in [0, 100], as HdrHistogram takes it (99.9 for p999).
  percentileMs(percentile: number): number {
    if (this.#count === 0) return 0
    const valueMs = this.#histogram.getValueAtPercentile(percentile) / US_PER_MS
    return Math.min(this.#maxMs, Math.max(this.#minMs, valueMs))
  }

  // The rank-th smallest recorded value (1-based), within the same 0.1% bound as percentileMs:
  // nearest rank at percentile 100·rank/n is exactly that rank (HdrHistogram rounds the count up
  // with a one-ulp guard). The extremes are the exact min and max.
  valueAtRankMs(rank: number): number {
    if (this.#count === 0) return 0
    if (rank <= 1) return this.minMs
    if (rank >= this.#count) return this.maxMs
    return this.percentileMs((100 * rank) / this.#count)
  }

  // Each reported percentile's distribution-free 95% interval (quantile-interval.ts), read from
  // the histogram here, where the data are, so only two numbers per percentile leave the process.
  percentileIntervalsMs(): PercentileIntervals | undefined {
    if (this.#count === 0) return undefined
    const at = (q: number): [number | null, number | null] => {
      const ci = quantileInterval(this.#count, q, (rank) => this.valueAtRankMs(rank))
      return ci ? [ci.low, ci.high] : [null, null]
    }
    return { p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), p999: at(0.999) }
  }

  toStageStats(errorCount: number): StageStats {
    if (this.#count === 0) return { ...EMPTY_STAGE_STATS, error_count: errorCount }
    return {
      count: this.#count,
      error_count: errorCount,
      min_ms: this.minMs,
      mean_ms: this.meanMs,
      p50_ms: this.percentileMs(50),
      p90_ms: this.percentileMs(90),
      p95_ms: this.percentileMs(95),
      p99_ms: this.percentileMs(99),
      p999_ms: this.percentileMs(99.9),
      max_ms: this.maxMs,
    }
  }
}
