// Assembles the system under test in the current process: msw mocks of every dependency,
// tracing with the harness's collector, and the HTTP endpoint. Used by the endpoint child
// process, by `npm run serve` and by the integration tests.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TraceAnalyzer } from '../analysis/trace-analyzer.ts'
import { createEndpoint, type Endpoint } from '../endpoint/server.ts'
import { createDependencyHandlers } from '../mocks/handlers.ts'
import { startMockServer } from '../mocks/mock-server.ts'
import type { Scenario } from '../scenario/schema.ts'
import { StageCollector } from '../telemetry/stage-collector.ts'
import { createTracing, type Tracing } from '../telemetry/tracer-provider.ts'

export type EndpointApp = {
  endpoint: Endpoint
  collector: StageCollector
  analyzer: TraceAnalyzer
  tracing: Tracing
  close(): Promise<void>
}

export type EndpointAppScenario = Pick<
  Scenario,
  'seed' | 'dependencies' | 'pipeline' | 'tenants' | 'tracing' | 'requests' | 'budgets'
>

export function apiKeysOf(scenario: Pick<Scenario, 'requests'>): Map<string, string> {
  return new Map(scenario.requests.map((r) => [r.apiKey, r.tenant]))
}

export function createEndpointApp(
  scenario: EndpointAppScenario,
  // `processors` replaces the default collector (the overhead mode routes spans per arm instead).
  options: { extraProcessors?: SpanProcessor[]; processors?: SpanProcessor[] } = {},
): EndpointApp {
  const mocks = startMockServer(
    createDependencyHandlers(scenario.dependencies, { seed: scenario.seed, apiKeys: apiKeysOf(scenario) }),
  )
  const analyzer = new TraceAnalyzer({ seed: scenario.seed })
  const collector = new StageCollector({
    selectors: scenario.budgets.flatMap((b) => ('selector' in b ? [b.selector] : [])),
    seed: scenario.seed,
    onMeasuredTrace: (spans) => analyzer.observeTrace(spans),
  })
  const tracing = createTracing({
    sampler: scenario.tracing.sampler,
    processors: [...(options.processors ?? [collector]), ...(options.extraProcessors ?? [])],
  })
  const endpoint = createEndpoint({
    seed: scenario.seed,
    tenants: scenario.tenants,
    dependencies: scenario.dependencies,
    pipeline: scenario.pipeline,
    recordQuestionChars: scenario.tracing.recordQuestionChars,
    tracer: tracing.tracer,
  })
  return {
    endpoint,
    collector,
    analyzer,
    tracing,
    async close() {
      await endpoint.close()
      await tracing.shutdown()
      mocks.close()
    },
  }
}
