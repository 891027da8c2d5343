// Entry point of the endpoint's child process (forked by endpoint-host.ts).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { ArmRouter } from '../overhead/arm-router.ts'
import { ConsoleTreeProcessor } from '../telemetry/console-tree-processor.ts'
import { createSampler } from '../telemetry/tracer-provider.ts'
import { createEndpointApp, type EndpointApp } from './endpoint-app.ts'
import type { EndpointProcessStats, FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'

let app: EndpointApp | undefined
let armRouter: ArmRouter | undefined
// perf_hooks at 1 ms resolution: how late timers fire, i.e. how long a ready callback waited
// behind other work. Queueing here shows up inside every span that awaits I/O.
const loopDelay = monitorEventLoopDelay({ resolution: 1 })
let cpuAtMeasure = process.cpuUsage()
let measuredFrom = performance.now()
let trialRequestsAtBegin = 0
let rssPeakBytes = process.memoryUsage.rss()
const rssTimer = setInterval(() => {
  rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss())
}, 250)
rssTimer.unref()

function send(message: FromEndpoint): void {
  process.send?.(message)
}

function stats(): EndpointProcessStats {
  const cpu = process.cpuUsage(cpuAtMeasure)
  rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss())
  const ns = (n: number) => n / 1e6
  return {
    cpu_user_ms: cpu.user / 1000,
    cpu_system_ms: cpu.system / 1000,
    event_loop_delay_ms: {
      p50: ns(loopDelay.percentile(50)),
      p99: ns(loopDelay.percentile(99)),
      max: ns(loopDelay.max),
    },
    rss_peak_mb: rssPeakBytes / 2 ** 20,
    wall_ms: performance.now() - measuredFrom,
  }
}

async function waitForDrain(timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs
  while (app && app.endpoint.inFlight > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

process.on('message', async (message: ToEndpoint) => {
  try {
    if (message.type === 'start') {
      const extra = message.consoleSpans ? [new ConsoleTreeProcessor()] : []
      if (message.mode === 'overhead') armRouter = new ArmRouter()
      app = createEndpointApp(message.scenario, {
        extraProcessors: extra,
        ...(armRouter ? { processors: [armRouter] } : {}),
      })
      // Nothing counts for the statistics until the harness says warm-up is over.
      app.collector.startMeasuring(Number.POSITIVE_INFINITY)
      const address = await app.endpoint.listen(0, '127.0.0.1')
      send({ type: 'ready', port: address.port, pid: process.pid })
    } else if (message.type === 'measure') {
      app?.collector.startMeasuring()
      cpuAtMeasure = process.cpuUsage()
      measuredFrom = performance.now()
      loopDelay.reset()
      loopDelay.enable()
      send({ type: 'measuring' })
    } else if (message.type === 'arm') {
      // The sampler is switched inside this one process between trials (SwitchableSampler), so
      // process-to-process noise does not swamp a difference of a few percent.
      app!.tracing.sampler.switchTo(createSampler(message.sampler))
      app!.endpoint.setCalibrationCostUs(message.calibrationUs)
      armRouter?.switchTo(message.arm)
      send({ type: 'arm-set' })
    } else if (message.type === 'trial-begin') {
      if (armRouter) armRouter.recording = true
      cpuAtMeasure = process.cpuUsage()
      measuredFrom = performance.now()
      trialRequestsAtBegin = app!.endpoint.requestsServed
      loopDelay.reset()
      loopDelay.enable()
      send({ type: 'trial-begun' })
    } else if (message.type === 'trial-end') {
      const s = stats()
      loopDelay.disable()
      send({
        type: 'trial-stats',
        stats: {
          cpu_ms: s.cpu_user_ms + s.cpu_system_ms,
          server_requests: app!.endpoint.requestsServed - trialRequestsAtBegin,
          event_loop_delay_p99_ms: s.event_loop_delay_ms.p99,
          rss_mb: process.memoryUsage.rss() / 2 ** 20,
        },
      })
    } else if (message.type === 'arm-results') {
      send({ type: 'arm-results', arms: armRouter?.results() ?? {} })
    } else if (message.type === 'finish') {
      const measuredStats = stats()
      loopDelay.disable()
      await waitForDrain(message.drainTimeoutMs)
      await app?.tracing.forceFlush()
      send({
        type: 'results',
        results: app!.collector.results(),
        analysis: app!.analyzer.results({
          unendedSpans: app!.collector.counters.spans_started - app!.collector.counters.spans_ended,
        }),
        stats: measuredStats,
        inFlightAtFinish: app?.endpoint.inFlight ?? 0,
      })
    }
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  }
})

// The harness owns this process's lifetime: it ends on 'disconnect' (below), which also comes when
// the harness dies. A terminal's Ctrl+C signals the whole process group, this process included;
// dying on it would turn an interrupted run into a crashed one and lose its spans.
process.on('SIGINT', () => undefined)
process.on('SIGTERM', () => undefined)

process.on('disconnect', () => {
  void app?.close().finally(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
})
