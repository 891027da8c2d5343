// `npm run report -- <report.json>`: re-renders report.html, summary.md and junit.xml beside a
// report.json, from its data alone (after a renderer fix, or from a CI artifact).
// The whole file is parsed with the contract's schema once, before any renderer sees it, so a
// wrong-typed or missing section is refused naming the field (exit 2), never met as a TypeError
// mid-render, and the renderers receive typed data. A report of another schema version is refused
// by name: re-run the scenario (the nightly history reads older reports through its own, looser
// schema, nightly/stored-report.ts, because it only needs a few fields of each).
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { REPORT_SCHEMA_VERSION, reportSchema } from '../contract/report-schema.ts'
import type { Report } from '../contract/report-types.ts'
import { UsageError, ValidationError } from '../errors.ts'
import { MAX_REPORT_DEPTH, tooDeepPath } from './json-depth.ts'
import { renderRunFiles } from './run-reports.ts'
import { writeFileAtomic } from './write-report.ts'

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

// A report.json file → its JSON value, or a UsageError naming the file. Shared with the nightly
// history, which validates the value with its own schema.
export async function readReportFile(reportPath: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(reportPath, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Failed to read ${reportPath}: ${describe(error)}. Pass the path of a report.json written by a run.`,
      { cause: error },
    )
  }
  return parseJsonText(text, reportPath)
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `Failed to read ${file}: it is not JSON (${describe(error)}). Pass a report.json written by a run.`,
      { cause: error },
    )
  }
}

export async function readReportJson(reportPath: string): Promise<Report> {
  return parseReport(await readReportFile(reportPath), reportPath)
}

// The text of a report.json → the report, or an error naming the file and every bad field.
export function parseReportText(text: string, file: string): Report {
  return parseReport(parseJsonText(text, file), file)
}

function schemaVersionOf(json: unknown): unknown {
  return typeof json === 'object' && json !== null && 'schema_version' in json
    ? json.schema_version
    : undefined
}

function parseReport(json: unknown, file: string): Report {
  const version = schemaVersionOf(json)
  if (typeof version === 'number' && version !== REPORT_SCHEMA_VERSION)
    throw new ValidationError(file, [
      `schema_version: ${version}, but this harness reads version ${REPORT_SCHEMA_VERSION}; re-run the scenario with this version to get a report it can render`,
    ])
  const deep = tooDeepPath(json, MAX_REPORT_DEPTH)
  if (deep !== undefined)
    throw new ValidationError(file, [
      `${deep}: nested deeper than ${MAX_REPORT_DEPTH} levels; a report.json written by a run nests about 8`,
    ])
  const checked = reportSchema.safeParse(json)
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`)
    throw new ValidationError(
      file,
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`]
        : problems,
    )
  }
  return checked.data
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
