import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { reportSchema } from '../../../src/contract/report-schema.ts'
import { RunError } from '../../../src/errors.ts'
import { timestampDirName, writeFileAtomic, writeReportFiles } from '../../../src/report/write-report.ts'
import { sampleReport } from './sample-report.ts'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'write-report-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function listRecursive(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.map(String).sort()
}

describe('writeFileAtomic', () => {
  it('creates missing parent directories and replaces an existing file', async () => {
    const path = join(root, 'a', 'b', 'file.txt')
    await writeFileAtomic(path, 'one')
    await writeFileAtomic(path, 'two')
    expect(await readFile(path, 'utf8')).toBe('two')
    expect(await readdir(join(root, 'a', 'b'))).toEqual(['file.txt'])
  })

  it('fails with "Failed to write" and a cause when the parent is a file, leaving nothing behind', async () => {
    const blocker = join(root, 'blocker')
    await writeFile(blocker, 'I am a file')
    const error = await writeFileAtomic(join(blocker, 'report.json'), '{}').catch((e: unknown) => e)
    // A RunError: the CLI prints it without a stack and exits 4.
    expect(error).toBeInstanceOf(RunError)
    expect((error as Error).message).toMatch(/^Failed to write .*blocker\/report\.json: /)
    expect((error as Error).cause).toBeDefined()
    expect(await listRecursive(root)).toEqual(['blocker'])
  })

  it('removes its temporary file when the final rename fails', async () => {
    // The target is a non-empty directory: the temp file is written, then rename fails.
    const target = join(root, 'report.json')
    await mkdir(join(target, 'inside'), { recursive: true })
    await expect(writeFileAtomic(target, '{}')).rejects.toThrow(/^Failed to write /)
    expect(await listRecursive(root)).toEqual(['report.json', 'report.json/inside'])
  })
})

describe('timestampDirName', () => {
  it.each([
    ['2026-11-27T05:12:03.456Z', '2026-11-27T05-12-03Z'],
    ['2026-01-02T00:00:00.000Z', '2026-01-02T00-00-00Z'],
  ])('%s → %s', (iso, name) => {
    expect(timestampDirName(new Date(iso))).toBe(name)
  })

  it('sorts in time order and is safe as a file name', () => {
    const names = ['2026-11-27T05:12:03Z', '2025-12-31T23:59:59Z', '2026-11-27T05:12:04Z'].map((t) =>
      timestampDirName(new Date(t)),
    )
    expect([...names].sort()).toEqual([names[1], names[0], names[2]])
    for (const name of names) expect(name).toMatch(/^[0-9TZ-]+$/)
  })
})

describe('writeReportFiles', () => {
  it('writes report.json and extra files into outDir and latest, with no temp files left', async () => {
    const outDir = join(root, 'reports', 'rate-limit', '2026-11-27T05-12-03Z')
    const latestDir = join(root, 'reports', 'rate-limit', 'latest')
    const report = sampleReport()
    const result = await writeReportFiles(report, { outDir, latestDir, files: { 'summary.txt': 'hello\n' } })

    expect(result.dir).toBe(outDir)
    expect(result.files).toEqual([join(outDir, 'summary.txt'), join(outDir, 'report.json')])
    for (const dir of [outDir, latestDir]) {
      expect((await readdir(dir)).sort()).toEqual(['report.json', 'summary.txt'])
      const parsed = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
      expect(reportSchema.parse(parsed)).toEqual(report)
      expect(await readFile(join(dir, 'summary.txt'), 'utf8')).toBe('hello\n')
    }
    expect((await listRecursive(root)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('replaces latest with the newer run and drops files the newer run did not write', async () => {
    const latestDir = join(root, 'latest')
    await writeReportFiles(sampleReport({ duration_s: 1 }), {
      outDir: join(root, 'run-1'),
      latestDir,
      files: { 'old-only.txt': 'x' },
    })
    await writeReportFiles(sampleReport({ duration_s: 2 }), { outDir: join(root, 'run-2'), latestDir })
    expect(await readdir(latestDir)).toEqual(['report.json'])
    expect(JSON.parse(await readFile(join(latestDir, 'report.json'), 'utf8')).duration_s).toBe(2)
    expect(JSON.parse(await readFile(join(root, 'run-1', 'report.json'), 'utf8')).duration_s).toBe(1)
  })

  it('fails with "Failed to write" when outDir is an existing file, writing nothing', async () => {
    const outDir = join(root, 'not-a-dir')
    await writeFile(outDir, 'file')
    const latestDir = join(root, 'latest')
    await expect(writeReportFiles(sampleReport(), { outDir, latestDir })).rejects.toThrow(/^Failed to write /)
    expect(await listRecursive(root)).toEqual(['not-a-dir'])
    expect(await readFile(outDir, 'utf8')).toBe('file')
  })

  it.each([['report.json'], ['../escape.txt'], ['sub/file.txt'], ['..'], ['']])(
    'refuses the extra file name %j',
    async (name) => {
      await expect(
        writeReportFiles(sampleReport(), { outDir: join(root, 'out'), files: { [name]: 'x' } }),
      ).rejects.toThrow(/^Failed to write the report: .* is not an allowed file name/)
      expect(await listRecursive(root)).toEqual([])
    },
  )
})
