// `npm run report -- <report.json>`: re-renders report.html, summary.md and junit.xml beside a
// report.json, from its data alone (after a renderer fix, or from a CI artifact).
// The whole file is validated with the report schema before any renderer sees it, so a wrong-typed
// or missing section is refused naming the field (exit 2), never met as a TypeError mid-render.
// Only the sections a run before them lacked (trust, analysis) may be absent; the renderers mark
// them as not measured.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { UsageError, ValidationError } from '../errors.ts'
import { MAX_REPORT_DEPTH, tooDeepPath } from './json-depth.ts'
import { reportSchema } from './report-schema.ts'
import type { Report } from './report-types.ts'
import { renderRunFiles } from './run-reports.ts'
import { writeFileAtomic } from './write-report.ts'

export const storedReportSchema = reportSchema.extend({
  trust: reportSchema.shape.trust.optional(),
  analysis: reportSchema.shape.analysis.optional(),
})

const MAX_PROBLEMS = 20

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// A readable field path: exemplars[0].spans[3].kind.
function fieldPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`
  return out || '(top)'
}

export async function readReportJson(reportPath: string): Promise<Report> {
  let text: string
  try {
    text = await readFile(reportPath, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Failed to read ${reportPath}: ${describe(error)}. Pass the path of a report.json written by a run.`,
      { cause: error },
    )
  }
  return parseReportText(text, reportPath)
}

// The text of a report.json → the report, or a UsageError naming the file and every bad field.
export function parseReportText(text: string, file: string): Report {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `Failed to read ${file}: it is not JSON (${describe(error)}). Pass a report.json written by a run.`,
      { cause: error },
    )
  }
  const deep = tooDeepPath(json, MAX_REPORT_DEPTH)
  if (deep !== undefined)
    throw new ValidationError(file, [
      `${deep}: nested deeper than ${MAX_REPORT_DEPTH} levels; a report.json written by a run nests about 8`,
    ])
  const checked = storedReportSchema.safeParse(json)
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`)
    throw new ValidationError(
      file,
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`]
        : problems,
    )
  }
  // Rendered from the JSON as written, not from checked.data: the parse drops fields this version
  // does not know, which the trust section still shows. Every field the schema knows has been
  // checked above (the report schema has no defaults or transforms), so the JSON is a Report
  // except that trust and analysis may be absent, which the renderers handle.
  return json as Report
}

export async function regenerateReport(reportPath: string): Promise<string[]> {
  const report = await readReportJson(reportPath)
  const files = renderRunFiles(report)
  const dir = dirname(reportPath)
  const written: string[] = []
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name)
    await writeFileAtomic(path, content)
    written.push(path)
  }
  return written
}
