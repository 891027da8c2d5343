import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UsageError, ValidationError } from '../../../src/errors.ts'
import { regenerateReport } from '../../../src/report/regenerate-report.ts'
import { sampleReport } from './sample-report.ts'

describe('regenerateReport', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regenerate-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes report.html, summary.md and junit.xml beside the report.json', async () => {
    const path = join(dir, 'report.json')
    await writeFile(path, JSON.stringify(sampleReport()), 'utf8')
    const written = await regenerateReport(path)
    expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'junit.xml',
      'report.html',
      'summary.md',
    ])
    const html = await readFile(join(dir, 'report.html'), 'utf8')
    expect(html).toContain('<span class="badge fail">FAIL</span>rate-limit')
    // Fields outside the validated core (trust, analysis) still reach the renderers.
    expect(html).toContain('Mock fidelity')
  })

  it('renders a report from before the trust and analysis sections', async () => {
    const old = sampleReport() as Record<string, unknown>
    delete old.trust
    delete old.analysis
    const path = join(dir, 'report.json')
    await writeFile(path, JSON.stringify(old), 'utf8')
    await regenerateReport(path)
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('Trust: not measured in this run.')
  })

  it('rejects a file that is not a report', async () => {
    const notJson = join(dir, 'a.json')
    await writeFile(notJson, '{ nope', 'utf8')
    await expect(regenerateReport(notJson)).rejects.toBeInstanceOf(UsageError)
    const notReport = join(dir, 'b.json')
    await writeFile(notReport, '{"schema_version": 1}', 'utf8')
    await expect(regenerateReport(notReport)).rejects.toBeInstanceOf(ValidationError)
    await expect(regenerateReport(join(dir, 'missing.json'))).rejects.toThrow(/Failed to read/)
  })
})
