// Messages between the harness (parent) and the endpoint's process (child) over Node's IPC
// channel. The endpoint runs in its own process so that the load driver's work never shares
// an event loop with the spans it measures.
import type { WhatIfPrediction } from '../analysis/what-if-predictor.ts'

import type { AnalysisResults } from '../contract/analysis-schema.ts'
import type { DependencyBaseUrls } from '../contract/dependency-api.ts'
import type { MockCallRecord } from '../contract/mock-call.ts'
import type { SamplerConfig, Scenario } from '../scenario/schema.ts'
import type { MockCallJoinCounters } from '../telemetry/otlp/mock-call-join.ts'
import type { OtlpReceiverCounters } from '../telemetry/otlp/otlp-receiver.ts'
import type { CollectorResults } from '../telemetry/stage-collector.ts'
import type { ProcessStats } from './process-meter.ts'

// From the end of warm-up to the finish request.
export type EndpointProcessStats = ProcessStats & {
  heap_used_after_gc_mb: number | null
  // The built-in endpoint: time inside the harness's span processors and the requests it served,
  // from the moment measuring started (absent for a target service).
  span_processing?: { ms: number; requests: number }
}

// Overhead mode: one trial's figures, and per arm the stage statistics that show what sampling
// costs in precision.
export type TrialStats = {
  cpu_ms: number
  server_requests: number
  event_loop_delay_p99_ms: number
  rss_mb: number
}
export type ArmStageStats = Record<
  string,
  { count: number; p99_ms: number; p99_ci_ms: [number, number] | null }
>

// What the endpoint's process is started for: a run (spans to the StageCollector, measured from
// the end of warm-up); sampling-overhead trials (spans to the per-arm recorder only: what a
// cheap exporter costs); or the harness tax, the same trials with the StageCollector measuring
// every span as in a run (`npm run bench`: what the harness's own processing costs).
export type EndpointMode = 'run' | 'overhead' | 'harness-tax'

export type ToEndpoint =
  // baseUrls: where the mock servers listen (mocks.transport: http); absent: msw in-process.
  | {
      type: 'start'
      scenario: Scenario
      consoleSpans?: boolean
      mode?: EndpointMode
      baseUrls?: DependencyBaseUrls
    }
  | { type: 'arm'; arm: number; sampler: SamplerConfig; calibrationUs: number }
  | { type: 'trial-begin' }
  | { type: 'trial-end' }
  | { type: 'arm-results' }
  // Sent before the load starts: spans that start from this epoch time on are measured. The
  // host sets it no later than the driver's own end of warm-up (see driveLoad in
  // run-scenario.ts), so every request the driver measures has its server trace measured too.
  | { type: 'measure-from'; fromEpochMs: number }
  // At the end of warm-up: the process meters (CPU, event-loop delay) start.
  | { type: 'measure' }
  // expectedServerSpans (a target service): the drain ends early once this many server spans came.
  | { type: 'finish'; drainTimeoutMs: number; expectedServerSpans?: number }
  // The target process (target-process.ts): start the team's service and the OTLP receiver.
  | {
      type: 'start-target'
      scenario: Scenario
      baseUrls: DependencyBaseUrls
      scenarioDir: string
      logFile: string
    }
  // To the target process: calls the mock servers answered, for mock fidelity (mock-call-join.ts).
  | { type: 'mock-calls'; calls: MockCallRecord[] }

export type FromEndpoint =
  // baseUrl and servicePid: a target service (servicePid null when it was already running).
  | { type: 'ready'; port: number; pid: number; baseUrl?: string; servicePid?: number | null }
  // Unsolicited, from the target process: the service exited during the run.
  | { type: 'service-exited'; reason: string }
  | { type: 'measure-from-set' }
  | { type: 'measuring' }
  | {
      type: 'results'
      results: CollectorResults
      analysis: AnalysisResults
      stats: EndpointProcessStats
      inFlightAtFinish: number
      receiver?: OtlpReceiverCounters // a target service: what the OTLP receiver took and refused
      fidelityJoin?: MockCallJoinCounters // a target service: mock calls joined with client spans
      serverSpanName?: string // a target service: its server span's most common name
      whatIf?: WhatIfPrediction[]
    }
  | { type: 'arm-set' }
  | { type: 'trial-begun' }
  | { type: 'trial-stats'; stats: TrialStats }
  | { type: 'arm-results'; arms: Record<number, ArmStageStats> }
  | { type: 'failed'; message: string }
