// What the OTLP receiver costs a run with a team's service (target:), per span: the real
// OpenTelemetry proto exporter sends batches of 512 spans (the batch processor's default) over
// HTTP, in this process, to (a) the receiver feeding a StageCollector, the way a target run uses
// it, and (b) a plain node:http sink that reads the body and answers an empty success. The
// receiver's own share is (a) − (b) in this process's CPU time, per span: decoding the protobuf,
// turning it into spans and collecting them. Arms alternate, and the figure is the median over
// rounds, since the process's CPU time also holds the exporter's work, which both arms share.
import http from 'node:http'
import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import { startOtlpReceiver } from '../src/telemetry/otlp/otlp-receiver.ts'
import { ExportTraceServiceResponse } from '../src/telemetry/otlp/trace-proto.ts'
import { StageCollector } from '../src/telemetry/stage-collector.ts'

export type ReceiverCost = {
  spans_per_round: number
  rounds: number
  receiver_us_per_span: number
  sink_us_per_span: number
}

const BATCH = 512
const STAGES = ['authentication', 'embedding_generation', 'vector_search', 'rerank', 'llm_generation']

// Traces shaped like a RAG service's: a server span continuing a remote parent, five stages with
// a client call each, attributes on every span.
function makeTraces(traces: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] })
  const tracer = provider.getTracer('bench-service', '1.0.0')
  for (let t = 0; t < traces; t++) {
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: t.toString(16).padStart(32, '0'),
      spanId: (t + 1).toString(16).padStart(16, '0'),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
    const server = tracer.startSpan(
      'POST /chat',
      { kind: SpanKind.SERVER, attributes: { 'http.route': '/chat' } },
      remote,
    )
    const inServer = trace.setSpan(context.active(), server)
    for (const name of STAGES) {
      const stage = tracer.startSpan(name, { attributes: { tenant_id: 'acme', k: 8 } }, inServer)
      const call = tracer.startSpan(
        'POST',
        {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'POST', 'server.address': '127.0.0.1' },
        },
        trace.setSpan(inServer, stage),
      )
      call.setAttribute('http.response.status_code', 200)
      call.end()
      stage.end()
    }
    server.end()
  }
  return memory.getFinishedSpans()
}

async function exportAll(url: string, spans: readonly ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url })
  try {
    for (let i = 0; i < spans.length; i += BATCH) {
      const batch = spans.slice(i, i + BATCH)
      await new Promise<void>((resolve, reject) =>
        exporter.export(batch, (result) => (result.code === 0 ? resolve() : reject(result.error))),
      )
    }
  } finally {
    await exporter.shutdown()
  }
}

async function sink(): Promise<{ url: string; close(): Promise<void> }> {
  const reply = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish()
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(reply))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function cpuUsOf(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage()
  await work()
  const used = process.cpuUsage(before)
  return used.user + used.system
}

export async function measureReceiverCost(rounds = 7, traces = 1000): Promise<ReceiverCost> {
  const spans = makeTraces(traces)
  const collector = new StageCollector({ seed: 1 })
  collector.startMeasuring(0)
  const receiver = await startOtlpReceiver({
    onSpans: (received) => {
      for (const span of received) collector.onReceived(span)
    },
  })
  const plain = await sink()
  const receiverUs: number[] = []
  const sinkUs: number[] = []
  try {
    await exportAll(plain.url, spans) // warm both paths up
    await exportAll(`${receiver.endpoint}/v1/traces`, spans)
    for (let round = 0; round < rounds; round++) {
      sinkUs.push((await cpuUsOf(() => exportAll(plain.url, spans))) / spans.length)
      receiverUs.push(
        (await cpuUsOf(() => exportAll(`${receiver.endpoint}/v1/traces`, spans))) / spans.length,
      )
    }
  } finally {
    await receiver.close()
    await plain.close()
  }
  const median = (values: number[]) =>
    quantileSorted(
      [...values].sort((a, b) => a - b),
      0.5,
    )
  return {
    spans_per_round: spans.length,
    rounds,
    receiver_us_per_span: median(receiverUs) - median(sinkUs),
    sink_us_per_span: median(sinkUs),
  }
}
