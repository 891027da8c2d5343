// The one module that writes report files. Every file is written atomically: the content goes
// to a temporary file in the same directory (same filesystem, so rename(2) is atomic) and is
// then renamed over the target, so a reader — or a run killed mid-write — never sees half a file.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { Report } from '../contract/report-types.ts'
import { RunError, UsageError } from '../errors.ts'

export const REPORT_FILE_NAME = 'report.json'

const TMP_SUFFIX = '.tmp'

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmpPath = `${path}.${process.pid}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`
  try {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(tmpPath, content, 'utf8')
    await rename(tmpPath, path)
  } catch (error) {
    await rm(tmpPath, { force: true }).catch(() => {})
    // A RunError (exit 4, printed without a stack): a full disk or a read-only folder is the
    // machine's state, not a bug, and the message says what to do.
    throw new RunError(
      `Failed to write ${path}: ${describe(error)}. Check that its directory is writable and not a file.`,
      { cause: error },
    )
  }
}

// Checked before a run, so a bad --out costs nothing: the directory (or the nearest existing
// ancestor, which mkdir will extend) must be a writable directory, not a file.
export async function checkWritableDir(dir: string): Promise<void> {
  let probe = resolve(dir)
  for (;;) {
    const found = await stat(probe).catch(() => undefined)
    if (found) {
      if (!found.isDirectory())
        throw new UsageError(
          `Failed to use ${dir} for reports: ${probe} is a file, not a directory. Pass --out a directory.`,
        )
      try {
        await access(probe, constants.W_OK)
      } catch (error) {
        throw new UsageError(
          `Failed to use ${dir} for reports: ${probe} is not writable. Pass --out a writable directory.`,
          { cause: error },
        )
      }
      return
    }
    const parent = dirname(probe)
    if (parent === probe) return
    probe = parent
  }
}

// "2026-11-27T05:12:03.456Z" → "2026-11-27T05-12-03Z": UTC, so names sort in time order; no
// colons, which Windows and some archivers reject. Two runs in the same second share a name.
export function timestampDirName(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-')
}

export type WriteReportOptions = {
  outDir: string // e.g. reports/<scenario>/<timestamp>
  latestDir?: string // e.g. reports/<scenario>/latest
  files?: Record<string, string> // further files, name → content; report.json comes from `report`
}

// Writes report.json (from `report`) and every extra file into outDir, then replaces the copies
// in latestDir. report.json is written last in each directory, so its presence means the other
// files of the run are complete. latestDir belongs to the harness: files in it that this run did
// not write (left by an earlier run) are removed, so latest/ never mixes two runs. Temporary
// files are left alone: one may belong to another run writing the same latest/ right now.
export async function writeReportFiles(
  report: Report,
  options: WriteReportOptions,
): Promise<{ dir: string; files: string[] }> {
  const extra = options.files ?? {}
  for (const name of Object.keys(extra)) {
    if (
      name === REPORT_FILE_NAME ||
      name !== basename(name) ||
      name === '.' ||
      name === '..' ||
      name === ''
    ) {
      throw new Error(
        `Failed to write the report: ${JSON.stringify(name)} is not an allowed file name. Pass plain file names other than ${REPORT_FILE_NAME}.`,
      )
    }
  }
  const entries: [string, string][] = [
    ...Object.entries(extra),
    [REPORT_FILE_NAME, `${JSON.stringify(report, null, 2)}\n`],
  ]

  const written: string[] = []
  for (const [name, content] of entries) {
    const path = join(options.outDir, name)
    await writeFileAtomic(path, content)
    written.push(path)
  }

  if (options.latestDir !== undefined) {
    const latestDir = options.latestDir
    for (const [name, content] of entries) await writeFileAtomic(join(latestDir, name), content)
    const keep = new Set(entries.map(([name]) => name))
    try {
      for (const entry of await readdir(latestDir, { withFileTypes: true })) {
        if (entry.isFile() && !keep.has(entry.name) && !entry.name.endsWith(TMP_SUFFIX))
          await rm(join(latestDir, entry.name), { force: true })
      }
    } catch (error) {
      throw new RunError(
        `Failed to write ${latestDir}: could not remove an earlier run's files (${describe(error)}). Delete the directory and run again.`,
        { cause: error },
      )
    }
  }
  return { dir: options.outDir, files: written }
}
