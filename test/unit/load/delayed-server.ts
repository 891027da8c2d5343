// A real HTTP server on 127.0.0.1 (port 0) for the driver tests: it answers every request after
// a delay and records what it received, so a test can check headers, bodies and timings.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type ReceivedRequest = {
  atMs: number
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export type DelayedServerOptions = {
  delayMs: number | ((received: ReceivedRequest, index: number) => number)
  status?: (received: ReceivedRequest) => number
  // Answer with `Connection: close`, so every connection is closed after one response.
  closeConnections?: boolean
}

export type DelayedServer = {
  url: string
  port: number
  received: ReceivedRequest[]
  close(): Promise<void>
}

export async function startDelayedServer(options: DelayedServerOptions): Promise<DelayedServer> {
  const received: ReceivedRequest[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry: ReceivedRequest = {
        atMs: performance.now(),
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      const index = received.push(entry) - 1
      const delayMs = typeof options.delayMs === 'function' ? options.delayMs(entry, index) : options.delayMs
      setTimeout(() => {
        response.statusCode = options.status?.(entry) ?? 200
        response.setHeader('content-type', 'application/json')
        if (options.closeConnections) response.setHeader('connection', 'close')
        response.end('{"answer":"ok"}')
      }, delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/ask`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// A port on which nothing listens: bind one, then close it.
export async function refusedPortUrl(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/ask`
}
