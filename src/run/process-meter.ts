// What a child process reports about itself for the trust guards: CPU time, event-loop delay
// (perf_hooks at 1 ms resolution: how late timers fire, i.e. how long a ready callback waited
// behind other work) and peak RSS, from the moment measuring starts.
import { monitorEventLoopDelay } from 'node:perf_hooks'

export type ProcessStats = {
  cpu_user_ms: number
  cpu_system_ms: number
  event_loop_delay_ms: { p50: number; p99: number; max: number }
  rss_peak_mb: number
  wall_ms: number // from the start of measuring to now
}

export type ProcessMeter = { start(): void; stats(): ProcessStats; stop(): void }

export function createProcessMeter(): ProcessMeter {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  let cpuAtStart = process.cpuUsage()
  let startedAt = performance.now()
  let rssPeakBytes = process.memoryUsage.rss()
  const rssTimer = setInterval(() => {
    rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss())
  }, 250)
  rssTimer.unref()
  const ms = (ns: number) => ns / 1e6
  return {
    start() {
      cpuAtStart = process.cpuUsage()
      startedAt = performance.now()
      loopDelay.reset()
      loopDelay.enable()
    },
    stats() {
      const cpu = process.cpuUsage(cpuAtStart)
      rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss())
      const sampled = loopDelay.count > 0
      return {
        cpu_user_ms: cpu.user / 1000,
        cpu_system_ms: cpu.system / 1000,
        event_loop_delay_ms: {
          p50: sampled ? ms(loopDelay.percentile(50)) : 0,
          p99: sampled ? ms(loopDelay.percentile(99)) : 0,
          max: sampled ? ms(loopDelay.max) : 0,
        },
        rss_peak_mb: rssPeakBytes / 2 ** 20,
        wall_ms: performance.now() - startedAt,
      }
    },
    stop() {
      loopDelay.disable()
    },
  }
}

// A young-generation collection (a scavenge) now, on this trial's clock. Overhead trials end
// with one, after their requests have drained, so that each trial pays for the short-lived
// garbage it made instead of leaving it to the next trial, which may be another arm's: with
// 1 s trials and a scavenge every second or so at 50 req/s, that carry-over would move a share
// of one arm's cost onto its neighbour. Nothing is in flight then, so it copies little. Major
// collections still land where they fall (forcing a full one per trial, tried once, raised CPU
// per request from ~2.1 to ~4 ms). Needs --expose-gc; does nothing without it.
export function collectYoungGeneration(): void {
  globalThis.gc?.({ type: 'minor' })
}

// Heap in use after a full collection: what the process really keeps (RSS also holds V8's
// headroom, which grows and is rarely returned). Needs --expose-gc, which the harness passes to
// its children; null without it.
export function heapUsedAfterGcMb(): number | null {
  if (typeof globalThis.gc !== 'function') return null
  globalThis.gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}
