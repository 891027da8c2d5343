// Messages between the harness (parent) and the endpoint's process (child) over Node's IPC
// channel. The endpoint runs in its own process so that the load driver's work never shares
// an event loop with the spans it measures.
import type { Scenario } from '../scenario/schema.ts'
import type { CollectorResults } from '../telemetry/stage-collector.ts'

export type EndpointProcessStats = {
  cpu_user_ms: number
  cpu_system_ms: number
  event_loop_delay_ms: { p50: number; p99: number; max: number }
  rss_peak_mb: number
}

export type ToEndpoint =
  | { type: 'start'; scenario: Scenario; consoleSpans?: boolean }
  | { type: 'measure' }
  | { type: 'finish'; drainTimeoutMs: number }

export type FromEndpoint =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'measuring' }
  | { type: 'results'; results: CollectorResults; stats: EndpointProcessStats; inFlightAtFinish: number }
  | { type: 'failed'; message: string }
