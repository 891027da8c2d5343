// `npm run report -- <report.json>`: re-renders report.html, summary.md and junit.xml beside a
// report.json, from its data alone (after a renderer fix, or from a CI artifact).
// Only the fields every renderer reads are validated, so a report from a run before a section
// existed (trust, analysis) still renders, with that section marked as not measured.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { UsageError, ValidationError } from '../errors.ts'
import { reportSchema } from './report-schema.ts'
import type { Report } from './report-types.ts'
import { renderRunFiles } from './run-reports.ts'
import { writeFileAtomic } from './write-report.ts'

const coreSchema = reportSchema.pick({
  schema_version: true,
  scenario: true,
  started_at: true,
  duration_s: true,
  warmup_s: true,
  overrides: true,
  load: true,
  client_latency_ms: true,
  stages: true,
  budgets: true,
  accounting: true,
  root_causes: true,
  exemplars: true,
  intervals: true,
  sampler: true,
  environment: true,
})

export async function regenerateReport(reportPath: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(reportPath, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Failed to read ${reportPath}: ${error instanceof Error ? error.message : String(error)}. Pass the path of a report.json written by a run.`,
      { cause: error },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `Failed to read ${reportPath}: it is not JSON (${error instanceof Error ? error.message : String(error)}). Pass a report.json written by a run.`,
      { cause: error },
    )
  }
  const checked = coreSchema.safeParse(json)
  if (!checked.success) {
    throw new ValidationError(
      reportPath,
      checked.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`),
    )
  }
  // Render from the JSON as written: the zod parse drops fields it does not know.
  const files = renderRunFiles(json as Report)
  const dir = dirname(reportPath)
  const written: string[] = []
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name)
    await writeFileAtomic(path, content)
    written.push(path)
  }
  return written
}
