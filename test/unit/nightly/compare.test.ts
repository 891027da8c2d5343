import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  compareFiles,
  renderComparisonConsole,
  renderComparisonMarkdown,
} from '../../../src/nightly/compare.ts'
import { appendHistory } from '../../../src/nightly/history-store.ts'
import { parseStoredReport } from '../../../src/nightly/stored-report.ts'
import { fabricateHistory } from '../../../src/nightly/synthetic-history.ts'

// Two runs of test/fixtures/suites/steady.yaml: a real report (trimmed of exemplars, histograms
// and analysis), and the same run with vector_search 25% slower at every percentile and
// rag_pipeline slower by the same milliseconds (so +4.7% at p50, +6.5% at p95, +6.6% at p99).
const fixtures = path.resolve(import.meta.dirname, '../../fixtures/reports')
const BASELINE = path.join(fixtures, 'steady-baseline.json')
const SLOWER = path.join(fixtures, 'steady-slower.json')

describe('compare two report files', () => {
  it('finds the known difference and nothing else', async () => {
    const comparison = await compareFiles(BASELINE, SLOWER)
    const { detection } = comparison
    expect(detection.method).toBe('single-run')
    expect(detection.status).toBe('regression')
    const byStatus = (status: string) =>
      detection.findings.filter((f) => f.status === status).map((f) => f.key)
    expect(byStatus('regression')).toEqual([
      'rag_pipeline p95',
      'rag_pipeline p99',
      'vector_search p50',
      'vector_search p95',
      'vector_search p99',
    ])
    expect(byStatus('improvement')).toEqual([])
    const p95 = detection.findings.find((f) => f.key === 'vector_search p95')!
    expect(p95.change!.relative).toBeCloseTo(0.25, 6)
    expect(p95.baseline!.median).toBeCloseTo(64.415, 3)
    // +4.7% is inside the 5% floor
    expect(detection.findings.find((f) => f.key === 'rag_pipeline p50')!.status).toBe('unchanged')
    expect(detection.fingerprintMismatch).toEqual([])
  })

  it('renders a console table, one row per metric, regressions marked', async () => {
    const text = renderComparisonConsole(await compareFiles(BASELINE, SLOWER))
    expect(text).toContain('5 regression(s), 0 improvement(s), 8 unchanged')
    expect(text).toContain('One baseline run: no noise estimate')
    const row = text.split('\n').find((line) => line.startsWith('vector_search p95'))!
    expect(row).toMatch(/64\.4 ms\s+61\.3 ms – 67\.6 ms\s+80\.5 ms\s+\+16\.1 ms \(\+25\.0%\)\s+REGRESSION$/)
  })

  it('renders a markdown table that a PR comment can show', async () => {
    const markdown = renderComparisonMarkdown(await compareFiles(BASELINE, SLOWER))
    const rows = markdown.split('\n').filter((line) => line.startsWith('|'))
    expect(rows[0]).toBe('| Metric | Baseline | Band | Current | Change | Status |')
    expect(rows).toHaveLength(2 + 13)
    expect(rows[1]).toBe('|---|---:|---:|---:|---:|---:|')
    for (const row of [rows[0]!, ...rows.slice(2)]) expect(row.split(' | ')).toHaveLength(6)
    expect(rows).toContain(
      '| `vector_search p95` | 64.4 ms | 61.3 ms – 67.6 ms | 80.5 ms | +16.1 ms (+25.0%) | **REGRESSION** |',
    )
  })

  it('accepts a report folder in place of report.json, and flags another machine', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'compare-'))
    try {
      const other = JSON.parse(await readFile(BASELINE, 'utf8'))
      other.environment.node = 'v20.19.0'
      const { writeFileAtomic } = await import('../../../src/report/write-report.ts')
      await writeFileAtomic(path.join(dir, 'report.json'), JSON.stringify(other))
      const comparison = await compareFiles(dir, SLOWER)
      expect(comparison.detection.fingerprintMismatch).toEqual(['Node 20 → 22'])
      expect(renderComparisonConsole(comparison)).toContain(
        'WARNING: different machine fingerprint: Node 20 → 22',
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses to compare runs of two different scenarios', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'compare-'))
    try {
      const other = JSON.parse(await readFile(BASELINE, 'utf8'))
      other.scenario.name = 'baseline'
      const { writeFileAtomic } = await import('../../../src/report/write-report.ts')
      await writeFileAtomic(path.join(dir, 'report.json'), JSON.stringify(other))
      await expect(compareFiles(dir, SLOWER)).rejects.toThrow(/Compare two runs of the same scenario/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('compare a report with a history directory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'compare-history-'))
    const baseline = parseStoredReport(JSON.parse(await readFile(BASELINE, 'utf8')), BASELINE)
    for (const night of fabricateHistory(baseline, { nights: 12, seed: 5, cv: 0.02 }))
      await appendHistory(dir, night, { synthetic: true })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('uses the median and spread of the window (from the root or the scenario folder)', async () => {
    for (const location of [dir, path.join(dir, 'steady')]) {
      const comparison = await compareFiles(location, SLOWER)
      expect(comparison.detection.method).toBe('history')
      expect(comparison.detection.history).toMatchObject({ used: 12, synthetic: 12 })
      const p95 = comparison.detection.findings.find((f) => f.key === 'vector_search p95')!
      expect(p95.status).toBe('regression')
      expect(p95.baseline!.method).toBe('median-mad')
      expect(p95.baseline!.n).toBe(12)
      expect(renderComparisonConsole(comparison)).toContain('12 of the baseline runs are synthetic')
    }
  })

  it('finds nothing when the current run is one like the history', async () => {
    const comparison = await compareFiles(dir, BASELINE)
    expect(comparison.detection.findings.filter((f) => f.status === 'regression')).toEqual([])
  })
})
