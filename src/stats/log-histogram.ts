// A small fixed-layout histogram with logarithmic bins, for what must stay tiny: per-interval
// stage series (one per stage per second) and the histograms drawn in the HTML report.
// Bin i covers [MIN_MS·GROWTH^i, MIN_MS·GROWTH^(i+1)); with GROWTH = 1.1 a quantile read from a
// bin (its geometric midpoint) is within ±4.9% of the true value. The budget statistics do not
// use this: they come from the HDR histograms (0.1%).
const MIN_MS = 0.01
const GROWTH = 1.1
const LOG_GROWTH = Math.log(GROWTH)
export const LOG_BIN_COUNT = Math.ceil(Math.log(3_600_000 / MIN_MS) / LOG_GROWTH) + 1 // up to an hour

export function binIndex(ms: number): number {
  if (!(ms > MIN_MS)) return 0
  return Math.min(LOG_BIN_COUNT - 1, Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH))
}

export function binLowerMs(index: number): number {
  return MIN_MS * GROWTH ** index
}

export class LogHistogram {
  // Sparse: a stage's values cluster in a few bins, so a Map beats a 200-slot array per interval.
  readonly bins = new Map<number, number>()
  count = 0
  errors = 0

  record(ms: number, isError = false): void {
    const i = binIndex(ms)
    this.bins.set(i, (this.bins.get(i) ?? 0) + 1)
    this.count++
    if (isError) this.errors++
  }

  // Nearest-rank quantile, reported as the bin's geometric midpoint.
  quantileMs(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (const i of [...this.bins.keys()].sort((a, b) => a - b)) {
      seen += this.bins.get(i)!
      if (seen >= rank) return binLowerMs(i) * Math.sqrt(GROWTH)
    }
    return 0
  }

  // Dense form for the report: contiguous bins from the first to the last non-empty one.
  toJSON(): { lower_ms: number[]; counts: number[] } {
    if (this.count === 0) return { lower_ms: [], counts: [] }
    const keys = [...this.bins.keys()]
    const first = Math.min(...keys)
    const last = Math.max(...keys)
    const lower: number[] = []
    const counts: number[] = []
    for (let i = first; i <= last + 1; i++) {
      lower.push(Number(binLowerMs(i).toPrecision(4)))
      counts.push(i <= last ? (this.bins.get(i) ?? 0) : 0)
    }
    return { lower_ms: lower, counts }
  }
}
