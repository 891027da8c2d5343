import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeRunReportsOrFallback } from '../../../src/report/run-reports.ts'
import { sampleReport } from './sample-report.ts'

describe('writeRunReportsOrFallback', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'run-reports-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes under the reports directory when it works', async () => {
    const written = await writeRunReportsOrFallback(sampleReport(), { reportsDir: join(dir, 'reports') })
    expect(written.outcome).toBe('written')
    expect(
      JSON.parse(await readFile(join(dir, 'reports/rate-limit/latest/report.json'), 'utf8')).scenario.name,
    ).toBe('rate-limit')
  })

  it('writes every file to a fresh fallback directory when the reports directory fails after the run', async () => {
    // A regular file where the scenario's directory goes: mkdir fails with ENOTDIR, as a full
    // disk or a permission change would fail it.
    await writeFile(join(dir, 'rate-limit'), 'in the way', 'utf8')
    const fallbackRoot = join(dir, 'fallback')
    await mkdir(fallbackRoot)
    const written = await writeRunReportsOrFallback(sampleReport(), { reportsDir: dir, fallbackRoot })
    expect(written.outcome).toBe('fallback')
    if (written.outcome !== 'fallback') return
    expect(written.reason).toMatch(/rate-limit/)
    expect(written.dir.startsWith(fallbackRoot)).toBe(true)
    for (const name of ['report.json', 'report.html', 'summary.md', 'junit.xml'])
      expect((await readFile(join(written.dir, name), 'utf8')).length, name).toBeGreaterThan(0)
    expect(await readFile(join(dir, 'rate-limit'), 'utf8')).toBe('in the way')
  })

  it('says why when the fallback fails too, so the caller can print the report instead', async () => {
    await writeFile(join(dir, 'rate-limit'), 'in the way', 'utf8')
    const notADir = join(dir, 'not-a-dir')
    await writeFile(notADir, '', 'utf8')
    const written = await writeRunReportsOrFallback(sampleReport(), {
      reportsDir: dir,
      fallbackRoot: notADir,
    })
    expect(written.outcome).toBe('failed')
    if (written.outcome !== 'failed') return
    expect(written.reason).toMatch(/rate-limit.*fallback under .*not-a-dir/s)
  })
})
