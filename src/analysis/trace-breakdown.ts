// Where the time goes (the seed's "Why Tracing Matters › Performance Optimization", computed):
// per measured trace, a compact row of durations and critical-path times at two levels — the
// request (POST /ask → authentication, rate_limiting, rag_pipeline) and the pipeline
// (rag_pipeline → embedding_generation, vector_search, rerank, llm_generation) — kept in a
// uniform reservoir of at most 10,000 rows (Vitter's Algorithm R, "Random sampling with a
// reservoir", ACM TOMS 11(1), 1985; seeded), in one Float64Array allocated up front: constant
// memory (about 1.8 MB), whatever the run length. Everything else is computed from the reservoir
// when the run ends.
//
// Row layout per level: [parent duration, then (duration, critical-path ms) for each listed stage,
// for "(self)" (time no child runs) and for "(other)" (children not listed)]. A stage that did not
// run has duration NaN and critical-path 0; a trace without the parent span (a request refused
// at the gateway has no rag_pipeline) has parent duration NaN and is left out of that level.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import type { BreakdownLevel, StageBreakdown } from '../contract/analysis-schema.ts'
import { SPAN } from '../contract/span-names.ts'
import { createRng, type Rng } from '../rng.ts'
import { splitCriticalPath } from './critical-path.ts'

export type LevelSpec = { parent: string; stages: readonly string[] }

export const REQUEST_LEVEL: LevelSpec = {
  parent: SPAN.server,
  stages: [SPAN.authentication, SPAN.rateLimiting, SPAN.pipeline],
}
export const PIPELINE_LEVEL: LevelSpec = {
  parent: SPAN.pipeline,
  stages: [SPAN.embedding, SPAN.vectorSearch, SPAN.rerank, SPAN.llm],
}
export const SELF_STAGE = '(self)'
export const OTHER_STAGE = '(other)'
export const SAVINGS_FRACTIONS: readonly number[] = [0.1, 0.25, 0.5]
export const DEFAULT_RESERVOIR_CAPACITY = 10_000

// Rank windows the shares are averaged over: centre ± half-width, in quantile units.
const P50_WINDOW = { centre: 0.5, halfWidth: 0.05 }
const P99_WINDOW = { centre: 0.99, halfWidth: 0.005 }
const SLOWEST_FRACTION = 0.01

export const BREAKDOWN_METHOD: readonly string[] = [
  'Critical path: within a parent span, at each moment the running child that ends last gets that moment (a stage running beside a longer one counts only where it is the longer one); moments with no child running are the parent’s "(self)" time. Critical-path times and self time add up to the parent’s duration.',
  'Share at p50 / p99: traces ranked by parent duration; among those ranked 45th–55th percentile (p50) and 98.5th–99.5th percentile (p99), the mean of each stage’s critical-path time divided by the parent’s duration.',
  'Dominates slowest 1%: the slowest 1% of traces by parent duration (at least one); each counts for the stage with its largest critical-path time.',
  'Potential savings: each trace’s parent duration minus X × the stage’s critical-path time, then p50 and p99 of the result. Assumes the other stages do not change (a first-order estimate: a shortened parallel stage may stop being the longer one).',
  'All from a uniform reservoir sample of up to 10,000 measured traces (Vitter’s Algorithm R, seeded); quantiles by linear interpolation between closest ranks (simple-statistics, type 7).',
]

type Layout = { spec: LevelSpec; offset: number; groups: number }

function hrDiffMs(a: readonly [number, number], base: readonly [number, number]): number {
  return (a[0] - base[0]) * 1e3 + (a[1] - base[1]) / 1e6
}

export class TraceBreakdown {
  readonly #capacity: number
  readonly #stride: number
  readonly #rows: Float64Array
  readonly #levels: [Layout, Layout]
  readonly #rng: Rng
  #size = 0
  #seen = 0
  // Scratch for the children of one parent, grown on demand and reused: no allocation per trace.
  #starts: number[] = []
  #ends: number[] = []
  #cp: number[] = []
  #order: number[] = []
  #group: number[] = []

  constructor(options: { seed: number; capacity?: number }) {
    this.#capacity = options.capacity ?? DEFAULT_RESERVOIR_CAPACITY
    const request: Layout = { spec: REQUEST_LEVEL, offset: 0, groups: REQUEST_LEVEL.stages.length + 2 }
    const pipeline: Layout = {
      spec: PIPELINE_LEVEL,
      offset: 1 + 2 * request.groups,
      groups: PIPELINE_LEVEL.stages.length + 2,
    }
    this.#levels = [request, pipeline]
    this.#stride = pipeline.offset + 1 + 2 * pipeline.groups
    this.#rows = new Float64Array(this.#capacity * this.#stride)
    this.#rng = createRng(options.seed)
  }

  get size(): number {
    return this.#size
  }

  // `root` is the trace's server span. The reservoir decision comes first, so a trace that
  // will not be kept costs one random draw. Returns whether the trace was kept.
  observe(spans: readonly ReadableSpan[], root: ReadableSpan): boolean {
    this.#seen++
    let slot: number
    if (this.#size < this.#capacity) slot = this.#size++
    else {
      slot = Math.floor(this.#rng.next() * this.#seen)
      if (slot >= this.#capacity) return false
    }
    const rowStart = slot * this.#stride
    let pipeline: ReadableSpan | undefined
    for (const span of spans) {
      if (span.name === SPAN.pipeline) {
        pipeline = span
        break
      }
    }
    this.#fillLevel(spans, root, this.#levels[0], rowStart)
    this.#fillLevel(spans, pipeline, this.#levels[1], rowStart)
    return true
  }

  #fillLevel(
    spans: readonly ReadableSpan[],
    parent: ReadableSpan | undefined,
    layout: Layout,
    rowStart: number,
  ): void {
    const rows = this.#rows
    const base = rowStart + layout.offset
    for (let g = 0; g < layout.groups; g++) {
      rows[base + 1 + 2 * g] = Number.NaN
      rows[base + 2 + 2 * g] = 0
    }
    if (!parent) {
      rows[base] = Number.NaN
      return
    }
    const stages = layout.spec.stages
    const selfGroup = stages.length
    const otherGroup = stages.length + 1
    const parentId = parent.spanContext().spanId
    const origin = parent.startTime
    const parentEndMs = hrDiffMs(parent.endTime, origin)
    let count = 0
    for (const span of spans) {
      if (span.parentSpanContext?.spanId !== parentId || span === parent) continue
      this.#starts[count] = hrDiffMs(span.startTime, origin)
      this.#ends[count] = hrDiffMs(span.endTime, origin)
      this.#cp[count] = 0
      const stage = stages.indexOf(span.name)
      this.#group[count] = stage === -1 ? otherGroup : stage
      count++
    }
    const selfMs = splitCriticalPath(0, parentEndMs, this.#starts, this.#ends, count, this.#cp, this.#order)
    rows[base] = parentEndMs
    for (let i = 0; i < count; i++) {
      const at = base + 1 + 2 * this.#group[i]!
      const durationMs = this.#ends[i]! - this.#starts[i]!
      rows[at] = Number.isNaN(rows[at]!) ? durationMs : rows[at]! + durationMs
      rows[at + 1] = rows[at + 1]! + this.#cp[i]!
    }
    rows[base + 1 + 2 * selfGroup] = selfMs
    rows[base + 2 + 2 * selfGroup] = selfMs
  }

  results(): {
    traces_seen: number
    reservoir_size: number
    reservoir_capacity: number
    request: BreakdownLevel
    pipeline: BreakdownLevel
    method: string[]
  } {
    return {
      traces_seen: this.#seen,
      reservoir_size: this.#size,
      reservoir_capacity: this.#capacity,
      request: this.#summarize(this.#levels[0]),
      pipeline: this.#summarize(this.#levels[1]),
      method: [...BREAKDOWN_METHOD],
    }
  }

  #summarize(layout: Layout): BreakdownLevel {
    const rows = this.#rows
    const kept = rowsWithParent(rows, this.#stride, layout.offset, this.#size)
    const n = kept.length
    const names = [...layout.spec.stages, SELF_STAGE, OTHER_STAGE]
    const sortedMs = Float64Array.from(kept, (at) => rows[at]!)
    const w50 = rankWindow(n, P50_WINDOW)
    const w99 = rankWindow(n, P99_WINDOW)
    const { slowest, dominant } = dominantInSlowest(rows, kept, layout.groups)

    const reduced = new Float64Array(n)
    const stages: StageBreakdown[] = []
    for (let g = 0; g < layout.groups; g++) {
      const cpColumn = 2 + 2 * g
      const { present, durationSum, cpSum } = columnSums(rows, kept, 1 + 2 * g, cpColumn)
      const name = names[g]!
      if (name === OTHER_STAGE && present === 0) continue
      stages.push({
        stage: name,
        present_share: n === 0 ? 0 : name === SELF_STAGE ? 1 : present / n,
        mean_duration_ms: present === 0 ? 0 : durationSum / present,
        mean_critical_path_ms: n === 0 ? 0 : cpSum / n,
        share_p50: meanShare(rows, kept, cpColumn, w50),
        share_p99: meanShare(rows, kept, cpColumn, w99),
        dominates_slowest: dominant[g]!,
        savings: savingsIfFaster(rows, kept, cpColumn, reduced),
      })
    }
    return {
      parent: layout.spec.parent,
      traces: n,
      p50_ms: quantile(sortedMs, 0.5),
      p99_ms: quantile(sortedMs, 0.99),
      window_p50_traces: w50.to - w50.from + 1,
      window_p99_traces: w99.to - w99.from + 1,
      slowest_traces: slowest,
      stages,
    }
  }
}

type RankWindow = { from: number; to: number }

function quantile(values: Float64Array, p: number): number {
  return values.length === 0 ? 0 : quantileSorted(values as unknown as number[], p)
}

// The start of each reservoir row that has this level's parent, ordered by parent duration.
function rowsWithParent(rows: Float64Array, stride: number, offset: number, size: number): number[] {
  const kept: number[] = []
  for (let r = 0; r < size; r++) {
    if (!Number.isNaN(rows[r * stride + offset]!)) kept.push(r * stride + offset)
  }
  kept.sort((a, b) => rows[a]! - rows[b]!)
  return kept
}

function rankWindow(n: number, { centre, halfWidth }: { centre: number; halfWidth: number }): RankWindow {
  if (n === 0) return { from: 0, to: -1 }
  const from = Math.max(0, Math.floor((centre - halfWidth) * (n - 1)))
  const to = Math.min(n - 1, Math.ceil((centre + halfWidth) * (n - 1)))
  return { from, to }
}

function meanShare(rows: Float64Array, kept: number[], cpColumn: number, w: RankWindow): number {
  let sum = 0
  let m = 0
  for (let k = w.from; k <= w.to; k++) {
    const at = kept[k]!
    const parentMs = rows[at]!
    if (parentMs <= 0) continue
    sum += rows[at + cpColumn]! / parentMs
    m++
  }
  return m === 0 ? 0 : Math.min(1, Math.max(0, sum / m))
}

// The slowest 1%: each trace counts for its largest critical-path stage (first listed on ties).
function dominantInSlowest(
  rows: Float64Array,
  kept: number[],
  groups: number,
): { slowest: number; dominant: number[] } {
  const n = kept.length
  const slowest = n === 0 ? 0 : Math.max(1, Math.ceil(SLOWEST_FRACTION * n))
  const dominant = new Array<number>(groups).fill(0)
  for (let k = n - slowest; k < n; k++) {
    const at = kept[k]!
    let best = 0
    for (let g = 1; g < groups; g++) if (rows[at + 2 + 2 * g]! > rows[at + 2 + 2 * best]!) best = g
    dominant[best]!++
  }
  return { slowest, dominant }
}

// A stage that did not run has duration NaN (left out of its mean) and critical path 0.
function columnSums(
  rows: Float64Array,
  kept: number[],
  durationColumn: number,
  cpColumn: number,
): { present: number; durationSum: number; cpSum: number } {
  let present = 0
  let durationSum = 0
  let cpSum = 0
  for (const at of kept) {
    const durationMs = rows[at + durationColumn]!
    if (!Number.isNaN(durationMs)) {
      present++
      durationSum += durationMs
    }
    cpSum += rows[at + cpColumn]!
  }
  return { present, durationSum, cpSum }
}

// `reduced` is scratch space of kept.length, reused across stages.
function savingsIfFaster(
  rows: Float64Array,
  kept: number[],
  cpColumn: number,
  reduced: Float64Array,
): StageBreakdown['savings'] {
  return SAVINGS_FRACTIONS.map((fraction) => {
    for (let k = 0; k < kept.length; k++) {
      const at = kept[k]!
      reduced[k] = Math.max(0, rows[at]! - fraction * rows[at + cpColumn]!)
    }
    reduced.sort()
    return { faster_by: fraction, p50_ms: quantile(reduced, 0.5), p99_ms: quantile(reduced, 0.99) }
  })
}
