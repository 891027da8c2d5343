// The CLI on bad capacity and what-if input (issue 15): exit 2 with the key or flag named, no
// stack trace, before any load (so each case returns in the time it takes to start the CLI).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/cli.ts')
const FIXTURE = join(ROOT, 'test/fixtures/scenarios/good/fixed-latency.yaml')

function cli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stderr })
    })
  })
}

const STACK = /\n\s+at /

describe('capacity and what-if mistakes on the command line', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-capacity-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const scenarioWith = (name: string, capacity: string) => {
    const file = join(dir, `${name}.yaml`)
    writeFileSync(
      file,
      `name: ${name}\nrequests: [{ tenant: a, api_key: k, question: q }]\ncapacity: ${capacity}\nbudgets: { rag_pipeline: { p95: 1s } }\n`,
    )
    return file
  }

  it('exits 2 naming the key or flag, with no stack trace and no load', async () => {
    const cases = await Promise.all([
      cli(['run', scenarioWith('from-to', '{ from: 100, to: 50 }'), '--find-capacity', '--out', dir]),
      cli(['run', scenarioWith('precision-0', '{ precision: 0 }'), '--find-capacity', '--out', dir]),
      cli(['run', FIXTURE, '--what-if', 'rerankr=0.5x', '--out', dir]),
      cli(['run', FIXTURE, '--what-if', 'reranker=0x', '--what-if', 'llm=-2x', '--out', dir]),
      cli(['run', FIXTURE, '--find-capacity', '--connections', '4', '--out', dir]),
    ])
    const [fromTo, precision, unknown, factor, closed] = cases
    expect(fromTo!.stderr).toMatch(/capacity\.from: expected from \(100 req\/s\) below to \(50 req\/s\)/)
    expect(precision!.stderr).toMatch(/capacity\.precision: expected a precision above 0/)
    expect(unknown!.stderr).toMatch(
      /--what-if: unknown dependency "rerankr".*expected one of auth, embedding, vector_store, reranker, llm/,
    )
    expect(factor!.stderr).toMatch(
      /2 problems[\s\S]*--what-if: expected a factor above 0[\s\S]*--what-if: expected a factor above 0/,
    )
    expect(closed!.stderr).toMatch(/--connections sets the closed model.*Drop --connections/)
    for (const c of cases) {
      expect(c.status).toBe(2)
      expect(c.stderr).not.toMatch(STACK)
      expect(c.stderr).not.toMatch(/driving load/)
    }
  }, 90_000)
})
