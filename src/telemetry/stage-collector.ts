// The harness's own span processor. It aggregates in onEnd (duration into a per-stage HDR
// histogram, error counts) and keeps no span objects beyond the traces still in flight, so its
// memory is constant in the number of spans (the SDK's InMemorySpanExporter holds about 3 KB per
// span: gigabytes for a long run). A small, bounded set of whole traces is kept as exemplars.
// It is attached directly to the provider (no exporter, no batch queue), so no span can be
// dropped between the SDK and the statistics.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { StageSelector } from '../budget/parse-budget.ts'
import { createRng, type Rng } from '../mocks/rng.ts'
import type { StageStats } from '../report/report-types.ts'
import { HdrDurationRecorder } from '../stats/hdr-recorder.ts'
import { SPAN } from './span-names.ts'
import { errorPath, hrToMs, type TraceRecord, toTraceRecord } from './trace-record.ts'

export type CollectorOptions = {
  selectors?: readonly StageSelector[] // attribute-narrowed stages that budgets name
  slowestTraces?: number
  errorTracesPerKind?: number
  sampledTraces?: number
  seed?: number
  maxPendingTraces?: number
  maxStageNames?: number
  // Called with every whole trace that started after warm-up, when its server span ends
  // (children end first). Trace-level analysis hangs off this; it must be cheap and bounded.
  onMeasuredTrace?: (spans: readonly ReadableSpan[]) => void
}

export type CollectorCounters = {
  spans_started: number
  spans_ended: number
  server_spans: number // local root spans ended: every request that reached the endpoint
  pipeline_roots: number // rag_pipeline spans ended
  traces_dropped_pending: number // in-flight traces evicted because maxPendingTraces was hit
  stage_names_dropped: number
}

export type CollectorResults = {
  counters: CollectorCounters
  stages: Record<string, StageStats>
  exemplars: TraceRecord[]
  root_causes: Record<string, number> // error path → count of measured traces
}

type Stage = { recorder: HdrDurationRecorder; errors: number }

export class StageCollector implements SpanProcessor {
  readonly #selectorsByName = new Map<string, StageSelector[]>()
  readonly #stages = new Map<string, Stage>()
  readonly #pending = new Map<string, ReadableSpan[]>()
  readonly #slowest: TraceRecord[] = []
  readonly #errorsByKind = new Map<string, TraceRecord[]>()
  readonly #rootCauses = new Map<string, number>()
  readonly #sample: TraceRecord[] = []
  #sampleSeen = 0
  readonly #rng: Rng
  readonly #options: Required<Omit<CollectorOptions, 'selectors' | 'seed' | 'onMeasuredTrace'>>
  readonly #onMeasuredTrace: ((spans: readonly ReadableSpan[]) => void) | undefined
  #measureFromMs = Number.NEGATIVE_INFINITY
  readonly counters: CollectorCounters = {
    spans_started: 0,
    spans_ended: 0,
    server_spans: 0,
    pipeline_roots: 0,
    traces_dropped_pending: 0,
    stage_names_dropped: 0,
  }

  constructor(options: CollectorOptions = {}) {
    for (const selector of options.selectors ?? []) {
      if (Object.keys(selector.attributes).length === 0) continue
      const list = this.#selectorsByName.get(selector.spanName) ?? []
      list.push(selector)
      this.#selectorsByName.set(selector.spanName, list)
    }
    this.#rng = createRng(options.seed ?? 1)
    this.#onMeasuredTrace = options.onMeasuredTrace
    this.#options = {
      slowestTraces: options.slowestTraces ?? 5,
      errorTracesPerKind: options.errorTracesPerKind ?? 3,
      sampledTraces: options.sampledTraces ?? 50,
      maxPendingTraces: options.maxPendingTraces ?? 20_000,
      maxStageNames: options.maxStageNames ?? 200,
    }
  }

  // Spans that start before this moment (epoch ms, the SDK's clock) are warm-up: counted for
  // accounting, left out of every statistic.
  startMeasuring(fromEpochMs = performance.timeOrigin + performance.now()): void {
    this.#measureFromMs = fromEpochMs
  }

  onStart(_span: Span): void {
    this.counters.spans_started++
  }

  onEnd(span: ReadableSpan): void {
    this.counters.spans_ended++
    const isLocalRoot = span.kind === SpanKind.SERVER
    if (isLocalRoot) this.counters.server_spans++
    if (span.name === SPAN.pipeline) this.counters.pipeline_roots++
    const measured = hrToMs(span.startTime) >= this.#measureFromMs
    if (measured) this.#record(span)

    const traceId = span.spanContext().traceId
    let spans = this.#pending.get(traceId)
    if (!spans) {
      if (this.#pending.size >= this.#options.maxPendingTraces) {
        // Evict the oldest in-flight trace: memory stays bounded if roots never end.
        const oldest = this.#pending.keys().next().value as string
        this.#pending.delete(oldest)
        this.counters.traces_dropped_pending++
      }
      spans = []
      this.#pending.set(traceId, spans)
    }
    spans.push(span)
    if (isLocalRoot) {
      this.#pending.delete(traceId)
      if (measured)
        this.#considerExemplar(spans, hrToMs(span.duration), span.status.code === SpanStatusCode.ERROR)
    }
  }

  #record(span: ReadableSpan): void {
    const durationMs = hrToMs(span.duration)
    const isError = span.status.code === SpanStatusCode.ERROR
    this.#stage(span.name)?.recorder.record(durationMs)
    if (isError) this.#stage(span.name)!.errors++
    const selectors = this.#selectorsByName.get(span.name)
    if (!selectors) return
    for (const selector of selectors) {
      if (!matches(span, selector)) continue
      const stage = this.#stage(selector.key)!
      stage.recorder.record(durationMs)
      if (isError) stage.errors++
    }
  }

  #stage(key: string): Stage | undefined {
    let stage = this.#stages.get(key)
    if (!stage) {
      if (this.#stages.size >= this.#options.maxStageNames) {
        this.counters.stage_names_dropped++
        return undefined
      }
      stage = { recorder: new HdrDurationRecorder(), errors: 0 }
      this.#stages.set(key, stage)
    }
    return stage
  }

  #considerExemplar(spans: ReadableSpan[], durationMs: number, rootError: boolean): void {
    const hasError = rootError || spans.some((s) => s.status.code === SpanStatusCode.ERROR)
    if (hasError) {
      const record = toTraceRecord(spans, 'error')
      const kind = errorPath(record) ?? 'unknown error'
      this.#rootCauses.set(kind, (this.#rootCauses.get(kind) ?? 0) + 1)
      const kept = this.#errorsByKind.get(kind) ?? []
      if (kept.length < this.#options.errorTracesPerKind && this.#errorsByKind.size < 50) {
        kept.push(record)
        this.#errorsByKind.set(kind, kept)
      }
    }
    // Slowest N: a small sorted array beats a heap at N = 5.
    const slowest = this.#slowest
    if (
      slowest.length < this.#options.slowestTraces ||
      durationMs > slowest[slowest.length - 1]!.duration_ms
    ) {
      slowest.push(toTraceRecord(spans, 'slowest'))
      slowest.sort((a, b) => b.duration_ms - a.duration_ms)
      if (slowest.length > this.#options.slowestTraces) slowest.pop()
    }
    // Uniform sample of measured traces: reservoir sampling, Vitter's Algorithm R.
    this.#sampleSeen++
    if (this.#sample.length < this.#options.sampledTraces) {
      this.#sample.push(toTraceRecord(spans, 'sample'))
    } else {
      const j = Math.floor(this.#rng.next() * this.#sampleSeen)
      if (j < this.#options.sampledTraces) this.#sample[j] = toTraceRecord(spans, 'sample')
    }
  }

  results(): CollectorResults {
    const stages: Record<string, StageStats> = {}
    for (const [key, stage] of this.#stages) stages[key] = stage.recorder.toStageStats(stage.errors)
    const exemplars = [...this.#slowest, ...[...this.#errorsByKind.values()].flat(), ...this.#sample]
    return {
      counters: { ...this.counters },
      stages,
      exemplars,
      root_causes: Object.fromEntries(this.#rootCauses),
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

function matches(span: ReadableSpan, selector: StageSelector): boolean {
  for (const [name, value] of Object.entries(selector.attributes)) {
    const actual = span.attributes[name]
    if (actual === undefined || String(actual) !== value) return false
  }
  return true
}
