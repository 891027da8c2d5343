// Which files a run writes, and where: reports/<scenario>/<timestamp>/ plus reports/<scenario>/latest/.
// Renderers stay pure; write-report.ts does the (atomic) writing.
import { join } from 'node:path'
import type { Report } from './report-types.ts'
import { timestampDirName, writeReportFiles } from './write-report.ts'

export function renderRunFiles(_report: Report): Record<string, string> {
  return {}
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
