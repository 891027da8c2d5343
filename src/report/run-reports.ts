// Which files a run writes, and where: reports/<scenario>/<timestamp>/ plus reports/<scenario>/latest/.
// Renderers stay pure; write-report.ts does the (atomic) writing.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Report } from '../contract/report-types.ts'
import { renderHtml } from './render-html.ts'
import { renderJunit } from './render-junit.ts'
import { renderSummaryMarkdown } from './render-summary-md.ts'
import { timestampDirName, writeReportFiles } from './write-report.ts'

// Every file beside report.json, rendered from the report alone (so `npm run report` can
// regenerate them from a report.json).
export function renderRunFiles(report: Report): Record<string, string> {
  return {
    'report.html': renderHtml(report),
    'summary.md': renderSummaryMarkdown(report),
    'junit.xml': renderJunit(report),
  }
}

export async function writeRunReports(
  report: Report,
  options: { reportsDir: string },
): Promise<{ dir: string; files: string[] }> {
  const scenarioDir = join(options.reportsDir, report.scenario.name)
  return writeReportFiles(report, {
    outDir: join(scenarioDir, timestampDirName(new Date(report.started_at))),
    latestDir: join(scenarioDir, 'latest'),
    files: renderRunFiles(report),
  })
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export type RunReportsWritten =
  | { outcome: 'written'; dir: string; files: string[] }
  // The reports directory failed after the run (disk full, permissions changed, a file where a
  // directory goes); the reports went to a fresh directory under fallbackRoot instead.
  | { outcome: 'fallback'; dir: string; files: string[]; reason: string }
  // Both failed: the caller still holds the report and must put it somewhere (stdout).
  | { outcome: 'failed'; reason: string }

// A run's results are not thrown away because the reports directory stopped working after the
// load: the --out check before the run cannot foresee a full disk. The fallback is a new
// directory (mkdtemp), so it never mixes with or overwrites anything.
export async function writeRunReportsOrFallback(
  report: Report,
  options: { reportsDir: string; fallbackRoot?: string },
): Promise<RunReportsWritten> {
  let reason: string
  try {
    return { outcome: 'written', ...(await writeRunReports(report, options)) }
  } catch (error) {
    reason = describe(error)
  }
  try {
    const root = await mkdtemp(join(options.fallbackRoot ?? tmpdir(), 'rag-latency-harness-'))
    const written = await writeRunReports(report, { reportsDir: root })
    return { outcome: 'fallback', ...written, reason }
  } catch (error) {
    return {
      outcome: 'failed',
      reason: `${reason}; and the fallback under ${options.fallbackRoot ?? tmpdir()}: ${describe(error)}`,
    }
  }
}
