// Assembles the system under test in the current process: tracing with the harness's
// collector, the HTTP endpoint and its client for the dependencies. The dependencies are either
// mock servers elsewhere (`baseUrls`, what a run does: they live in their own process), mock
// servers started here (mocks.transport: http without baseUrls: tests and `serve`), or msw's
// setupServer intercepting fetch in this process (mocks.transport: in-process).
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TraceAnalyzer } from '../analysis/trace-analyzer.ts'
import { WhatIfPredictor } from '../analysis/what-if-predictor.ts'
import { DEFAULT_BASE_URLS, type DependencyBaseUrls } from '../contract/dependency-api.ts'
import {
  createFetchTransport,
  createPooledTransport,
  type DependencyTransport,
} from '../endpoint/dependency-transport.ts'
import { createEndpoint, type Endpoint } from '../endpoint/server.ts'
import { createDependencyHandlers } from '../mocks/handlers.ts'
import { startMockListeners } from '../mocks/mock-listeners.ts'
import { startMockServer } from '../mocks/mock-server.ts'
import type { Scenario } from '../scenario/schema.ts'
import { StageCollector } from '../telemetry/stage-collector.ts'
import { createTracing, type Tracing } from '../telemetry/tracer-provider.ts'

export type EndpointApp = {
  endpoint: Endpoint
  collector: StageCollector
  analyzer: TraceAnalyzer
  // Present when the scenario asks for what-if predictions (src/analysis/what-if-predictor.ts).
  whatIf: WhatIfPredictor | undefined
  tracing: Tracing
  transport: DependencyTransport
  close(): Promise<void>
}

export type EndpointAppScenario = Pick<
  Scenario,
  'seed' | 'dependencies' | 'pipeline' | 'tenants' | 'tracing' | 'requests' | 'budgets' | 'mocks'
> & { whatIf?: Scenario['whatIf'] }

export function apiKeysOf(scenario: Pick<Scenario, 'requests'>): Map<string, string> {
  return new Map(scenario.requests.map((r) => [r.apiKey, r.tenant]))
}

type ConnectedDependencies = { transport: DependencyTransport; close(): Promise<void> }

async function connectDependencies(
  scenario: EndpointAppScenario,
  baseUrls: DependencyBaseUrls | undefined,
): Promise<ConnectedDependencies> {
  if (baseUrls) {
    const transport = createPooledTransport(baseUrls)
    return { transport, close: () => transport.close() }
  }
  const mockOptions = { seed: scenario.seed, apiKeys: apiKeysOf(scenario) }
  if (scenario.mocks.transport === 'in-process') {
    const mocks = startMockServer(createDependencyHandlers(scenario.dependencies, mockOptions))
    return { transport: createFetchTransport(DEFAULT_BASE_URLS), close: async () => mocks.close() }
  }
  const listeners = await startMockListeners(scenario.dependencies, mockOptions)
  const transport = createPooledTransport({ ...DEFAULT_BASE_URLS, ...listeners.baseUrls })
  return {
    transport,
    async close() {
      await transport.close()
      await listeners.close()
    },
  }
}

export async function createEndpointApp(
  scenario: EndpointAppScenario,
  // `processors` replaces the default collector (the overhead mode routes spans per arm instead).
  options: {
    extraProcessors?: SpanProcessor[]
    processors?: SpanProcessor[]
    baseUrls?: DependencyBaseUrls
  } = {},
): Promise<EndpointApp> {
  const dependencies = await connectDependencies(scenario, options.baseUrls)
  const analyzer = new TraceAnalyzer({ seed: scenario.seed })
  const selectors = scenario.budgets.flatMap((b) => (b.kind === 'stage' ? [b.selector] : []))
  const whatIf =
    scenario.whatIf && scenario.whatIf.length > 0
      ? new WhatIfPredictor({ seed: scenario.seed, selectors, changes: scenario.whatIf })
      : undefined
  const collector = new StageCollector({
    selectors,
    seed: scenario.seed,
    onMeasuredTrace: (spans, errorPath) => {
      analyzer.observeTrace(spans, errorPath)
      whatIf?.observeTrace(spans)
    },
  })
  const tracing = createTracing({
    sampler: scenario.tracing.sampler,
    // The collector takes spans in batches, off the request path; a replacement (the overhead
    // trials' ArmRouter) takes each span as it ends.
    deferredProcessors: options.processors ? [] : [collector],
    processors: [...(options.processors ?? []), ...(options.extraProcessors ?? [])],
  })
  const endpoint = createEndpoint({
    seed: scenario.seed,
    tenants: scenario.tenants,
    dependencies: scenario.dependencies,
    pipeline: scenario.pipeline,
    recordQuestionChars: scenario.tracing.recordQuestionChars,
    tracer: tracing.tracer,
    transport: dependencies.transport,
  })
  return {
    endpoint,
    collector,
    analyzer,
    whatIf,
    tracing,
    transport: dependencies.transport,
    async close() {
      await endpoint.close()
      await tracing.shutdown()
      await dependencies.close()
    },
  }
}
