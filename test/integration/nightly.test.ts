// `nightly --quick` end to end as a real process: two short fixed-latency scenarios (one built to
// fail a budget), a seeded synthetic history for the trends, and the exit code that follows.
// About 15 s on a 2-core machine.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('npm run nightly -- --quick (two-scenario suite)', () => {
  let dir: string
  let run: { code: number | null; stdout: string; stderr: string }
  let suiteDir: string

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nightly-'))
    run = await cli([
      'nightly',
      '--quick',
      '--suite',
      'test/fixtures/suites/two.suite.yaml',
      '--out',
      path.join(dir, 'out'),
      '--history',
      path.join(dir, 'history'),
      '--seed-history',
      '6',
      '--quiet',
    ])
    const stamps = existsSync(path.join(dir, 'out')) ? await readdir(path.join(dir, 'out')) : []
    suiteDir = path.join(dir, 'out', stamps[0] ?? 'missing')
  }, 60_000)

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('exits 1 because one scenario fails a budget, and says so', () => {
    expect(run.code, run.stderr).toBe(1)
    expect(run.stdout).toMatch(/^steady\s+pass\s/m)
    expect(run.stdout).toMatch(/^over-budget\s+fail\s+llm_generation\.p50 −\d+\.\d%/m)
    expect(run.stdout).toContain('Exit 1: a budget failed')
  })

  it('writes index.html, summary.md, junit.xml and each scenario’s reports', async () => {
    for (const name of [
      'index.html',
      'summary.md',
      'junit.xml',
      'suite.json',
      'steady/report.json',
      'over-budget/report.json',
    ])
      expect(existsSync(path.join(suiteDir, name)), name).toBe(true)
    const summary = await readFile(path.join(suiteDir, 'summary.md'), 'utf8')
    expect(summary.split('\n')[0]).toBe('## Nightly performance: two — FAIL (exit 1: a budget failed)')
    expect(summary).toContain('**Synthetic history.**')
    expect(summary).toMatch(
      /- \*\*over-budget\*\* `llm_generation\.p50: 10ms`: actual \d+\.\d ms vs limit 10 ms/,
    )
  })

  it('writes a junit.xml with one testsuite per scenario and the failed budget as a failure', async () => {
    const xml = await readFile(path.join(suiteDir, 'junit.xml'), 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (n) => n === 'testsuite' || n === 'testcase',
    }).parse(xml)
    const suites = parsed.testsuites.testsuite as {
      '@_name': string
      '@_failures': string
      testcase: { '@_name': string; failure?: unknown }[]
    }[]
    expect(suites.map((s) => s['@_name'])).toEqual(['steady', 'over-budget'])
    expect(suites[0]!['@_failures']).toBe('0')
    const failed = suites[1]!.testcase.filter((c) => c.failure).map((c) => c['@_name'])
    expect(failed).toEqual(['llm_generation.p50: 10ms'])
  })

  it('draws trends from the seeded history and keeps the real run in the history', async () => {
    const html = await readFile(path.join(suiteDir, 'index.html'), 'utf8')
    const data = JSON.parse(
      /<script type="application\/json" id="trend-data">([\s\S]*?)<\/script>/.exec(html)![1]!,
    )
    const titles = data.charts.map((c: { title: string }) => c.title)
    expect(titles).toContain('steady · vector_search')
    for (const chart of data.charts) expect(chart.x).toHaveLength(7)
    const history = await readdir(path.join(dir, 'history', 'steady'))
    expect(history).toHaveLength(7)
    const stored = await Promise.all(
      history.map(async (f) => JSON.parse(await readFile(path.join(dir, 'history', 'steady', f), 'utf8'))),
    )
    expect(stored.filter((r) => r.synthetic === true)).toHaveLength(6)
    expect(stored.filter((r) => r.synthetic === false)).toHaveLength(1)
  })

  // Issue 11 item 4: CI uploads these files and caches the history.
  it('writes no API key of the suite’s scenarios into any output or history file', async () => {
    const keys = ['key-acme']
    for (const name of ['steady', 'over-budget']) {
      const text = await readFile(path.join(root, `test/fixtures/suites/${name}.yaml`), 'utf8')
      for (const key of keys) expect(text, `${name}.yaml declares ${key}`).toContain(key)
    }
    const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
    expect(files.filter((file) => file.includes(`${path.sep}history${path.sep}`)).length).toBeGreaterThan(0)
    expect(files.some((file) => file.endsWith('report.json'))).toBe(true)
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const key of keys) expect(text.includes(key), `${key} in ${file}`).toBe(false)
    }
  })

  it('compare exits 5 on two reports with a known regression', async () => {
    const compare = await cli([
      'compare',
      'test/fixtures/reports/steady-baseline.json',
      'test/fixtures/reports/steady-slower.json',
    ])
    expect(compare.code, compare.stderr).toBe(5)
    expect(compare.stdout).toMatch(/^vector_search p95 .* REGRESSION$/m)
  })
})
