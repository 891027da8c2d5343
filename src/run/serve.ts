// `npm run serve`: the endpoint and its mocks (mock servers on loopback, or msw in-process) in
// this process, for a person with curl.
import type { AddressInfo } from 'node:net'

import { RunError, UsageError } from '../errors.ts'
import { loadScenario, scenarioFromObject } from '../scenario/load-scenario.ts'
import { ConsoleTreeProcessor } from '../telemetry/console-tree-processor.ts'
import { createEndpointApp, type EndpointApp } from './endpoint-app.ts'

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

// --port as typed: a whole number 0–65535 (0: any free port), refused before anything starts.
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!(port >= 0 && port <= 65_535))
    throw new UsageError(
      `Failed to start the endpoint: --port ${JSON.stringify(text)} is not a port number. Pass a whole number from 0 to 65535 (0: any free port).`,
    )
  return port
}

async function listenOrExplain(app: EndpointApp, port: number): Promise<AddressInfo> {
  try {
    return await app.endpoint.listen(port, '127.0.0.1')
  } catch (error) {
    await app.close()
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges)'
          : error instanceof Error
            ? error.message
            : String(error)
    throw new RunError(
      `Failed to listen on 127.0.0.1:${port}: ${why}. Pass another --port, or stop the process that holds it.`,
      { cause: error },
    )
  }
}

export async function serve(options: {
  scenario?: string
  port: string
  consoleSpans: boolean
}): Promise<void> {
  const port = parsePort(options.port)
  const scenario = options.scenario
    ? loadScenario(options.scenario).scenario
    : scenarioFromObject(DEFAULT_SERVE_SCENARIO, 'built-in')
  const app = await createEndpointApp(scenario, {
    extraProcessors: options.consoleSpans ? [new ConsoleTreeProcessor()] : [],
  })
  const address = await listenOrExplain(app, port)
  const example = scenario.requests[0]!
  const body = JSON.stringify({ tenant_id: example.tenant, question: example.question ?? 'What is RAG?' })
  console.log(
    `Endpoint for scenario "${scenario.name}" listening on http://127.0.0.1:${address.port} (Ctrl+C to stop)`,
  )
  console.log('Try:')
  console.log(
    `  curl -s http://127.0.0.1:${address.port}/ask -H 'authorization: Bearer ${example.apiKey}' -H 'content-type: application/json' -d '${body}'`,
  )
  // Runs until Ctrl+C; the CLI exits once the endpoint has closed.
  await new Promise<void>((resolve) => process.once('SIGINT', resolve))
  await app.close()
}
