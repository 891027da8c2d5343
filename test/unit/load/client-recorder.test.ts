import { describe, expect, it } from 'vitest'
import { createClientRecorder } from '../../../src/load/client-recorder.ts'

describe('createClientRecorder', () => {
  it('counts everything, keeps post-warm-up latencies and summarises 1 s buckets by completion time', () => {
    const recorder = createClientRecorder({ warmupMs: 1000, keepSamples: true })
    // Sent in the warm-up, completed after it: counted, not kept.
    recorder.response({ sentAtMs: 900, completedAtMs: 1200, latencyMs: 300, status: 200, traceId: 'a' })
    for (let i = 0; i < 100; i++) {
      recorder.response({
        sentAtMs: 1100 + i,
        completedAtMs: 1150 + i,
        latencyMs: i + 1,
        status: i < 90 ? 200 : 503,
        traceId: `t${i}`,
      })
    }
    recorder.failure({ sentAtMs: 1500, failedAtMs: 3500, timeout: true, code: 'timeout', traceId: 'x' })
    recorder.failure({ sentAtMs: 500, failedAtMs: 501, timeout: false, code: 'ECONNRESET' })
    recorder.uncountedErrors('connection_closed', 2)
    const recording = recorder.finish(4000)

    expect(recording.completed).toBe(101)
    expect(recording.errors).toBe(3)
    expect(recording.timeouts).toBe(1)
    expect(recording.errorCodes).toEqual({ ECONNRESET: 1, connection_closed: 2 })
    expect(recording.statusCodes).toEqual({ '200': 91, '503': 10 })
    expect(recording.completedAfterWarmup).toBe(100)
    expect([...recording.latenciesMs]).not.toContain(300)
    // A sample per post-warm-up response and per post-warm-up failure with a trace id.
    expect(recording.samples).toHaveLength(101)
    expect(recording.samples!.at(-1)).toMatchObject({ traceId: 'x', status: 0, latencyMs: 2000 })

    expect(recording.intervals.map((i) => i.start_ms)).toEqual([0, 1000, 2000, 3000])
    expect(recording.intervals.map((i) => i.warmup)).toEqual([true, false, false, false])
    expect(recording.intervals[0]).toMatchObject({ requests: 0, errors: 1, p50_ms: null, p99_ms: null })
    const second = recording.intervals[1]!
    expect(second.requests).toBe(101)
    expect(second.status_codes).toEqual({ '200': 91, '503': 10 })
    // Type-7 quantiles of 1..100 plus 300.
    expect(second.p50_ms).toBe(51)
    expect(second.p99_ms).toBe(100)
    expect(recording.intervals[3]).toMatchObject({ requests: 0, errors: 1 })
  })
})
