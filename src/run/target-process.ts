// Entry point of the target process (forked by target-host.ts): it runs the OTLP receiver that
// the team's service exports its spans to, feeding the same StageCollector and trace analysis as
// the built-in endpoint's, and it owns the service (started here, in a process group of its own,
// and stopped with this process). It speaks the endpoint's protocol, so a run drives either the
// same way. Its own CPU and event-loop figures are what receiving the spans costs.
import path from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { TraceAnalyzer } from '../analysis/trace-analyzer.ts'
import { resolvePlaceholders } from '../scenario/placeholders.ts'
import { DEPENDENCY_NAMES } from '../scenario/schema.ts'
import { MockCallJoin } from '../telemetry/otlp/mock-call-join.ts'
import { type OtlpReceiver, startOtlpReceiver } from '../telemetry/otlp/otlp-receiver.ts'
import { StageCollector } from '../telemetry/stage-collector.ts'
import type { FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'
import { createProcessMeter, heapUsedAfterGcMb } from './process-meter.ts'
import {
  connectToRunningService,
  freePort,
  killGroupNow,
  lastLines,
  type StartedService,
  startService,
} from './target-service.ts'

// Below the harness's 3 s before it SIGKILLs this process (child-host.ts), so the service's
// group always gets its SIGKILL from here first.
const STOP_GRACE_MS = 2000

const meter = createProcessMeter()
let collector: StageCollector | undefined
let join: MockCallJoin | undefined
// Server spans that continue a caller's trace (the driver's requests carry a traceparent; the
// ready probes and anything else reaching the service do not): what the drain waits for.
let continuedServerSpans = 0
// Their names, to name the service's server span in the reports (bounded: a service naming server
// spans by URL would otherwise grow it without end).
const serverSpanNames = new Map<string, number>()
const MAX_SERVER_SPAN_NAMES = 100

function countServerSpanName(name: string): void {
  const count = serverSpanNames.get(name)
  if (count !== undefined) serverSpanNames.set(name, count + 1)
  else if (serverSpanNames.size < MAX_SERVER_SPAN_NAMES) serverSpanNames.set(name, 1)
}

function mostCommonServerSpanName(): string | undefined {
  return [...serverSpanNames].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0]
}
let analyzer: TraceAnalyzer | undefined
let receiver: OtlpReceiver | undefined
let service: StartedService | undefined
let stopping = false

function send(message: FromEndpoint): void {
  process.send?.(message)
}

async function start(message: Extract<ToEndpoint, { type: 'start-target' }>): Promise<void> {
  const { scenario } = message
  const target = scenario.target!
  analyzer = new TraceAnalyzer({ seed: scenario.seed })
  const traces = analyzer
  collector = new StageCollector({
    selectors: scenario.budgets.flatMap((b) => (b.kind === 'stage' ? [b.selector] : [])),
    seed: scenario.seed,
    onMeasuredTrace: (spans, errorPath) => traces.observeTrace(spans, errorPath),
    fidelityFromAttributes: false,
  })
  collector.startMeasuring(Number.POSITIVE_INFINITY)
  const spans = collector
  const calls = new MockCallJoin(({ record, durationMs }) =>
    spans.recordDependencyCall(record.dependency, durationMs, record.drawnMs, record.heldMs),
  )
  join = calls
  receiver = await startOtlpReceiver({
    onSpans: (received) => {
      for (const span of received) {
        if (span.kind === SpanKind.SERVER && span.parentSpanContext) {
          continuedServerSpans++
          countServerSpanName(span.name)
        }
        spans.onReceived(span)
        calls.addSpan(span)
      }
    },
    ...(target.otlpPort > 0 ? { port: target.otlpPort } : {}),
  })
  if (target.url) {
    service = await connectToRunningService(target)
  } else {
    const port = await freePort()
    const values = placeholderValues(port, receiver.endpoint, message.baseUrls)
    service = await startService(target, {
      argv: target.command?.argv?.map((arg) => resolvePlaceholders(arg, values)) ?? null,
      shell: target.command?.shell !== undefined ? resolvePlaceholders(target.command.shell, values) : null,
      cwd: path.resolve(message.scenarioDir, target.cwd ?? '.'),
      env: Object.fromEntries(
        Object.entries(target.env).map(([k, v]) => [k, resolvePlaceholders(v, values)]),
      ),
      port,
      logFile: message.logFile,
    })
    const started = service
    void started.exited.then((reason) => {
      if (!stopping)
        send({ type: 'service-exited', reason: `${reason}. Its last output:\n${lastLines(message.logFile)}` })
    })
  }
  send({
    type: 'ready',
    port: receiver.port,
    pid: process.pid,
    baseUrl: service.baseUrl,
    servicePid: service.pid,
  })
}

function placeholderValues(
  port: number,
  otlpEndpoint: string,
  baseUrls: Record<string, string>,
): Record<string, string> {
  const values: Record<string, string> = { 'target.port': String(port), 'otlp.endpoint': otlpEndpoint }
  for (const name of DEPENDENCY_NAMES) values[`mocks.${name}.base_url`] = baseUrls[name] ?? ''
  return values
}

// The service's batch exporter sends its last spans some time after the last response: wait until
// every completed request's server span came, or the drain time is up.
async function drain(timeoutMs: number, expectedServerSpans: number | undefined): Promise<void> {
  const until = performance.now() + timeoutMs
  while (performance.now() < until) {
    if (expectedServerSpans !== undefined && continuedServerSpans >= expectedServerSpans) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function finish(message: Extract<ToEndpoint, { type: 'finish' }>): Promise<void> {
  await drain(message.drainTimeoutMs, message.expectedServerSpans)
  const measuredStats = meter.stats()
  meter.stop()
  send({
    type: 'results',
    results: collector!.results(),
    analysis: analyzer!.results({ unendedSpans: 0 }),
    stats: { ...measuredStats, heap_used_after_gc_mb: heapUsedAfterGcMb() },
    inFlightAtFinish: 0,
    receiver: { ...receiver!.counters },
    fidelityJoin: { ...join!.counters },
    ...(serverSpanNames.size > 0 ? { serverSpanName: mostCommonServerSpanName() } : {}),
  })
}

async function close(): Promise<void> {
  stopping = true
  await service?.stop(STOP_GRACE_MS)
  await receiver?.close()
}

process.on('message', async (message: ToEndpoint) => {
  try {
    if (message.type === 'start-target') await start(message)
    else if (message.type === 'mock-calls') join?.addCalls(message.calls)
    else if (message.type === 'measure-from') {
      collector?.startMeasuring(message.fromEpochMs)
      join?.startMeasuring(message.fromEpochMs)
      send({ type: 'measure-from-set' })
    } else if (message.type === 'measure') {
      meter.start()
      send({ type: 'measuring' })
    } else if (message.type === 'finish') await finish(message)
  } catch (error) {
    // The host adds the final full stop.
    send({
      type: 'failed',
      message: (error instanceof Error ? error.message : String(error)).replace(/\.$/, ''),
    })
  }
})

// Owned by the harness (as child-lifetime.ts, with a stop that must finish before exiting): Ctrl+C
// reaches the whole terminal process group and the harness decides; 'disconnect' (also when the
// harness dies) stops the service, then this process.
process.on('SIGINT', () => undefined)
process.on('SIGTERM', () => undefined)
process.on('disconnect', () => {
  void close().finally(() => process.exit(0))
})
process.on('exit', () => killGroupNow(service?.pid ?? null))
