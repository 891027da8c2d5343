// Which files a run writes, and where: reports/<scenario>/<timestamp>/ plus reports/<scenario>/latest/.
// Renderers stay pure; write-report.ts does the (atomic) writing.
import { join } from 'node:path'
import { renderHtml } from './render-html.ts'
import { renderJunit } from './render-junit.ts'
import { renderSummaryMarkdown } from './render-summary-md.ts'
import type { Report } from './report-types.ts'
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
