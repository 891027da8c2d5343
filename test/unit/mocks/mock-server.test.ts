import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpResponse, http } from 'msw'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockServer } from '../../../src/mocks/mock-server.ts'

describe('startMockServer', () => {
  let mock: { close(): void }
  let realServer: Server
  beforeAll(async () => {
    mock = startMockServer([http.post('https://mocked.test/ping', () => HttpResponse.json({ pong: true }))])
    realServer = createServer((_, response) => response.end('real'))
    await new Promise<void>((resolve) => realServer.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    mock.close()
    await new Promise((resolve) => realServer.close(resolve))
  })

  it('answers handled requests', async () => {
    const response = await fetch('https://mocked.test/ping', { method: 'POST' })
    expect(await response.json()).toEqual({ pong: true })
  })

  // Known bug (reported to the lead; src/mocks/ is not this test's author's to change): msw's
  // msw 2.15's `print.error()` inside a custom onUnhandledRequest callback printed the error but
  // let the request through, so the fetch went to DNS (ENOTFOUND); a last catch-all handler now
  // fails it. The check: an error with no socket syscall behind it (no DNS lookup happened).
  it('fails a request to a host it does not serve instead of reaching the network', async () => {
    const original = console.error
    console.error = () => {}
    try {
      const error: unknown = await fetch('https://unmocked.test/ping', { method: 'POST' }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(Error)
      // A DNS lookup (or any socket error) would mean the request left for the network.
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined
      expect(cause?.syscall).toBeUndefined()
      expect(error).toBeInstanceOf(TypeError)
    } finally {
      console.error = original
    }
  })

  it('lets loopback requests through to real servers (the harness calling its own endpoint)', async () => {
    const { port } = realServer.address() as AddressInfo
    const response = await fetch(`http://127.0.0.1:${port}/`)
    expect(await response.text()).toBe('real')
  })
})
