// What the endpoint's process measures in each mode (endpoint-protocol.ts, EndpointMode): the
// sampling-overhead trials route spans to the per-arm recorder alone, while the harness tax
// (npm run bench) keeps the StageCollector measuring every span, so that its cost is part of
// what the trials compare. Real processes: the endpoint and the mock servers, over loopback.
import { afterEach, describe, expect, it } from 'vitest'
import type { EndpointMode } from '../../src/run/endpoint-protocol.ts'
import { type SystemUnderTest, startSystemUnderTest } from '../../src/run/system-under-test.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { fixedDependencies } from '../fixtures/fixed-dependencies.ts'

const scenario = scenarioFromObject({
  name: 'endpoint-modes',
  tracing: { sampler: 'always_on' },
  requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'which mode?' }],
  dependencies: fixedDependencies('1ms'),
})

let system: SystemUnderTest | undefined
afterEach(async () => {
  await system?.stop()
  system = undefined
})

async function collectorAfterRequests(mode: EndpointMode, requests: number) {
  system = await startSystemUnderTest(scenario, { mode })
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`http://127.0.0.1:${system.endpoint.port}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer key-acme' },
      body: JSON.stringify({ tenant_id: 'acme', question: `which mode, ${i}?` }),
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
  }
  const { results } = await system.endpoint.request(
    { type: 'finish', drainTimeoutMs: 5000 },
    'results',
    30_000,
  )
  return results
}

describe('the endpoint process by mode', () => {
  it('measures every span in the StageCollector for the harness tax, none for overhead trials', async () => {
    const tax = await collectorAfterRequests('harness-tax', 5)
    expect(tax.counters.server_spans).toBe(5)
    expect(tax.counters.pipeline_roots).toBe(5)
    expect(tax.stages['rag_pipeline']?.count).toBe(5)

    const overhead = await collectorAfterRequests('overhead', 5)
    expect(overhead.counters.server_spans).toBe(0)
    expect(overhead.stages['rag_pipeline']).toBeUndefined()
  })
})
