// Entry point of the endpoint's child process (forked by endpoint-host.ts).

import { ConsoleTreeProcessor } from '../telemetry/console-tree-processor.ts'
import { createSampler } from '../telemetry/tracer-provider.ts'
import { ArmRouter } from './arm-router.ts'
import { ownedByHarness } from './child-lifetime.ts'
import { createEndpointApp, type EndpointApp } from './endpoint-app.ts'
import type { FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'
import { collectYoungGeneration, createProcessMeter, heapUsedAfterGcMb } from './process-meter.ts'

let app: EndpointApp | undefined
let armRouter: ArmRouter | undefined
const meter = createProcessMeter()
let trialRequestsAtBegin = 0
let processingAtMeasure = { ms: 0, requests: 0 }

function spanProcessing(): { ms: number; requests: number } {
  return { ms: app?.tracing.spanProcessingMs() ?? 0, requests: app?.endpoint.requestsServed ?? 0 }
}

function send(message: FromEndpoint): void {
  process.send?.(message)
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
      const mode = message.mode ?? 'run'
      if (mode !== 'run') armRouter = new ArmRouter()
      app = await createEndpointApp(message.scenario, {
        // Overhead trials route spans to the arm recorder instead of the collector; the harness
        // tax keeps the collector too, so that its cost is part of what the trials compare.
        ...(mode === 'overhead' && armRouter ? { processors: [armRouter] } : {}),
        extraProcessors: [...(mode === 'harness-tax' && armRouter ? [armRouter] : []), ...extra],
        ...(message.baseUrls ? { baseUrls: message.baseUrls } : {}),
      })
      // Nothing counts for the statistics until the harness says warm-up is over; harness-tax
      // trials have no such message and measure every span, as a run does after warm-up.
      app.collector.startMeasuring(
        mode === 'harness-tax' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
      )
      const address = await app.endpoint.listen(0, '127.0.0.1')
      send({ type: 'ready', port: address.port, pid: process.pid })
    } else if (message.type === 'measure-from') {
      app?.collector.startMeasuring(message.fromEpochMs)
      send({ type: 'measure-from-set' })
    } else if (message.type === 'measure') {
      // The collector takes spans in deferred batches: warm-up's are processed before measuring
      // starts, the window's own before it ends (here and at trial-end and finish).
      await app?.tracing.forceFlush()
      meter.start()
      processingAtMeasure = spanProcessing()
      send({ type: 'measuring' })
    } else if (message.type === 'arm') {
      // The sampler is switched inside this one process between trials (SwitchableSampler), so
      // process-to-process noise does not swamp a difference of a few percent.
      app!.tracing.sampler.switchTo(createSampler(message.sampler))
      app!.endpoint.setCalibrationCostUs(message.calibrationUs)
      armRouter?.switchTo(message.arm)
      send({ type: 'arm-set' })
    } else if (message.type === 'trial-begin') {
      app!.endpoint.clearCache()
      if (armRouter) armRouter.recording = true
      await app!.tracing.forceFlush()
      meter.start()
      trialRequestsAtBegin = app!.endpoint.requestsServed
      send({ type: 'trial-begun' })
    } else if (message.type === 'trial-end') {
      await app!.tracing.forceFlush()
      collectYoungGeneration()
      const s = meter.stats()
      meter.stop()
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
      await app?.tracing.forceFlush()
      const measuredStats = meter.stats()
      const processing = spanProcessing()
      meter.stop()
      await waitForDrain(message.drainTimeoutMs)
      await app?.tracing.forceFlush()
      send({
        type: 'results',
        results: app!.collector.results(),
        analysis: app!.analyzer.results({
          unendedSpans: app!.collector.counters.spans_started - app!.collector.counters.spans_ended,
        }),
        stats: {
          ...measuredStats,
          heap_used_after_gc_mb: heapUsedAfterGcMb(),
          span_processing: {
            ms: processing.ms - processingAtMeasure.ms,
            requests: processing.requests - processingAtMeasure.requests,
          },
        },
        inFlightAtFinish: app?.endpoint.inFlight ?? 0,
        ...(app?.whatIf ? { whatIf: app.whatIf.results() } : {}),
      })
    }
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  }
})

ownedByHarness(async () => {
  await app?.close()
})
