// Collects what a driver observes, in the driver's own time base (ms since the start of the
// run), into the totals, the post-warm-up latencies and the per-second time series of a
// ClientLoadResult. Shared by both drivers so they count the same way.
import { quantileSorted } from 'simple-statistics'
import type { ClientInterval, ClientLoadResult, ClientSample } from './client-load-result.ts'
import type { StreamRecord } from './stream-timing.ts'

export type ClientRecorderOptions = { warmupMs: number; intervalMs?: number; keepSamples?: boolean }

export type RecordedResponse = {
  sentAtMs: number
  completedAtMs: number
  latencyMs: number
  status: number
  traceId: string
  lagMs?: number
  // A streamed answer's timing (stream-timing.ts).
  stream?: StreamRecord
}

export type RecordedFailure = {
  sentAtMs: number
  failedAtMs: number
  timeout: boolean
  code: string
  // Unknown in the closed model (autocannon does not say which request failed): no sample.
  traceId?: string
  lagMs?: number
}

type Bucket = { requests: number; errors: number; statusCodes: Record<string, number>; latenciesMs: number[] }

// The recorder's share of a driver's result; the driver adds the counts only it knows.
export type ClientRecording = Pick<
  ClientLoadResult,
  | 'completed'
  | 'errors'
  | 'timeouts'
  | 'errorCodes'
  | 'statusCodes'
  | 'latenciesMs'
  | 'completedAfterWarmup'
  | 'intervals'
  | 'samples'
> & {
  // Every streamed request sent after the warm-up that got a response.
  streams: StreamRecord[]
}

export type ClientRecorder = {
  response(response: RecordedResponse): void
  failure(failure: RecordedFailure): void
  // Errors known only as a count (no time), e.g. requests autocannon lost on a closed connection.
  uncountedErrors(code: string, count: number): void
  readonly completed: number
  readonly errors: number
  readonly timeouts: number
  finish(endMs: number): ClientRecording
}

export function createClientRecorder(options: ClientRecorderOptions): ClientRecorder {
  const intervalMs = options.intervalMs ?? 1000
  const { warmupMs } = options
  const samples: ClientSample[] | undefined = options.keepSamples ? [] : undefined
  const latenciesMs: number[] = []
  const streams: StreamRecord[] = []
  const statusCodes: Record<string, number> = {}
  const errorCodes: Record<string, number> = {}
  const series = createTimeSeries(intervalMs)
  let completed = 0
  let errors = 0
  let timeouts = 0

  return {
    response(response): void {
      completed += 1
      const code = String(response.status)
      statusCodes[code] = (statusCodes[code] ?? 0) + 1
      series.response(response.completedAtMs, code, response.latencyMs)
      if (response.sentAtMs >= warmupMs) {
        latenciesMs.push(response.latencyMs)
        if (response.stream) streams.push(response.stream)
        samples?.push({
          traceId: response.traceId,
          status: response.status,
          sentAtMs: response.sentAtMs,
          latencyMs: response.latencyMs,
          lagMs: response.lagMs ?? 0,
        })
      }
    },
    failure(failure): void {
      if (failure.timeout) timeouts += 1
      else {
        errors += 1
        errorCodes[failure.code] = (errorCodes[failure.code] ?? 0) + 1
      }
      series.failure(failure.failedAtMs)
      if (failure.traceId !== undefined && failure.sentAtMs >= warmupMs) {
        samples?.push({
          traceId: failure.traceId,
          status: 0,
          sentAtMs: failure.sentAtMs,
          latencyMs: failure.failedAtMs - failure.sentAtMs,
          lagMs: failure.lagMs ?? 0,
        })
      }
    },
    uncountedErrors(code, count): void {
      if (count <= 0) return
      errors += count
      errorCodes[code] = (errorCodes[code] ?? 0) + count
    },
    get completed() {
      return completed
    },
    get errors() {
      return errors
    },
    get timeouts() {
      return timeouts
    },
    finish(endMs): ClientRecording {
      series.end(endMs)
      return {
        completed,
        errors,
        timeouts,
        errorCodes: { ...errorCodes },
        statusCodes: { ...statusCodes },
        latenciesMs: Float64Array.from(latenciesMs),
        completedAfterWarmup: latenciesMs.length,
        intervals: series.summaries(warmupMs),
        ...(samples ? { samples } : {}),
        streams,
      }
    },
  }
}

// The per-interval time series: one bucket per intervalMs from the start of the run, each made
// when first needed (and every one before it, so that quiet intervals show as empty).
function createTimeSeries(intervalMs: number) {
  const buckets: Bucket[] = []
  const bucketAt = (atMs: number): Bucket => {
    const index = Math.max(0, Math.floor(atMs / intervalMs))
    for (let i = buckets.length; i <= index; i++) {
      buckets.push({ requests: 0, errors: 0, statusCodes: {}, latenciesMs: [] })
    }
    return buckets[index]!
  }
  return {
    response(atMs: number, code: string, latencyMs: number): void {
      const bucket = bucketAt(atMs)
      bucket.requests += 1
      bucket.statusCodes[code] = (bucket.statusCodes[code] ?? 0) + 1
      bucket.latenciesMs.push(latencyMs)
    },
    failure(atMs: number): void {
      bucketAt(atMs).errors += 1
    },
    // The run's last interval exists even when nothing happened in it.
    end(endMs: number): void {
      if (endMs > 0) bucketAt(endMs - 1e-9)
    },
    summaries(warmupMs: number): ClientInterval[] {
      return buckets.map((bucket, i) => summarise(bucket, i * intervalMs, warmupMs))
    },
  }
}

// Quantiles by simple-statistics' quantileSorted: linear interpolation between order statistics
// at (n − 1)·p (Hyndman & Fan type 7, numpy's default).
function summarise(bucket: Bucket, startMs: number, warmupMs: number): ClientInterval {
  const sorted = bucket.latenciesMs.sort((a, b) => a - b)
  return {
    start_ms: startMs,
    warmup: startMs < warmupMs,
    requests: bucket.requests,
    errors: bucket.errors,
    status_codes: bucket.statusCodes,
    p50_ms: sorted.length > 0 ? quantileSorted(sorted, 0.5) : null,
    p99_ms: sorted.length > 0 ? quantileSorted(sorted, 0.99) : null,
  }
}
