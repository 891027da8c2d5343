import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fingerprintOf } from '../../../src/environment.ts'
import { appendHistory, historyFileName, readHistory } from '../../../src/nightly/history-store.ts'
import type { StoredReport } from '../../../src/nightly/stored-report.ts'
import { sampleReport } from '../report/sample-report.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'history-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function reportAt(startedAt: string, environment: Partial<StoredReport['environment']> = {}): StoredReport {
  const report = sampleReport({ started_at: startedAt }) as unknown as StoredReport
  return { ...report, environment: { ...report.environment, ...environment } }
}

describe('history store', () => {
  it('names files by started_at without colons, sortable, keeping milliseconds', () => {
    expect(historyFileName('2026-11-27T05:12:03.456Z')).toBe('2026-11-27T05-12-03.456Z.json')
  })

  it('appends a report under <dir>/<scenario>/ without its bulky parts, marked synthetic or not', async () => {
    const report = { ...reportAt('2026-11-27T05:12:03.456Z'), exemplars: [{ trace_id: 'x' }] }
    const file = await appendHistory(dir, report)
    expect(file).toBe(path.join(dir, 'rate-limit', '2026-11-27T05-12-03.456Z.json'))
    const stored = JSON.parse(await readFile(file, 'utf8'))
    expect(stored.exemplars).toEqual([])
    for (const field of ['analysis', 'stage_histograms', 'stage_intervals']) {
      expect(report, field).toHaveProperty(field)
      expect(stored, field).not.toHaveProperty(field)
    }
    expect(stored.synthetic).toBe(false)
    expect(stored.stages).toEqual(report.stages)
    const fake = await appendHistory(dir, reportAt('2026-11-26T05:12:03.456Z'), { synthetic: true })
    expect(JSON.parse(await readFile(fake, 'utf8')).synthetic).toBe(true)
  })

  it('reads a scenario oldest first, filters by fingerprint and keeps the last N', async () => {
    const here = { cpu_model: 'Here CPU', node: 'v22.1.0' }
    const there = { cpu_model: 'There CPU', node: 'v22.1.0' }
    await appendHistory(dir, reportAt('2026-11-03T03:00:00.000Z', here))
    await appendHistory(dir, reportAt('2026-11-01T03:00:00.000Z', here))
    await appendHistory(dir, reportAt('2026-11-02T03:00:00.000Z', there))
    await appendHistory(dir, reportAt('2026-11-04T03:00:00.000Z', here))
    const all = await readHistory(dir, 'rate-limit')
    expect(all.entries.map((e) => e.report.started_at.slice(0, 10))).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
    ])
    const fingerprint = fingerprintOf({ ...reportAt('2026-11-01T00:00:00.000Z').environment, ...here })
    const mine = await readHistory(dir, 'rate-limit', { fingerprint, limit: 2 })
    expect(mine.entries.map((e) => e.report.started_at.slice(0, 10))).toEqual(['2026-11-03', '2026-11-04'])
    expect(mine.excludedFingerprint).toBe(1)
  })

  it('treats a missing directory as an empty history', async () => {
    expect(await readHistory(path.join(dir, 'nothing'), 'baseline')).toEqual({
      entries: [],
      skipped: [],
      excludedFingerprint: 0,
    })
  })

  it('skips and reports unreadable files instead of failing', async () => {
    await appendHistory(dir, reportAt('2026-11-01T03:00:00.000Z'))
    await writeFile(path.join(dir, 'rate-limit', 'broken.json'), '{ not json')
    await writeFile(path.join(dir, 'rate-limit', 'wrong.json'), JSON.stringify({ schema_version: 1 }))
    const history = await readHistory(dir, 'rate-limit')
    expect(history.entries).toHaveLength(1)
    expect(history.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['broken.json', 'wrong.json'])
  })

  it('keeps only the newest `keep` files per scenario', async () => {
    for (let day = 1; day <= 5; day++)
      await appendHistory(dir, reportAt(`2026-11-0${day}T03:00:00.000Z`), { keep: 3 })
    expect((await readdir(path.join(dir, 'rate-limit'))).sort()).toEqual([
      '2026-11-03T03-00-00.000Z.json',
      '2026-11-04T03-00-00.000Z.json',
      '2026-11-05T03-00-00.000Z.json',
    ])
  })

  it('refuses a scenario name that could escape the history directory', async () => {
    await expect(readHistory(dir, '../etc')).rejects.toThrow(/not a kebab-case scenario name/)
  })
})
