// One request to the target, read to its end (a streamed answer timed chunk by chunk), with a
// timeout; shared by the open-model driver and the closed-model streaming driver.
import type http from 'node:http'
import type https from 'node:https'
import type { EndpointTarget } from './endpoint-target.ts'
import type { PlannedRequest } from './request-mix.ts'
import type { StreamTimer } from './stream-timing.ts'

export type PostVia = {
  transport: typeof http | typeof https
  agent: http.Agent
  target: EndpointTarget
  clock: { now(): number }
}
export type PostOutcome =
  | { kind: 'response'; status: number; contentType: string | undefined }
  | { kind: 'failure'; timedOut: boolean; error: NodeJS.ErrnoException | undefined }

// One POST, its response read to the end; `onOutcome` is called exactly once: at the end of the
// response, or at the first error (the timeout destroys the request, which then errors).
export function postRequest(
  via: PostVia,
  planned: PlannedRequest,
  traceparent: string,
  options: { requestTimeoutMs: number; stream: StreamTimer | undefined },
  onOutcome: (outcome: PostOutcome) => void,
): void {
  const { transport, agent, target, clock } = via
  const { requestTimeoutMs, stream } = options
  let timedOut = false
  let done = false
  let timer: NodeJS.Timeout | undefined

  const fail = (error: NodeJS.ErrnoException | undefined) => {
    if (done) return
    done = true
    clearTimeout(timer)
    onOutcome({ kind: 'failure', timedOut, error })
  }

  const request = transport.request(
    {
      agent,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: planned.path ?? target.path,
      method: planned.method,
      headers: { ...planned.headers, 'content-length': Buffer.byteLength(planned.body), traceparent },
    },
    (response) => {
      if (stream) response.on('data', (chunk: Buffer) => stream.push(chunk, clock.now()))
      else response.resume()
      response.on('end', () => {
        if (done) return
        done = true
        clearTimeout(timer)
        onOutcome({
          kind: 'response',
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'],
        })
      })
      response.on('error', fail)
      response.on('close', () => {
        if (!response.complete) fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))
      })
    },
  )
  request.on('error', fail)
  timer = setTimeout(() => {
    timedOut = true
    request.destroy(new Error('request timed out'))
  }, requestTimeoutMs)
  request.end(planned.body)
}
