import { request as httpRequest } from 'node:http'
import { HttpResponse, http } from 'msw'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MOCK_HELD_HEADER } from '../../../src/contract/dependency-api.ts'
import { mockPost } from '../../../src/mocks/mock-handler.ts'
import { type MockListener, serveHandlers } from '../../../src/mocks/mock-http-server.ts'

let aborted = 0
let onFirstEvent: () => void = () => undefined
const firstEventReceived = new Promise<void>((resolve) => {
  onFirstEvent = resolve
})
let settled = 0
const encoder = new TextEncoder()

// Fast-path handlers (mockPost: JSON in, reply out) and plain msw handlers (http.post, answered
// through getResponse). A plain handler is matched against the request as the server received
// it: its path must match any origin.
const handlers = [
  mockPost('https://api.example.test/v1/echo/:id', async ({ body, params }) => ({
    status: 201,
    headers: { 'x-custom': 'yes', 'retry-after': '2' },
    json: { id: params.id ?? null, body: body ?? null },
  })),
  mockPost('https://api.example.test/v1/fail', async () => ({ networkError: true })),
  mockPost('https://api.example.test/v1/hang', async ({ signal }) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
    aborted++
    return { networkError: true }
  }),
  http.post('*/v1/stream', ({ finalize }) => {
    finalize(() => {
      settled++
    })
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('data: one\n\n'))
        // The rest only once the client has the first event: a server that buffered the body
        // would never send it, and the test would time out.
        await firstEventReceived
        await new Promise((resolve) => setTimeout(resolve, 20))
        controller.enqueue(encoder.encode('data: two\n\n'))
        controller.enqueue(encoder.encode('data: [DONE]\n\n'))
        controller.close()
      },
    })
    return new HttpResponse(stream, { headers: { 'content-type': 'text/event-stream' } })
  }),
  http.post('*/v1/plain', ({ request }) =>
    HttpResponse.text(`plain msw ${request.headers.get('authorization')}`, {
      status: 202,
      headers: { 'x-custom': 'plain' },
    }),
  ),
  http.post('*/v1/plain-error', () => HttpResponse.error()),
]

let mock: MockListener
beforeAll(async () => {
  mock = await serveHandlers(handlers)
})
afterAll(() => mock.close())

describe('serveHandlers (msw handlers behind a node:http server)', () => {
  it('passes status, headers and JSON body from a fast-path handler unchanged, with path params', async () => {
    const response = await request(`${mock.origin}/v1/echo/a%20b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: 1 }),
    })
    expect(response.statusCode).toBe(201)
    expect(response.headers['x-custom']).toBe('yes')
    expect(response.headers['retry-after']).toBe('2')
    expect(response.headers['content-type']).toBe('application/json')
    expect(await response.body.json()).toEqual({ id: 'a b', body: { q: 1 } })
    expect(Number(response.headers[MOCK_HELD_HEADER])).toBeGreaterThanOrEqual(0)
  })

  it('gives a fast-path handler undefined for a body that is not JSON', async () => {
    const response = await fetch(`${mock.origin}/v1/echo/x`, { method: 'POST', body: 'not json' })
    expect(await response.json()).toEqual({ id: 'x', body: null })
  })

  it('serves the same handler through msw itself: it is a plain msw handler', async () => {
    const handler = handlers[0]!
    const { getResponse } = await import('msw')
    const response = await getResponse(
      [handler],
      new Request('https://api.example.test/v1/echo/7', {
        method: 'POST',
        body: JSON.stringify({ q: 2 }),
      }),
    )
    expect(response?.status).toBe(201)
    expect(await response?.json()).toEqual({ id: '7', body: { q: 2 } })
  })

  it('streams a body chunk by chunk as the handler produces it, the held time in a trailer', async () => {
    const response = await request(`${mock.origin}/v1/stream`, { method: 'POST' })
    expect(response.headers['content-type']).toBe('text/event-stream')
    let text = ''
    for await (const chunk of response.body) {
      text += Buffer.from(chunk).toString()
      if (text === 'data: one\n\n') onFirstEvent()
    }
    expect(text).toBe('data: one\n\ndata: two\n\ndata: [DONE]\n\n')
    expect(Number(response.trailers[MOCK_HELD_HEADER])).toBeGreaterThanOrEqual(20)
    await expect.poll(() => settled).toBe(1)
  })

  it('answers plain msw handlers through getResponse, status, headers and body unchanged', async () => {
    const response = await fetch(`${mock.origin}/v1/plain`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
    })
    expect(response.status).toBe(202)
    expect(response.headers.get('x-custom')).toBe('plain')
    expect(await response.text()).toBe('plain msw Bearer k')
  })

  it('turns a network error (either path) into a dropped connection', async () => {
    await expect(fetch(`${mock.origin}/v1/fail`, { method: 'POST' })).rejects.toThrow(TypeError)
    await expect(fetch(`${mock.origin}/v1/plain-error`, { method: 'POST' })).rejects.toThrow(TypeError)
  })

  it('answers a request no handler serves with 404 and says why', async () => {
    const response = await fetch(`${mock.origin}/v1/nothing`, { method: 'POST' })
    expect(response.status).toBe(404)
    expect(await response.text()).toMatch(/No mock handles POST \/v1\/nothing/)
  })

  it("aborts the handler's request.signal when the caller goes away", async () => {
    const before = aborted
    const req = httpRequest(`${mock.origin}/v1/hang`, { method: 'POST' })
    req.on('error', () => undefined)
    req.end()
    await new Promise((resolve) => setTimeout(resolve, 50))
    req.destroy()
    await expect.poll(() => aborted, { timeout: 1000 }).toBe(before + 1)
  })
})
