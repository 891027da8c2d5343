// `compare`: one run against another, or against a history window.
//   compare <baseline report> <current report>     two runs: floors only (no noise estimate)
//   compare <history dir> <current report>         the last N comparable runs: the nightly method
// A report argument may be a report.json or a directory holding one (reports/<scenario>/latest).
// A history argument is the history root (reports/history, the scenario's folder is picked by the
// current report's scenario name) or one scenario's folder of history files.
import { existsSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { UsageError } from '../errors.ts'
import { readHistory } from './history-store.ts'
import {
  compareRuns,
  type Detection,
  type DetectionOptions,
  detectRegressions,
  type Finding,
  formatBand,
  formatChange,
  formatValue,
} from './regression.ts'
import { mdCell, mdCode } from './render-suite-summary.ts'
import { type StageSelection, snapshotOf } from './run-snapshot.ts'
import { readStoredReport, type StoredReport } from './stored-report.ts'

export type Comparison = {
  detection: Detection
  baselineLabel: string // what the current run was compared with, in words
  currentLabel: string
  current: StoredReport
  skipped: { file: string; reason: string }[]
}

export function reportFileOf(input: string): string {
  if (existsSync(input) && statSync(input).isDirectory()) {
    const inside = path.join(input, 'report.json')
    if (existsSync(inside)) return inside
  }
  return input
}

async function isHistoryDirectory(input: string): Promise<boolean> {
  if (!existsSync(input) || !statSync(input).isDirectory()) return false
  return !existsSync(path.join(input, 'report.json'))
}

export async function compareFiles(
  baselinePath: string,
  currentPath: string,
  options: { detection?: Partial<DetectionOptions>; stages?: StageSelection } = {},
): Promise<Comparison> {
  const currentFile = reportFileOf(currentPath)
  const current = await readStoredReport(currentFile)
  const currentSnapshot = snapshotOf(current, { source: currentFile, stages: options.stages ?? 'budgeted' })
  if (await isHistoryDirectory(baselinePath)) {
    const { historyDir, scenario } = await historyLocation(baselinePath, current.scenario.name)
    const history = await readHistory(historyDir, scenario)
    const snapshots = history.entries.map((e) =>
      snapshotOf(e.report, { source: e.file, stages: options.stages ?? 'budgeted' }),
    )
    const detection = detectRegressions(currentSnapshot, snapshots, options.detection)
    return {
      detection,
      baselineLabel: `${path.join(historyDir, scenario)} (last ${detection.history.used} comparable runs)`,
      currentLabel: currentFile,
      current,
      skipped: history.skipped,
    }
  }
  const baselineFile = reportFileOf(baselinePath)
  const baseline = await readStoredReport(baselineFile)
  if (baseline.scenario.name !== current.scenario.name) {
    throw new UsageError(
      `Failed to compare: ${baselineFile} is a run of ${baseline.scenario.name} and ${currentFile} of ${current.scenario.name}. Compare two runs of the same scenario.`,
    )
  }
  const detection = compareRuns(
    snapshotOf(baseline, { source: baselineFile, stages: options.stages ?? 'budgeted' }),
    currentSnapshot,
    options.detection,
  )
  return { detection, baselineLabel: baselineFile, currentLabel: currentFile, current, skipped: [] }
}

// reports/history + scenario → that; reports/history/<scenario> → its parent and name.
async function historyLocation(
  dir: string,
  scenario: string,
): Promise<{ historyDir: string; scenario: string }> {
  if (existsSync(path.join(dir, scenario))) return { historyDir: dir, scenario }
  const names = await readdir(dir)
  if (path.basename(path.resolve(dir)) === scenario || names.some((n) => n.endsWith('.json')))
    return { historyDir: path.dirname(path.resolve(dir)), scenario: path.basename(path.resolve(dir)) }
  throw new UsageError(
    `Failed to compare with the history in ${dir}: it has no folder for scenario ${scenario}. Pass the history root (e.g. reports/history) or the scenario's folder in it.`,
  )
}

// ── Rendering ─────────────────────────────────────────────────────────────────────────────────

const STATUS_WORD: Record<Finding['status'], string> = {
  regression: 'REGRESSION',
  improvement: 'improvement',
  unchanged: 'unchanged',
  'insufficient-history': 'insufficient history',
  'too-few-samples': 'too few samples',
}

function rows(detection: Detection): string[][] {
  return detection.findings.map((f) => [
    f.key,
    f.baseline ? formatValue(f.baseline.median, f.unit) : '—',
    f.baseline && f.status !== 'insufficient-history' ? formatBand(f.baseline, f.unit) : '—',
    formatValue(f.current, f.unit),
    formatChange(f),
    STATUS_WORD[f.status],
  ])
}

const HEADER = ['Metric', 'Baseline', 'Band', 'Current', 'Change', 'Status']

export function headline(comparison: Comparison): string[] {
  const { detection } = comparison
  const count = (status: Finding['status']) => detection.findings.filter((f) => f.status === status).length
  const lines = [
    `${detection.scenario}: ${comparison.currentLabel}`,
    `  vs ${comparison.baselineLabel}`,
    `  ${count('regression')} regression(s), ${count('improvement')} improvement(s), ${count('unchanged')} unchanged` +
      (count('insufficient-history') ? `, ${count('insufficient-history')} with insufficient history` : ''),
  ]
  if (detection.method === 'single-run')
    lines.push(
      `  One baseline run: no noise estimate, so only the floors decide (±${(detection.options.relativeFloor * 100).toFixed(0)}%). Compare with a history directory for the noise-aware check.`,
    )
  else
    lines.push(
      `  Median and MAD of the last ${detection.options.window} comparable runs; a change counts when beyond ±${(detection.options.relativeFloor * 100).toFixed(0)}% and ${detection.options.k}σ (widened for a short history).`,
    )
  if (detection.fingerprintMismatch.length > 0)
    lines.push(`  WARNING: different machine fingerprint: ${detection.fingerprintMismatch.join(', ')}`)
  if (detection.history.excludedFingerprint > 0)
    lines.push(`  ${detection.history.excludedFingerprint} run(s) from another machine fingerprint left out`)
  if (detection.history.excludedWorkload > 0)
    lines.push(
      `  ${detection.history.excludedWorkload} run(s) with another connection count, seed or sampler left out`,
    )
  if (detection.history.synthetic > 0)
    lines.push(`  ${detection.history.synthetic} of the baseline runs are synthetic (--seed-history)`)
  for (const s of comparison.skipped) lines.push(`  skipped ${s.file}: ${s.reason}`)
  return lines
}

export function renderComparisonConsole(comparison: Comparison, options: { color?: boolean } = {}): string {
  const table = [HEADER, ...rows(comparison.detection)]
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i]!.length)))
  const paint = (text: string, status: string) => {
    if (!options.color) return text
    if (status === STATUS_WORD.regression) return `\u001b[31m${text}\u001b[0m`
    if (status === STATUS_WORD.improvement) return `\u001b[32m${text}\u001b[0m`
    return text
  }
  const lines = table.map((row, index) => {
    const text = row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
    return index === 0 ? text : paint(text, row[5]!)
  })
  lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '))
  return [...headline(comparison), '', ...lines].join('\n')
}

export function renderComparisonMarkdown(comparison: Comparison): string {
  const lines = headline(comparison).map((line, i) => (i === 0 ? `### ${mdCell(line)}` : mdCell(line.trim())))
  const out = [lines[0]!, '', ...lines.slice(1).map((l) => `${l}  `), '']
  out.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
  for (const row of rows(comparison.detection)) {
    const [key, ...rest] = row
    const status = row[5]!
    const cells = rest.map(mdCell)
    if (status === STATUS_WORD.regression) cells[4] = `**${cells[4]}**`
    out.push(`| ${mdCode(key!)} | ${cells.join(' | ')} |`)
  }
  return `${out.join('\n')}\n`
}
