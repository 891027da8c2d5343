// Issue 11 items 6 and 8 (endpoint), and the fuzzed HTTP contract: whatever a client sends, the
// server stays up and answers a client mistake with a 4xx, never a 500.
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HEADERS_TIMEOUT_MS, MAX_OPEN_CONNECTIONS } from '../../src/endpoint/server.ts'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../../src/scenario/load-scenario.ts'
import { LIMITS } from '../../src/scenario/schema.ts'
import { fixedDependencies } from '../fixtures/fixed-dependencies.ts'

let app: EndpointApp
let port: number

const scenario = scenarioFromObject({
  name: 'endpoint-hardening',
  seed: 4,
  requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q' }],
  dependencies: fixedDependencies('1ms'),
  pipeline: { timeout: '600ms' },
})

beforeAll(async () => {
  app = await createEndpointApp(scenario)
  port = (await app.endpoint.listen(0, '127.0.0.1')).port
})
afterAll(() => app.close())

const url = (path: string) => `http://127.0.0.1:${port}${path}`

describe('the endpoint refuses slow and mislabelled clients', () => {
  it('answers a 1-byte-per-200-ms body drip with 408 at the pipeline deadline, and closes', async () => {
    const started = performance.now()
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      let text = ''
      const body = '{"tenant_id":"acme","question":"q"}'
      socket.on('connect', () => {
        socket.write(
          `POST /ask HTTP/1.1\r\nhost: x\r\nauthorization: Bearer key-acme\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
        )
        let i = 0
        const drip = setInterval(() => {
          if (i < body.length && !socket.destroyed) socket.write(body[i++]!)
        }, 200)
        socket.on('close', () => {
          clearInterval(drip)
          resolve(text)
        })
      })
      socket.on('data', (chunk) => {
        text += chunk.toString()
      })
      socket.on('error', reject)
    })
    const elapsedMs = performance.now() - started
    expect(response).toMatch(/^HTTP\/1\.1 408 /)
    expect(elapsedMs).toBeGreaterThanOrEqual(500)
    expect(elapsedMs).toBeLessThan(5000) // Node's default would hold it for 300 s
  })

  it('bounds the header wait and the number of open connections', () => {
    expect(app.endpoint.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS)
    expect(app.endpoint.server.requestTimeout).toBeLessThan(300_000)
    expect(app.endpoint.server.maxConnections).toBe(MAX_OPEN_CONNECTIONS)
    expect(MAX_OPEN_CONNECTIONS).toBeGreaterThan(LIMITS.connections)
  })

  it('answers 415 to a JSON body sent as text/plain', async () => {
    const response = await fetch(url('/ask'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer key-acme' },
      body: '{"tenant_id":"acme","question":"q"}',
    })
    expect(response.status).toBe(415)
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /application\/json/,
    )
  })

  it('answers HEAD /healthz with 200 and no body', async () => {
    const response = await fetch(url('/healthz'), { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('fuzzed requests', () => {
  it('never answer 500 to a client mistake, and the server stays up', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH')
    const path = fc.oneof(
      fc.constantFrom('/ask', '/healthz', '/', '/ask/', '/ask?x=1', '/%00', '/..%2f'),
      fc.webPath(),
    )
    const contentType = fc.option(
      fc.constantFrom('application/json', 'text/plain', 'application/problem+json', 'multipart/form-data'),
    )
    const authorization = fc.option(
      fc.oneof(fc.constant('Bearer key-acme'), fc.constant('Bearer nope'), fc.string({ maxLength: 40 })),
    )
    const jsonValue = fc.jsonValue({ maxDepth: 4 })
    const askLike = fc.record(
      {
        tenant_id: fc.oneof(fc.constant('acme'), fc.string(), jsonValue),
        question: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), jsonValue),
        k: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), jsonValue),
        rerank: fc.oneof(fc.boolean(), jsonValue),
      },
      { requiredKeys: [] },
    )
    const body = fc.oneof(
      askLike.map((value) => JSON.stringify(value)),
      jsonValue.map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constant('{"tenant_id":'.repeat(2000)),
    )
    await fc.assert(
      fc.asyncProperty(method, path, contentType, authorization, body, async (m, p, ct, auth, b) => {
        const headers: Record<string, string> = {}
        if (ct !== null) headers['content-type'] = ct
        if (auth !== null && /^[\t\x20-\x7e]*$/.test(auth)) headers.authorization = auth
        const response = await fetch(url(p), {
          method: m,
          headers,
          body: m === 'GET' || m === 'HEAD' ? undefined : b,
        })
        await response.arrayBuffer()
        expect(response.status, `${m} ${p} ${ct} ${b.slice(0, 80)}`).toBeLessThan(500)
      }),
      { seed: 11, numRuns: 150 },
    )
    expect((await fetch(url('/healthz'))).status).toBe(200)
  }, 60_000)
})
