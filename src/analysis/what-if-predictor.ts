// What-if predictions from the traces (in the endpoint process, fed every measured trace like the
// trace analyzer): for each budgeted stage and each change "dependency D's latency × f", the
// stage's percentiles if every measured span of that stage had been (f − 1) × (D's drawn latency
// on the stage's critical path) longer. Per stage, a uniform reservoir of up to 10,000 spans
// (Vitter's Algorithm R, seeded) of (duration, change per what-if): constant memory.
//
// D's time on a span's critical path: D's client spans below it, swept with the critical-path
// rule of critical-path.ts among themselves (overlapping calls count once), each scaled by its
// drawn share (harness.mock_delay_ms ÷ the call's span duration: only the drawn latency is
// scaled; the transport around it is not). First order by construction: it assumes the calls
// stay on the stage's critical path and nothing else moves (no queueing, rate limits, retries or
// timeouts that depend on the latency).
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import type { StageSelector } from '../budget/parse-budget.ts'
import { MOCK_DELAY_ATTRIBUTE } from '../contract/dependency-api.ts'
import { createRng, type Rng } from '../rng.ts'
import type { WhatIfChange } from '../scenario/schema.ts'
import { splitCriticalPath } from './critical-path.ts'

export const WHAT_IF_RESERVOIR = 10_000
export const PREDICTED_QUANTILES = { p50: 0.5, p95: 0.95, p99: 0.99 } as const

export type WhatIfPrediction = {
  change: string
  stage: string
  spans: number // spans in the reservoir
  // Per percentile: the reservoir's own value, and the value with the change applied.
  reservoir_ms: Record<keyof typeof PREDICTED_QUANTILES, number>
  predicted_ms: Record<keyof typeof PREDICTED_QUANTILES, number>
}

type StageReservoir = { selector: StageSelector; rows: Float64Array; size: number; seen: number }

function hrMs(t: readonly [number, number]): number {
  return t[0] * 1e3 + t[1] / 1e6
}

function matches(span: ReadableSpan, selector: StageSelector): boolean {
  if (span.name !== selector.spanName) return false
  for (const [name, value] of Object.entries(selector.attributes)) {
    const actual = span.attributes[name]
    if (actual === undefined || String(actual) !== value) return false
  }
  return true
}

export class WhatIfPredictor {
  readonly #changes: readonly WhatIfChange[]
  readonly #stages: StageReservoir[]
  readonly #stride: number
  readonly #capacity: number
  readonly #rng: Rng

  constructor(options: {
    seed: number
    selectors: readonly StageSelector[]
    changes: readonly WhatIfChange[]
    capacity?: number
  }) {
    this.#changes = options.changes
    this.#capacity = options.capacity ?? WHAT_IF_RESERVOIR
    this.#stride = 1 + options.changes.length
    const unique = new Map(options.selectors.map((s) => [s.key, s]))
    this.#stages = [...unique.values()].map((selector) => ({
      selector,
      rows: new Float64Array(this.#capacity * this.#stride),
      size: 0,
      seen: 0,
    }))
    this.#rng = createRng(options.seed ^ 0x5eed)
  }

  observeTrace(spans: readonly ReadableSpan[]): void {
    let children: Map<string, ReadableSpan[]> | undefined
    for (const span of spans) {
      for (const stage of this.#stages) {
        if (!matches(span, stage.selector)) continue
        stage.seen++
        let slot: number
        if (stage.size < this.#capacity) slot = stage.size++
        else {
          slot = Math.floor(this.#rng.next() * stage.seen)
          if (slot >= this.#capacity) continue
        }
        children ??= childrenOf(spans)
        this.#fill(stage.rows, slot * this.#stride, span, children)
      }
    }
  }

  #fill(rows: Float64Array, at: number, span: ReadableSpan, children: Map<string, ReadableSpan[]>): void {
    const startMs = hrMs(span.startTime)
    const endMs = hrMs(span.endTime)
    rows[at] = endMs - startMs
    const below = descendants(span, children)
    this.#changes.forEach((change, c) => {
      const calls = below.filter((s) => s.attributes['peer.service'] === change.dependency)
      const cp = new Array<number>(calls.length).fill(0)
      splitCriticalPath(
        startMs,
        endMs,
        calls.map((s) => hrMs(s.startTime)),
        calls.map((s) => hrMs(s.endTime)),
        calls.length,
        cp,
        new Array<number>(calls.length),
      )
      let drawnOnPath = 0
      calls.forEach((call, i) => {
        const durationMs = hrMs(call.endTime) - hrMs(call.startTime)
        const drawn = Number(call.attributes[MOCK_DELAY_ATTRIBUTE])
        const share = Number.isFinite(drawn) && durationMs > 0 ? Math.min(1, drawn / durationMs) : 1
        drawnOnPath += cp[i]! * share
      })
      rows[at + 1 + c] = (change.factor - 1) * drawnOnPath
    })
  }

  results(): WhatIfPrediction[] {
    const out: WhatIfPrediction[] = []
    for (const stage of this.#stages) {
      const actual = new Float64Array(stage.size)
      for (let r = 0; r < stage.size; r++) actual[r] = stage.rows[r * this.#stride]!
      const sortedActual = Float64Array.from(actual).sort()
      this.#changes.forEach((change, c) => {
        const changed = new Float64Array(stage.size)
        for (let r = 0; r < stage.size; r++)
          changed[r] = Math.max(0, actual[r]! + stage.rows[r * this.#stride + 1 + c]!)
        changed.sort()
        out.push({
          change: change.label,
          stage: stage.selector.key,
          spans: stage.size,
          reservoir_ms: quantiles(sortedActual),
          predicted_ms: quantiles(changed),
        })
      })
    }
    return out
  }
}

function quantiles(sorted: Float64Array): Record<keyof typeof PREDICTED_QUANTILES, number> {
  const q = (p: number) => (sorted.length === 0 ? 0 : quantileSorted(sorted as unknown as number[], p))
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) }
}

function childrenOf(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const map = new Map<string, ReadableSpan[]>()
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId
    if (!parent) continue
    const list = map.get(parent)
    if (list) list.push(span)
    else map.set(parent, [span])
  }
  return map
}

function descendants(span: ReadableSpan, children: Map<string, ReadableSpan[]>): ReadableSpan[] {
  const out: ReadableSpan[] = []
  const stack = [...(children.get(span.spanContext().spanId) ?? [])]
  while (stack.length > 0) {
    const next = stack.pop()!
    out.push(next)
    stack.push(...(children.get(next.spanContext().spanId) ?? []))
  }
  return out
}
