// What a load driver hands back: every request accounted for, client-side latencies after the
// warm-up, and a per-second time series. Both drivers (closed: autocannon; open: ours) fill the
// same shape so the report does not care which one ran; `driver` names the one that did.
import type { Report } from '../contract/report-types.ts'
import type { StreamRecord } from './stream-timing.ts'

// One bucket of the per-second series: report.json's `intervals` (contract/report-schema.ts).
export type ClientInterval = Report['intervals'][number]

// One request after the warm-up, for joining client latency with the server trace.
export type ClientSample = {
  traceId: string
  // 0 when the request failed without a response (error or timeout).
  status: number
  // Send time, ms since the start of the run: the intended time in the open model.
  sentAtMs: number
  // For a response: latency from sentAtMs (the client's view). For a failure: time to failure.
  latencyMs: number
  // Actual minus intended send time (open model); 0 in the closed model.
  lagMs: number
}

export type ClientLoadResult = {
  // e.g. 'autocannon 8.0.0 (closed model)' or 'node:http keep-alive agent (open model)'
  driver: string
  model: 'closed' | 'open'
  // Closed model: concurrent connections. Open model: the concurrency cap (max in flight).
  connections: number
  // Wall-clock start (epoch ms).
  startedAtMs: number
  // sent = completed + errors + timeouts + inFlightAtEnd
  sent: number
  completed: number
  errors: number
  timeouts: number
  inFlightAtEnd: number
  // Error counts by code (ECONNREFUSED, ECONNRESET, connection_closed, ...); timeouts not included.
  errorCodes: Record<string, number>
  statusCodes: Record<string, number>
  // Client latency of every response (all statuses) sent after the warm-up, in completion order.
  latenciesMs: Float64Array
  // From the end of the warm-up to the end of the run.
  measuredDurationMs: number
  completedAfterWarmup: number
  intervals: ClientInterval[]
  // Present when the driver was asked to keep them (keepSamples).
  samples?: ClientSample[]
  // Streamed requests after the warm-up (stream: true in the mix); absent when none were sent.
  streams?: StreamRecord[]
  // True when stopped by the abort signal before the planned end.
  interrupted: boolean
  // Plain-language caveats about this driver's numbers (empty when there are none).
  warnings: string[]
}

export type ClientProgress = { elapsedMs: number; sent: number; completed: number; errors: number }
