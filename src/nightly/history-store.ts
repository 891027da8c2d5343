// The history store: a directory of report JSON files, one per run, so that no server is needed
// and CI can keep it between nights as a cache or an artifact:
//   <historyDir>/<scenario>/<started_at>.json        e.g. reports/history/baseline/2026-11-27T05-12-03.456Z.json
// Each file is the run's report.json without the parts that are large and only serve the run's own
// report (exemplar traces, trace analysis, histograms, per-interval stage figures): about 15 KB
// instead of 500 KB, so a year of five scenarios stays a small CI cache. `synthetic` is true when
// the file was fabricated by `nightly --seed-history`, false otherwise. File names
// sort in time order; the content's started_at is what counts. Files are written atomically, so a
// job killed mid-write never leaves half a file; an unreadable file is skipped and reported.
import { readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { type Fingerprint, fingerprintOf, sameFingerprint } from '../environment.ts'
import { writeFileAtomic } from '../report/write-report.ts'
import { SCENARIO_NAME_PATTERN } from '../scenario/schema.ts'
import { parseStoredReport, type StoredReport } from './stored-report.ts'

export const DEFAULT_HISTORY_DIR = 'reports/history'
// Kept per scenario; older files are removed on append. A year of nightly runs.
export const DEFAULT_HISTORY_KEEP = 366

const TRIMMED_FIELDS = ['analysis', 'stage_histograms', 'stage_intervals']

export type HistoryEntry = { file: string; report: StoredReport }

export type HistoryRead = {
  entries: HistoryEntry[] // oldest first
  skipped: { file: string; reason: string }[]
  excludedFingerprint: number // left out by the fingerprint filter
}

function scenarioDir(historyDir: string, scenario: string): string {
  if (!SCENARIO_NAME_PATTERN.test(scenario)) {
    throw new Error(
      `Failed to use the history for scenario ${JSON.stringify(scenario)}: not a kebab-case scenario name. Check the report's scenario.name.`,
    )
  }
  return path.join(historyDir, scenario)
}

// "2026-11-27T05:12:03.456Z" → "2026-11-27T05-12-03.456Z.json": no colons (Windows, archivers),
// milliseconds kept so that two runs in one second do not overwrite each other.
export function historyFileName(startedAt: string): string {
  return `${new Date(startedAt).toISOString().replaceAll(':', '-')}.json`
}

export function historyFilePath(historyDir: string, scenario: string, startedAt: string): string {
  return path.join(scenarioDir(historyDir, scenario), historyFileName(startedAt))
}

export async function appendHistory(
  historyDir: string,
  report: StoredReport,
  options: { synthetic?: boolean; keep?: number } = {},
): Promise<string> {
  const file = historyFilePath(historyDir, report.scenario.name, report.started_at)
  const stored: Record<string, unknown> = {
    ...report,
    exemplars: [],
    synthetic: options.synthetic ?? report.synthetic ?? false,
  }
  for (const field of TRIMMED_FIELDS) delete stored[field]
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`)
  await prune(scenarioDir(historyDir, report.scenario.name), options.keep ?? DEFAULT_HISTORY_KEEP)
  return file
}

async function prune(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort()
  for (const name of names.slice(0, Math.max(0, names.length - keep)))
    await rm(path.join(dir, name), { force: true })
}

// Every stored run of a scenario, oldest first; with `fingerprint`, only runs on that machine
// fingerprint; with `limit`, only the newest `limit` of those. A missing directory is an empty
// history, not an error: the first night has none.
export async function readHistory(
  historyDir: string,
  scenario: string,
  options: { fingerprint?: Fingerprint; limit?: number } = {},
): Promise<HistoryRead> {
  const dir = scenarioDir(historyDir, scenario)
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { entries: [], skipped: [], excludedFingerprint: 0 }
    throw new Error(
      `Failed to read the history in ${dir}: ${(error as Error).message}. Check the --history directory.`,
      { cause: error },
    )
  }
  const entries: HistoryEntry[] = []
  const skipped: HistoryRead['skipped'] = []
  for (const name of names) {
    const file = path.join(dir, name)
    try {
      const report = parseStoredReport(JSON.parse(await readFile(file, 'utf8')), file)
      if (report.scenario.name !== scenario) {
        skipped.push({ file, reason: `it belongs to scenario ${report.scenario.name}` })
        continue
      }
      entries.push({ file, report })
    } catch (error) {
      skipped.push({ file, reason: (error as Error).message.split('\n').join(' ') })
    }
  }
  entries.sort((a, b) => Date.parse(a.report.started_at) - Date.parse(b.report.started_at))
  let selected = entries
  let excludedFingerprint = 0
  if (options.fingerprint) {
    const wanted = options.fingerprint
    selected = entries.filter((entry) => sameFingerprint(fingerprintOf(entry.report.environment), wanted))
    excludedFingerprint = entries.length - selected.length
  }
  if (options.limit !== undefined) selected = selected.slice(-options.limit)
  return { entries: selected, skipped, excludedFingerprint }
}
