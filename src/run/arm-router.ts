// In overhead mode the endpoint's spans go to a small per-arm recorder instead of the full
// StageCollector: every arm that records spans pays the same, minimal processing cost (what a
// cheap exporter would cost), and each arm's stage histograms show what its sampling costs in
// precision.
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { STAGE_SPAN_NAMES } from '../contract/span-names.ts'
import { HdrDurationRecorder } from '../stats/hdr-recorder.ts'
import { hrtimeToMs } from '../units.ts'
import type { ArmStageStats } from './endpoint-protocol.ts'

const STAGES = new Set(STAGE_SPAN_NAMES)

export class ArmRouter implements SpanProcessor {
  readonly #arms = new Map<number, Map<string, HdrDurationRecorder>>()
  #current = new Map<string, HdrDurationRecorder>()
  recording = false // off during the discarded warm-up

  switchTo(arm: number): void {
    let stages = this.#arms.get(arm)
    if (!stages) {
      stages = new Map()
      this.#arms.set(arm, stages)
    }
    this.#current = stages
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (!this.recording || !STAGES.has(span.name)) return
    let recorder = this.#current.get(span.name)
    if (!recorder) {
      recorder = new HdrDurationRecorder()
      this.#current.set(span.name, recorder)
    }
    recorder.record(hrtimeToMs(span.duration))
  }

  results(): Record<number, ArmStageStats> {
    const out: Record<number, ArmStageStats> = {}
    for (const [arm, stages] of this.#arms) {
      out[arm] = {}
      for (const [name, recorder] of stages) {
        // The same distribution-free interval as the budgets (stats/quantile-interval.ts); null
        // when the arm's sample cannot bound the p99 on both sides (fewer than 368 spans).
        const [low, high] = recorder.percentileIntervalsMs()?.p99 ?? [null, null]
        out[arm][name] = {
          count: recorder.count,
          p99_ms: recorder.percentileMs(99),
          p99_ci_ms: low !== null && high !== null ? [low, high] : null,
        }
      }
    }
    return out
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}
