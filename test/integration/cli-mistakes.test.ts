// The CLI on user mistakes and broken surroundings (issue 11 item 5): a message that says what
// failed and what to do, the documented exit code, no stack trace, and no result thrown away.
// Each case runs the real CLI as a child process.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleReport } from '../unit/report/sample-report.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/cli.ts')
const FIXTURE = join(ROOT, 'test/fixtures/scenarios/good/fixed-latency.yaml')

type Result = { status: number | null; stdout: string; stderr: string }

function cli(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    // A command that hangs instead of exiting fails the test on its status (null), not by timing out.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

const STACK = /\n\s+at /

describe('CLI mistakes', () => {
  let dir: string
  let blocker: Server
  let busyPort: number
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-mistakes-'))
    blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    busyPort = (blocker.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('serve --port: abc and 99999 exit 2, a port in use exits 4, each with a message and no stack', async () => {
    const [abc, huge, busy] = await Promise.all([
      cli(['serve', '--port', 'abc']),
      cli(['serve', '--port', '99999']),
      cli(['serve', '--port', String(busyPort)], 30_000),
    ])
    for (const [result, text] of [
      [abc, '"abc" is not a port number'],
      [huge, '"99999" is not a port number'],
    ] as const) {
      expect(result.status, result.stderr).toBe(2)
      expect(result.stderr).toContain(text)
      expect(result.stderr).not.toMatch(STACK)
    }
    // Exits by itself (mock listeners closed), within the kill timeout.
    expect(busy.status, busy.stderr).toBe(4)
    expect(busy.stderr).toContain(`Failed to listen on 127.0.0.1:${busyPort}: the port is in use`)
    expect(busy.stderr).not.toMatch(STACK)
  }, 90_000)

  it('compare and report: a hostile scenario name or a wrong-typed section exit 2 naming the field', async () => {
    const hostile = join(dir, 'hostile')
    mkdirSync(join(dir, 'history'))
    mkdirSync(hostile)
    const base = sampleReport()
    writeFileSync(
      join(hostile, 'report.json'),
      JSON.stringify({ ...base, scenario: { ...base.scenario, name: '..' } }),
    )
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, JSON.stringify({ ...base, endpoint_process: null }))
    const [history, pair, report] = await Promise.all([
      cli(['compare', join(dir, 'history'), hostile]),
      cli(['compare', hostile, hostile]),
      cli(['report', broken]),
    ])
    for (const result of [history, pair]) {
      expect(result.status, result.stderr).toBe(2)
      expect(result.stderr).toContain('scenario.name: expected a kebab-case scenario name')
      expect(result.stderr).not.toMatch(STACK)
    }
    expect(report.status, report.stderr).toBe(2)
    expect(report.stderr).toContain('endpoint_process: Invalid input: expected object, received null')
    expect(report.stderr).not.toMatch(STACK)
    expect(existsSync(join(dir, 'report.html'))).toBe(false)
  }, 90_000)

  it('a reports directory that fails after the run: the reports go to a fallback directory, exit 4', async () => {
    // --out passes the check before the run, but its scenario folder is a regular file, so the
    // write after the run fails (ENOTDIR), as a full disk would.
    const out = join(dir, 'out')
    mkdirSync(out)
    writeFileSync(join(out, 'fixed-latency'), 'in the way')
    // The child's os.tmpdir() is a folder of this test's own, so the fallback lands inside `dir`
    // and the cleanup of `dir` removes it: nothing outside `dir` is ever deleted.
    const childTmp = join(dir, 'tmp')
    mkdirSync(childTmp)
    const result = await cli(
      ['run', FIXTURE, '--duration', '1s', '--warmup', '0s', '--out', out, '--quiet'],
      60_000,
      { ...process.env, TMPDIR: childTmp },
    )
    expect(result.status, result.stderr).toBe(4)
    expect(result.stderr).not.toMatch(STACK)
    const match = /Wrote them to (\S+) instead/.exec(result.stderr)
    expect(match, result.stderr).not.toBeNull()
    const fallback = match![1]!
    expect(fallback.startsWith(childTmp)).toBe(true)
    const report = JSON.parse(readFileSync(join(fallback, 'report.json'), 'utf8'))
    expect(report.scenario.name).toBe('fixed-latency')
    expect(report.load.completed).toBeGreaterThan(0)
    expect(existsSync(join(fallback, 'report.html'))).toBe(true)
  }, 90_000)
})
