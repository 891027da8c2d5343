// `npm run serve`: the endpoint and its mocks (mock servers on loopback, or msw in-process) in
// this process, for a person with curl.

import { loadScenario, scenarioFromObject } from '../scenario/load-scenario.ts'
import { ConsoleTreeProcessor } from '../telemetry/console-tree-processor.ts'
import { createEndpointApp } from './endpoint-app.ts'

// Healthy dependencies with the schema's default latencies, two tenants.
export const DEFAULT_SERVE_SCENARIO = {
  name: 'serve-default',
  description: 'Built-in scenario for npm run serve: healthy dependencies with default latencies.',
  requests: [
    { tenant: 'acme', api_key: 'key-acme', question: 'What is retrieval-augmented generation?' },
    { tenant: 'globex', api_key: 'key-globex', question: 'How do I rotate my API key?' },
  ],
  tenants: { acme: { rate_limit: { rps: 50, burst: 20 } } },
}

export async function serve(options: {
  scenario?: string
  port: number
  consoleSpans: boolean
}): Promise<void> {
  const scenario = options.scenario
    ? loadScenario(options.scenario).scenario
    : scenarioFromObject(DEFAULT_SERVE_SCENARIO, 'built-in')
  const app = await createEndpointApp(scenario, {
    extraProcessors: options.consoleSpans ? [new ConsoleTreeProcessor()] : [],
  })
  const address = await app.endpoint.listen(options.port, '127.0.0.1')
  const example = scenario.requests[0]!
  const body = JSON.stringify({ tenant_id: example.tenant, question: example.question ?? 'What is RAG?' })
  console.log(
    `Endpoint for scenario "${scenario.name}" listening on http://127.0.0.1:${address.port} (Ctrl+C to stop)`,
  )
  console.log('Try:')
  console.log(
    `  curl -s http://127.0.0.1:${address.port}/ask -H 'authorization: Bearer ${example.apiKey}' -H 'content-type: application/json' -d '${body}'`,
  )
  process.once('SIGINT', () => {
    void app.close().then(() => process.exit(0))
  })
}
