// The nightly runner: every scenario of a suite in turn, each through runScenario, then per
// scenario its reports, the comparison with its history and the history append; finally the suite
// pages. Layout:
//   <outDir>/<timestamp>/index.html, summary.md, junit.xml, suite.json
//   <outDir>/<timestamp>/<scenario>/report.json (+ report.html, summary.md, junit.xml)
//   <historyDir>/<scenario>/<started_at>.json
// Scenarios run one after another, never in parallel: on a shared machine two runs would measure
// each other. A scenario that fails to run is recorded and the suite goes on with the next.
import os from 'node:os'
import path from 'node:path'
import type { Report } from '../contract/report-types.ts'
import { describeFingerprint, fingerprintOf, harnessVersion } from '../environment.ts'
import { ExitCode } from '../errors.ts'
import { renderRunFiles } from '../report/run-reports.ts'
import { timestampDirName, writeFileAtomic, writeReportFiles } from '../report/write-report.ts'
import { deriveSeed } from '../rng.ts'
import { type RunOptions, type RunProgress, runScenario } from '../run/run-scenario.ts'
import { appendHistory, DEFAULT_HISTORY_DIR, readHistory } from './history-store.ts'
import { type LoadedSuite, loadSuite, type ResolvedSuiteEntry } from './load-suite.ts'
import { type Detection, detectRegressions, selectHistory } from './regression.ts'
import { renderSuiteIndex } from './render-suite-index.ts'
import { renderSuiteJunit } from './render-suite-junit.ts'
import { renderSuiteSummary } from './render-suite-summary.ts'
import { type RunSnapshot, snapshotOf } from './run-snapshot.ts'
import type { StoredReport } from './stored-report.ts'
import {
  budgetOutcomes,
  type ScenarioOutcome,
  type SuiteResult,
  scenarioExitCode,
  trustOf,
  worstExitCode,
} from './suite-result.ts'
import { fabricateHistory } from './synthetic-history.ts'
import { trendCharts } from './trends.ts'

export const DEFAULT_NIGHTLY_DIR = 'reports/nightly'

export type SuiteEvent =
  | { type: 'scenario-start'; name: string; index: number; total: number }
  | { type: 'phase'; name: string; phase: string }
  | { type: 'progress'; name: string; progress: RunProgress }
  | { type: 'scenario-end'; name: string; outcome: ScenarioOutcome }

export type SuiteRunOptions = {
  suiteFile: string
  outDir?: string // default reports/nightly; the run writes <outDir>/<timestamp>/
  historyDir?: string // default reports/history
  quick?: boolean
  seedHistory?: number // fabricate this many synthetic past nights per scenario first (demo, tests)
  append?: boolean // append each trusted, complete run to the history (default true)
  signal?: AbortSignal
  now?: () => Date
  onEvent?: (event: SuiteEvent) => void
  // The scenario runner; a unit test may pass a stand-in. Defaults to runScenario.
  run?: (file: string, options: RunOptions) => Promise<Report>
}

export async function runSuite(options: SuiteRunOptions): Promise<SuiteResult> {
  const loaded = loadSuite(options.suiteFile)
  const now = options.now ?? (() => new Date())
  const startedAt = now()
  const dir = path.join(options.outDir ?? DEFAULT_NIGHTLY_DIR, timestampDirName(startedAt))
  const historyDir = options.historyDir ?? DEFAULT_HISTORY_DIR
  const outcomes: ScenarioOutcome[] = []
  for (const [index, entry] of loaded.entries.entries()) {
    if (options.signal?.aborted) break
    options.onEvent?.({ type: 'scenario-start', name: entry.name, index, total: loaded.entries.length })
    const outcome = await runEntry(loaded, entry, { ...options, dir, historyDir })
    outcomes.push(outcome)
    options.onEvent?.({ type: 'scenario-end', name: entry.name, outcome })
    if (outcome.status === 'interrupted') break
  }
  const result: SuiteResult = {
    suite: {
      name: loaded.suite.name,
      description: loaded.suite.description.replace(/\s+/g, ' ').trim(),
      file: loaded.file,
    },
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    quick: options.quick ?? false,
    dir,
    historyDir,
    seededNights: options.seedHistory ?? 0,
    machine: describeFingerprint(thisMachine()),
    outcomes,
    exitCode: options.signal?.aborted ? ExitCode.interrupted : worstExitCode(outcomes.map((o) => o.exitCode)),
  }
  await writeSuiteFiles(result)
  return result
}

export async function writeSuiteFiles(result: SuiteResult): Promise<string[]> {
  const files: [string, string][] = [
    ['summary.md', renderSuiteSummary(result)],
    ['junit.xml', renderSuiteJunit(result)],
    ['suite.json', `${JSON.stringify(suiteJson(result), null, 2)}\n`],
    // Last: its presence means the suite's other files are complete.
    ['index.html', renderSuiteIndex(result)],
  ]
  const written: string[] = []
  for (const [name, content] of files) {
    const file = path.join(result.dir, name)
    await writeFileAtomic(file, content)
    written.push(file)
  }
  return written
}

// The suite result without the full reports (they sit beside it), for tools and tests.
function suiteJson(result: SuiteResult) {
  return {
    ...result,
    outcomes: result.outcomes.map(({ report: _report, ...outcome }) => outcome),
  }
}

function thisMachine() {
  const cpus = os.cpus()
  return fingerprintOf({
    node: process.version,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    harness_version: harnessVersion(),
  })
}

type EntryOptions = SuiteRunOptions & { dir: string; historyDir: string }

async function runEntry(
  loaded: LoadedSuite,
  entry: ResolvedSuiteEntry,
  options: EntryOptions,
): Promise<ScenarioOutcome> {
  const base = {
    name: entry.name,
    file: entry.file,
    links: {},
    budgets: [],
    untrusted: false,
    trust: null,
    detection: null,
    trends: [],
    appendedToHistory: false,
    notes: [] as string[],
  }
  let report: Report
  try {
    report = await runEntryScenario(loaded, entry, options)
  } catch (error) {
    const failed = {
      ...base,
      status: options.signal?.aborted ? ('interrupted' as const) : ('failed' as const),
      error: `Failed to run ${entry.name}: ${error instanceof Error ? error.message : String(error)}`,
    }
    return { ...failed, exitCode: scenarioExitCode(failed) }
  }
  const links = await writeEntryReports(report, entry.name, options.dir)
  const stored: StoredReport = report
  const status =
    report.status === 'complete' ? 'complete' : report.status === 'interrupted' ? 'interrupted' : 'failed'
  const notes: string[] = []
  if (status === 'failed')
    notes.push(
      `the run did not complete (${String(report.status)}${statusReason(report)}): not compared, not added to the history`,
    )
  const entries = await historyOf(report, entry.name, status, options, notes)
  const snapshots = entries.map((e) => snapshotOf(e.report, { source: e.file }))
  const current = snapshotOf(stored)
  const { untrusted, trust } = trustOf(stored)
  const { suite } = loaded
  let detection: Detection | null = null
  if (status === 'complete') {
    detection = detectRegressions(current, snapshots, {
      window: suite.history.window,
      minHistory: suite.history.minRuns,
      relativeFloor: suite.regression.relativeFloor,
      k: suite.regression.k,
    })
    notes.push(...comparisonNotes(detection, options.quick ?? false))
  }
  const trends = trendCharts(
    stored,
    comparableReports(current, snapshots, entries, suite.history.trendNights),
    suite.history.trendNights,
  )
  const appendedToHistory = await appendIfTrusted(stored, status, untrusted, options, notes)
  const outcome = {
    ...base,
    status,
    report: stored,
    links,
    budgets: budgetOutcomes(stored.budgets, entry.expectedFailures),
    untrusted,
    trust,
    detection,
    trends,
    appendedToHistory,
    notes,
  } satisfies Omit<ScenarioOutcome, 'exitCode'>
  return { ...outcome, exitCode: scenarioExitCode(outcome) }
}

function runEntryScenario(
  loaded: LoadedSuite,
  entry: ResolvedSuiteEntry,
  options: EntryOptions,
): Promise<Report> {
  const { suite } = loaded
  const overrides = { ...suite.defaults, ...entry.overrides, ...(options.quick ? suite.quick : {}) }
  const run = options.run ?? runScenario
  return run(entry.file, {
    ...overrides,
    // A quick run is too short to decide some budgets by design: inconclusive is a warning there.
    inconclusiveBudgets: options.quick ? 'warn' : 'fail',
    ...(options.signal ? { signal: options.signal } : {}),
    onPhase: (phase) => options.onEvent?.({ type: 'phase', name: entry.name, phase }),
    onProgress: (progress) => options.onEvent?.({ type: 'progress', name: entry.name, progress }),
  })
}

async function writeEntryReports(
  report: Report,
  name: string,
  dir: string,
): Promise<ScenarioOutcome['links']> {
  const files = renderRunFiles(report)
  await writeReportFiles(report, { outDir: path.join(dir, name), files })
  return {
    ...('report.html' in files ? { html: `${name}/report.html` } : {}),
    json: `${name}/report.json`,
  }
}

// History: what was there before this run (plus synthetic nights when asked for).
async function historyOf(
  stored: Report,
  name: string,
  status: ScenarioOutcome['status'],
  options: EntryOptions,
  notes: string[],
): Promise<{ file: string; report: StoredReport }[]> {
  const history = await readHistory(options.historyDir, name)
  for (const skipped of history.skipped)
    notes.push(`history file skipped: ${skipped.file}: ${skipped.reason}`)
  const entries = history.entries.map((e) => ({ file: e.file, report: e.report }))
  if (!options.seedHistory || options.seedHistory <= 0 || status !== 'complete') return entries
  if (entries.length > 0)
    notes.push(`--seed-history added synthetic nights to a history that already held ${entries.length} runs`)
  const fabricated = fabricateHistory(stored, {
    nights: options.seedHistory,
    seed: deriveSeed(stored.scenario.seed, `seed-history ${name}`),
  })
  for (const night of fabricated) {
    const file = await appendHistory(options.historyDir, night, { synthetic: true })
    entries.push({ file, report: night })
  }
  return entries
}

// Only complete, trusted runs become history: anything else would shift the baseline with
// numbers the run itself does not stand behind. (An incomplete run's note is above.)
async function appendIfTrusted(
  stored: StoredReport,
  status: ScenarioOutcome['status'],
  untrusted: boolean,
  options: EntryOptions,
  notes: string[],
): Promise<boolean> {
  if (options.append === false || status !== 'complete') return false
  if (untrusted) {
    notes.push('untrusted run: not added to the history, so it cannot shift the baseline')
    return false
  }
  await appendHistory(options.historyDir, stored)
  return true
}

function statusReason(report: Report): string {
  return report.status_reason ? `: ${report.status_reason}` : ''
}

function comparableReports(
  current: RunSnapshot,
  snapshots: readonly RunSnapshot[],
  entries: readonly { file: string; report: StoredReport }[],
  nights: number,
): StoredReport[] {
  const byFile = new Map(entries.map((e) => [e.file, e.report]))
  return selectHistory(current, snapshots, nights)
    .used.map((s) => byFile.get(s.source ?? ''))
    .filter((r): r is StoredReport => r !== undefined)
}

function comparisonNotes(detection: Detection, quick: boolean): string[] {
  const notes: string[] = []
  const { history, options } = detection
  if (history.used < options.minHistory)
    notes.push(
      `insufficient history: ${history.used} comparable run${history.used === 1 ? '' : 's'}, ${options.minHistory} needed; no regression check yet`,
    )
  if (history.excludedFingerprint > 0)
    notes.push(
      `${history.excludedFingerprint} earlier run${history.excludedFingerprint === 1 ? '' : 's'} from another machine fingerprint left out (${detection.fingerprintMismatch.join(', ') || 'different machine'})`,
    )
  if (history.excludedWorkload > 0)
    notes.push(
      `${history.excludedWorkload} earlier run${history.excludedWorkload === 1 ? '' : 's'} with another connection count, seed or sampler left out`,
    )
  if (history.synthetic > 0)
    notes.push(
      `${history.synthetic} of the ${history.used} runs compared with are synthetic (--seed-history)`,
    )
  if (quick && history.used > 0)
    notes.push('quick run: shorter than a full night, so noisier; read its findings as indicative')
  return notes
}
