// A team's service, started and stopped for a run (target.command), or one already running
// (target.url). Runs inside the target process (target-process.ts), which the harness owns, so
// the service never outlives the run: it is started in a process group of its own and the whole
// group is stopped, SIGTERM and then SIGKILL after a grace period (a shell's or npm's children
// included).
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import type { TargetConfig } from '../scenario/target-schema.ts'

export const READY_POLL_MS = 100
export const LOG_LINES_QUOTED = 20

export type StartedService = {
  baseUrl: string
  pid: number | null // null for a service the harness did not start
  // Resolves when the service exits on its own (never for a `url` service).
  exited: Promise<string>
  stop(graceMs: number): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

// The last lines of the service's log, quoted in a failure message.
export function lastLines(logFile: string, count = LOG_LINES_QUOTED): string {
  let text: string
  try {
    text = readFileSync(logFile, 'utf8')
  } catch {
    return '(no output)'
  }
  const lines = text.trimEnd().split('\n').slice(-count)
  return lines.length === 0 || lines[0] === '' ? '(no output)' : lines.map((line) => `    ${line}`).join('\n')
}

// GET path until a 2xx, the deadline, or `gaveUp` resolves (the service exited).
async function waitReady(
  url: string,
  deadlineMs: number,
  gaveUp: Promise<string> | undefined,
): Promise<{ ok: true } | { ok: false; why: string }> {
  let stopped: string | undefined
  void gaveUp?.then((why) => {
    stopped = why
  })
  let last = 'no answer'
  while (performance.now() < deadlineMs) {
    if (stopped) return { ok: false, why: stopped }
    const status = await probe(url)
    if (typeof status === 'number' && status >= 200 && status < 300) return { ok: true }
    last = typeof status === 'number' ? `HTTP ${status}` : status
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS))
  }
  if (stopped) return { ok: false, why: stopped }
  return { ok: false, why: `no 2xx from GET ${url} (last: ${last})` }
}

function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

export async function connectToRunningService(target: TargetConfig): Promise<StartedService> {
  const baseUrl = target.url!.replace(/\/$/, '')
  const ready = await waitReady(
    baseUrl + target.readyPath,
    performance.now() + target.readyTimeoutMs,
    undefined,
  )
  if (!ready.ok) {
    throw new Error(
      `Failed to reach the target service at ${target.url}: ${ready.why} within ${target.readyTimeoutMs / 1000} s. Start the service, or check target.url and target.ready.path.`,
    )
  }
  return { baseUrl, pid: null, exited: new Promise(() => undefined), stop: async () => undefined }
}

export async function startService(
  target: TargetConfig,
  options: {
    argv: string[] | null
    shell: string | null
    cwd: string
    env: Record<string, string>
    port: number
    logFile: string
  },
): Promise<StartedService> {
  const logFd = openSync(options.logFile, 'a')
  let child: ChildProcess
  const [file, ...args] = options.argv ?? ['/bin/sh', '-c', options.shell ?? '']
  try {
    child = spawn(file!, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', logFd, logFd],
      // Its own process group: the whole group is signalled at the end, grandchildren included.
      detached: true,
    })
  } finally {
    closeSync(logFd)
  }
  const what = options.argv ? JSON.stringify(options.argv.join(' ')) : JSON.stringify(options.shell)
  let exitedCode: string | undefined
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      exitedCode =
        error.code === 'ENOENT' ? `command ${JSON.stringify(file)} not found (ENOENT)` : error.message
      resolve(exitedCode)
    })
    child.once('exit', (code, signal) => {
      exitedCode = `the service exited (code ${code}, signal ${signal})`
      resolve(exitedCode)
    })
  })
  const stop = (graceMs: number) => stopGroup(child, exited, graceMs)
  const baseUrl = `http://127.0.0.1:${options.port}`
  const ready = await waitReady(baseUrl + target.readyPath, performance.now() + target.readyTimeoutMs, exited)
  if (!ready.ok) {
    const exitedBeforeReady = exitedCode !== undefined
    await stop(1000)
    const where = path.relative(process.cwd(), options.logFile) || options.logFile
    throw new Error(
      `Failed to start the target service ${what} in ${options.cwd}: ${ready.why}${exitedBeforeReady ? ' before it was ready' : ` within ${target.readyTimeoutMs / 1000} s`}. Its last output (${where}):\n${lastLines(options.logFile)}\nCheck target.command, target.cwd, target.env and target.ready.`,
    )
  }
  return { baseUrl, pid: child.pid ?? null, exited, stop }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<string>, graceMs: number): Promise<void> {
  if (child.pid === undefined) return
  signalGroup(child, 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))])
  clearTimeout(timer)
  // Whatever is left of the group (the leader, or children it left behind) is killed.
  signalGroup(child, 'SIGKILL')
}

// Synchronous last resort when the target process itself exits.
export function killGroupNow(pid: number | null): void {
  if (pid === null) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
