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

  it('fails a request to a host it does not serve instead of reaching the network', async () => {
    const original = console.error
    console.error = () => {}
    try {
      await expect(fetch('https://unmocked.test/ping', { method: 'POST' })).rejects.toThrow()
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
