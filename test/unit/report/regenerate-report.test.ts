import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UsageError, ValidationError } from '../../../src/errors.ts'
import { parseReportText, regenerateReport } from '../../../src/report/regenerate-report.ts'
import { sampleReport } from './sample-report.ts'

const SPAN = {
  name: 's',
  span_id: 'x',
  parent_span_id: null,
  kind: 'internal',
  start_offset_ms: 0,
  duration_ms: 1,
  status: 'ok',
  attributes: {},
  events: [],
}

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

  it('refuses a report of another schema version by name, writing nothing', async () => {
    const path = join(dir, 'report.json')
    await writeFile(path, JSON.stringify({ ...sampleReport(), schema_version: 1 }), 'utf8')
    const error = await regenerateReport(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).problems[0]).toMatch(
      /^schema_version: 1, but this harness reads version 2/,
    )
    await expect(readFile(join(dir, 'summary.md'), 'utf8')).rejects.toThrow(/ENOENT/)
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

  it('validates the whole report: a null or wrong-typed section is refused naming the field', () => {
    const cases: [string, unknown][] = [
      ['endpoint_process', { ...sampleReport(), endpoint_process: null }],
      ['trust', { ...sampleReport(), trust: 5 }],
      ['analysis', { ...sampleReport(), analysis: 'x' }],
      ['stage_intervals', { ...sampleReport(), stage_intervals: {} }],
    ]
    for (const [field, report] of cases) {
      const error = catchError(() => parseReportText(JSON.stringify(report), 'r.json'))
      expect(error, field).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).problems[0], field).toMatch(new RegExp(`^${field}: `))
    }
    const exemplar = {
      trace_id: 't1',
      duration_ms: 1,
      error: false,
      reason: 'sample',
      spans: [{ ...SPAN, kind: 7 }],
    }
    const withBadKind = { ...sampleReport(), exemplars: [exemplar] }
    const error = catchError(() => parseReportText(JSON.stringify(withBadKind), 'r.json'))
    expect((error as ValidationError).problems[0]).toMatch(/^exemplars\[0\]\.spans\[0\]\.kind: /)
  })

  it('refuses 5,000-deep JSON naming where, without overflowing the stack', () => {
    const deep = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`
    const text = JSON.stringify(sampleReport()).replace(/}$/, `,"extra":${deep}}`)
    const error = catchError(() => parseReportText(text, 'r.json'))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).problems[0]).toMatch(/^extra\.a\.a.*nested deeper than 64 levels/)
    const arrays = `${'['.repeat(5000)}${']'.repeat(5000)}`
    const inTrust = JSON.stringify(sampleReport()).replace(/}$/, `,"overhead":${arrays}}`)
    expect((catchError(() => parseReportText(inTrust, 'r.json')) as Error).message).toMatch(/overhead\.0\.0/)
  })

  it('renders an exemplar with a 20,000-span parent chain, and one with a parent cycle', async () => {
    const base = sampleReport()
    const chain = (cycle: boolean) =>
      Array.from({ length: 20_000 }, (_, i) => ({
        ...SPAN,
        name: `s${i}`,
        span_id: `x${i}`,
        parent_span_id: i > 0 ? `x${i - 1}` : cycle ? 'x19999' : null,
        status: 'error',
      }))
    for (const cycle of [false, true]) {
      const exemplar = { trace_id: 't1', duration_ms: 20, error: true, reason: 'error', spans: chain(cycle) }
      const path = join(dir, 'report.json')
      await writeFile(path, JSON.stringify({ ...base, exemplars: [exemplar] }), 'utf8')
      await regenerateReport(path)
      expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('</html>')
    }
  }, 60_000)
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}
