// The soak (issue 11, "make it systematic"), test-sized: a few seconds of open-model load with
// every failure kind injected at once (500, 429, 503, hung calls, network errors, the provider's
// rate limit, a tenant over its gateway limit, client timeouts). Asserts that the accounting
// still adds up, that memory stays bounded, and that the CLI exits by itself leaving no child
// process behind. The real CLI as a child process: real sockets, real processes.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { reportSchema } from '../../src/contract/report-schema.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/cli.ts')
const SCENARIO = join(ROOT, 'test/fixtures/scenarios/good/soak.yaml')
// Generous bounds: a leak or a hang breaks them, machine noise does not. A healthy run of this
// fixture measured 168 MB endpoint RSS and 16 MB mocks heap after GC, and exits in about 12 s.
const EXIT_WITHIN_MS = 90_000
const ENDPOINT_RSS_MAX_MB = 512
const MOCKS_HEAP_AFTER_GC_MAX_MB = 128

type PsRow = { pid: number; ppid: number; args: string }

function ps(): PsRow[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)
      return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }] : []
    })
}

// Every process below `root` right now.
function descendantsOf(root: number): PsRow[] {
  const rows = ps()
  const found: PsRow[] = []
  const parents = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const row of rows)
      if (parents.has(row.ppid) && !parents.has(row.pid)) {
        parents.add(row.pid)
        found.push(row)
        grew = true
      }
  }
  return found
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('the soak', () => {
  const out = mkdtempSync(join(tmpdir(), 'soak-'))
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('every failure kind at once: accounting adds up, memory bounded, exits by itself, no child left', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'run', SCENARIO, '--out', out, '--quiet'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const seen = new Map<number, string>()
    let polls = 0
    const watch = setInterval(() => {
      polls++
      // A child that has exited but is not yet reaped shows as "[node] <defunct>": keep the
      // command line it was first seen with (a CI run lost the endpoint's name that way).
      for (const row of descendantsOf(child.pid!))
        if (!seen.has(row.pid) || !row.args.includes('<defunct>')) seen.set(row.pid, row.args)
    }, 250)
    const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS)
    const startedAt = Date.now()
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    )
    clearInterval(watch)
    clearTimeout(killer)

    // Exited by itself (not the SIGKILL above), with a verdict (0, 1 or 3), not a failed run.
    expect(signal, stderr).toBeNull()
    expect(Date.now() - startedAt).toBeLessThan(EXIT_WITHIN_MS)
    expect([0, 1, 3], stderr).toContain(code)
    expect(stderr).not.toMatch(/\n\s+at /)

    // The endpoint and the mock servers ran as children, and none outlives the CLI.
    const children = [...seen]
    // On failure, every process seen below the CLI (a CI run once saw no endpoint process).
    const seenText = `${polls} ps polls saw: ${JSON.stringify(children)}`
    expect(children.filter(([, args]) => /endpoint-process\.ts/.test(args)).length, seenText).toBe(1)
    expect(
      children.filter(([, args]) => /mocks-process\.ts/.test(args)).length,
      seenText,
    ).toBeGreaterThanOrEqual(1)
    const deadline = Date.now() + 5_000
    while (children.some(([pid]) => alive(pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    expect(children.filter(([pid]) => alive(pid))).toEqual([])
    expect(ps().filter((row) => row.args.includes(out))).toEqual([])

    const report = reportSchema.parse(JSON.parse(readFileSync(join(out, 'soak/latest/report.json'), 'utf8')))
    const { load, accounting } = report
    expect(report.status).toBe('complete')
    expect(accounting.ok, accounting.notes.join('; ')).toBe(true)
    expect(load.sent).toBeGreaterThan(100)
    expect(load.sent).toBe(load.completed + load.errors + load.timeouts + load.in_flight_at_end)
    expect(accounting.server_requests).toBeGreaterThanOrEqual(load.completed)
    expect(accounting.spans_started).toBe(accounting.spans_ended)

    // Every injected kind showed up: the run really was a soak of failures.
    const statuses = Object.keys(load.status_codes)
    for (const status of ['200', '429', '502', '503', '504']) expect(statuses, status).toContain(status)
    const causes = report.analysis.root_causes.map((c) => c.path).join('\n')
    for (const kind of [
      '429 RateLimitError',
      '500 UpstreamServerError',
      '503 UpstreamServerError',
      'TimeoutError',
      'NetworkError',
    ])
      expect(causes, kind).toContain(kind)

    expect(report.endpoint_process.rss_peak_mb).toBeGreaterThan(0)
    expect(report.endpoint_process.rss_peak_mb).toBeLessThan(ENDPOINT_RSS_MAX_MB)
    for (const mocks of report.trust.mocks ?? [])
      if (mocks.heap_used_after_gc_mb !== null)
        expect(mocks.heap_used_after_gc_mb).toBeLessThan(MOCKS_HEAP_AFTER_GC_MAX_MB)
  }, 120_000)
})
