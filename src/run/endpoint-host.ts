// The harness side of the endpoint's child process: fork it (through tsx, so the TypeScript
// runs without a build), hand it the validated scenario, and talk to it over IPC.
import { type ChildProcess, fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RunError } from '../errors.ts'
import type { Scenario } from '../scenario/schema.ts'
import type { FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'

const ENTRY = fileURLToPath(new URL('./endpoint-process.ts', import.meta.url))
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export type EndpointHost = {
  port: number
  pid: number
  request<T extends FromEndpoint['type']>(
    message: ToEndpoint,
    reply: T,
    timeoutMs: number,
  ): Promise<Extract<FromEndpoint, { type: T }>>
  // Resolves when the child exits for any reason; `expected` is false for a crash.
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; expected: boolean }>
  stop(): Promise<void>
}

export async function startEndpointProcess(
  scenario: Scenario,
  options: { consoleSpans?: boolean; mode?: 'run' | 'overhead' } = {},
): Promise<EndpointHost> {
  const child: ChildProcess = fork(ENTRY, [], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  let stopping = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; expected: boolean }>(
    (resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, expected: stopping }))
    },
  )

  function request<T extends FromEndpoint['type']>(message: ToEndpoint, reply: T, timeoutMs: number) {
    return new Promise<Extract<FromEndpoint, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new RunError(
            `Failed to get "${reply}" from the endpoint process within ${timeoutMs} ms. It may be overloaded or stuck.`,
          ),
        )
      }, timeoutMs)
      const onMessage = (m: FromEndpoint) => {
        if (m.type === 'failed') {
          cleanup()
          reject(new RunError(`Failed in the endpoint process: ${m.message}.`))
        } else if (m.type === reply) {
          cleanup()
          resolve(m as Extract<FromEndpoint, { type: T }>)
        }
      }
      const onExit = (code: number | null) => {
        cleanup()
        reject(
          new RunError(
            `Failed to run the endpoint: its process exited (code ${code}) while the harness waited for "${reply}".`,
          ),
        )
      }
      const cleanup = () => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.send(message)
    })
  }

  const ready = await request(
    {
      type: 'start',
      scenario,
      mode: options.mode ?? 'run',
      ...(options.consoleSpans ? { consoleSpans: true } : {}),
    },
    'ready',
    30_000,
  )
  return {
    port: ready.port,
    pid: ready.pid,
    request,
    exited,
    async stop() {
      stopping = true
      if (child.exitCode !== null || child.signalCode !== null) return
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}
