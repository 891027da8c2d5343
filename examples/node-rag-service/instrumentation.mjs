// OpenTelemetry for the service, loaded before it (node --import ./instrumentation.mjs): the Node
// SDK with HTTP (server spans, continuing the caller's traceparent) and undici (client spans for
// fetch, which the openai client uses, with traceparent injected) auto-instrumentation, and the
// OTLP/HTTP exporter. Everything is configured by the standard environment variables:
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_BSP_SCHEDULE_DELAY, OTEL_TRACES_SAMPLER.
import { register } from 'node:module'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { NodeSDK } from '@opentelemetry/sdk-node'

// The service is ES modules: this loader hook lets the instrumentations patch what it imports
// (node:http included), as OpenTelemetry JS documents for ESM.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'node-rag-service',
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
})
sdk.start()

// Flush the last batch on a clean stop (the harness sends SIGTERM at the end of a run).
process.once('SIGTERM', () => {
  sdk.shutdown().finally(() => process.exit(0))
})
