// Issue 11 item 4: the scenario's API keys reach no artifact. A real short run through the CLI,
// then every file it wrote and its --json output are searched for every key (the nightly test
// does the same for the history store).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '../..')
const SCENARIO = join(ROOT, 'test/fixtures/scenarios/good/secret-keys.yaml')

describe('a run with API keys in its scenario', () => {
  it('writes none of them into report.json, report.html, summary.md, junit.xml or --json', () => {
    const keys: string[] = parse(readFileSync(SCENARIO, 'utf8')).requests.map(
      (request: { api_key: string }) => request.api_key,
    )
    expect(keys).toHaveLength(2)
    const out = mkdtempSync(join(tmpdir(), 'harness-secrets-'))
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'run', SCENARIO, '--out', out, '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    )
    expect([0, 3], result.stderr).toContain(result.status)
    const files = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
    expect(files.filter((file) => file.endsWith('report.json'))).toHaveLength(2) // run and latest/
    const report = JSON.parse(result.stdout)
    expect(report.load.completed).toBeGreaterThan(0)
    for (const [name, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
      ...files.map((file) => [file, readFileSync(file, 'utf8')]),
    ] as const) {
      for (const key of keys) expect(text.includes(key), `${key} in ${name}`).toBe(false)
    }
  }, 60_000)
})
