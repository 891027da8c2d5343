// Exact per-stage statistics from every recorded duration.
//
// Quantile method: simple-statistics 7.x `quantileSorted` (src/quantile_sorted.js), which is
// linear interpolation between the two closest ranks — Hyndman & Fan type 7, the default of
// R's quantile() and numpy.percentile. For n sorted values x[0..n-1] and p in (0, 1) it takes
// h = (n − 1)·p and returns x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]); p = 0 and p = 1 return the
// minimum and maximum. So a reported p99 may lie between two observed durations.
// (The HDR recorder in hdr-recorder.ts instead reports the nearest-rank value, see there.)
//
// An empty stage (count 0) gets 0 in every field: JSON cannot carry NaN, and a budget on a
// stage with count 0 is evaluated as "no data" (actual null, fail) rather than as 0 ms.
import { mean, quantileSorted } from 'simple-statistics'
import type { StageStats } from '../contract/report-types.ts'

export const EMPTY_STAGE_STATS: Readonly<StageStats> = Object.freeze({
  count: 0,
  error_count: 0,
  min_ms: 0,
  mean_ms: 0,
  p50_ms: 0,
  p90_ms: 0,
  p95_ms: 0,
  p99_ms: 0,
  p999_ms: 0,
  max_ms: 0,
})

export function summarizeDurations(
  durationsMs: Float64Array | readonly number[],
  errorCount: number,
): StageStats {
  const n = durationsMs.length
  if (n === 0) return { ...EMPTY_STAGE_STATS, error_count: errorCount }
  // A typed-array copy sorts numerically in place without touching the caller's data.
  const sorted = Float64Array.from(durationsMs).sort()
  // TypedArray sort puts NaN last; ±Infinity land at either end.
  if (!Number.isFinite(sorted[0]!) || !Number.isFinite(sorted[n - 1]!)) {
    throw new RangeError(
      'Failed to summarise durations: some are not finite numbers. Record only finite span durations in ms.',
    )
  }
  // simple-statistics only reads `length` and indices, so a Float64Array serves as its number[].
  const values = sorted as unknown as number[]
  const q = (p: number) => quantileSorted(values, p)
  return {
    count: n,
    error_count: errorCount,
    min_ms: sorted[0]!,
    mean_ms: mean(values),
    p50_ms: q(0.5),
    p90_ms: q(0.9),
    p95_ms: q(0.95),
    p99_ms: q(0.99),
    p999_ms: q(0.999),
    max_ms: sorted[n - 1]!,
  }
}

// Durations of one stage, 8 bytes each in a Float64Array that doubles when full: this, not
// span objects (about 3 KB each in the SDK's InMemorySpanExporter), is what the collector keeps.
export class DurationRecorder {
  #buffer: Float64Array
  #count = 0

  constructor(initialCapacity = 1024) {
    this.#buffer = new Float64Array(Math.max(1, Math.floor(initialCapacity)))
  }

  record(durationMs: number): void {
    if (this.#count === this.#buffer.length) {
      const grown = new Float64Array(this.#buffer.length * 2)
      grown.set(this.#buffer)
      this.#buffer = grown
    }
    this.#buffer[this.#count++] = durationMs
  }

  get count(): number {
    return this.#count
  }

  // Bytes held, for memory assertions and the report.
  get capacityBytes(): number {
    return this.#buffer.byteLength
  }

  // A view of the filled part (no copy). Later records never change it, but read it only:
  // writing through it would change what this recorder holds.
  values(): Float64Array {
    return this.#buffer.subarray(0, this.#count)
  }

  summarize(errorCount: number): StageStats {
    return summarizeDurations(this.values(), errorCount)
  }
}
