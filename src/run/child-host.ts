// The harness side of a child process it forks (the endpoint, the mock servers): fork through
// tsx (so the TypeScript runs without a build), talk request/reply over IPC, stop it for sure.
import { type ChildProcess, fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { RunError } from '../errors.ts'

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null; expected: boolean }

export type ChildHost<To, From extends { type: string }> = {
  pid: number
  request<T extends From['type']>(
    message: To,
    reply: T,
    timeoutMs: number,
  ): Promise<Extract<From, { type: T }>>
  // Resolves when the child exits for any reason; `expected` is false for a crash.
  exited: Promise<ChildExit>
  // Every message the child sends, replies included (for unsolicited ones).
  onMessage(listener: (message: From) => void): void
  // A message that needs no reply; dropped once the child is gone.
  post(message: To): void
  stop(): Promise<void>
}

function childNodeArgs(): string[] {
  return (process.env.HARNESS_CHILD_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '')
}

// `what` names the child in messages ("the endpoint", "the mock servers").
export function forkChild<To, From extends { type: string }>(
  entry: string,
  what: string,
): ChildHost<To, From> {
  const child: ChildProcess = fork(entry, [], {
    // HARNESS_CHILD_NODE_ARGS: extra Node flags for the children, e.g. to profile them
    // ("--cpu-prof --cpu-prof-dir=prof"); Node refuses those in NODE_OPTIONS.
    execArgv: ['--import', TSX_LOADER, '--expose-gc', ...childNodeArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  let stopping = false
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, expected: stopping }))
  })

  function request<T extends From['type']>(message: To, reply: T, timeoutMs: number) {
    return new Promise<Extract<From, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new RunError(
            `Failed to get "${reply}" from ${what} within ${timeoutMs} ms. The process may be overloaded or stuck.`,
          ),
        )
      }, timeoutMs)
      const onMessage = (m: From) => {
        if (m.type === 'failed') {
          cleanup()
          reject(new RunError(`Failed in ${what}: ${'message' in m ? String(m.message) : 'unknown error'}.`))
        } else if (m.type === reply) {
          cleanup()
          resolve(m as Extract<From, { type: T }>)
        }
      }
      const onExit = (code: number | null) => {
        cleanup()
        reject(
          new RunError(
            `Failed to run ${what}: its process exited (code ${code}) while the harness waited for "${reply}".`,
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
      child.send(message as object)
    })
  }

  return {
    pid: child.pid ?? -1,
    request,
    exited,
    onMessage(listener) {
      child.on('message', listener)
    },
    post(message) {
      if (child.connected) child.send(message as object)
    },
    async stop() {
      stopping = true
      if (child.exitCode !== null || child.signalCode !== null) return
      if (child.connected) child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}
