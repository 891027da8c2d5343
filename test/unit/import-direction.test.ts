// The layering of src/ (docs/architecture.md): each folder may import only the folders listed for
// it, all of them lower, so the import graph between folders has no cycle. The scan reads every
// relative import (static, dynamic and `new URL(…, import.meta.url)` for forked modules) of every
// file under src/.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

// Outside src/ the code may read data only, not layers: the shipped scenarios and the vendored
// upstream .proto definitions the OTLP receiver parses.
const DATA_FOLDERS = ['scenarios', 'vendor']

// '.' is the leaves at the top of src/ (errors, units, rng, token-bucket, environment); 'entry'
// is cli.ts and index.ts, which may import anything.
const ALLOWED: Record<string, readonly string[]> = {
  '.': [],
  contract: ['.'],
  stats: ['.', 'contract'],
  report: ['.', 'contract'],
  budget: ['.', 'contract', 'stats'],
  scenario: ['.', 'contract', 'budget'],
  analysis: ['.', 'contract', 'stats', 'budget', 'scenario'],
  mocks: ['.', 'contract', 'scenario'],
  telemetry: ['.', 'contract', 'stats', 'budget', 'scenario', 'analysis'],
  endpoint: ['.', 'contract', 'scenario', 'telemetry'],
  load: ['.', 'contract', 'scenario', 'stats'],
  trust: ['.', 'contract', 'stats', 'scenario', 'mocks', 'telemetry', 'load'],
  capacity: ['.', 'contract', 'stats', 'budget', 'scenario'],
  'what-if': ['.', 'contract', 'scenario', 'analysis'],
  run: [
    '.',
    'contract',
    'stats',
    'report',
    'budget',
    'scenario',
    'analysis',
    'mocks',
    'telemetry',
    'endpoint',
    'load',
    'trust',
    'capacity',
    'what-if',
  ],
  nightly: ['.', 'contract', 'stats', 'report', 'budget', 'scenario', 'run'],
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return files(path)
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : []
  })
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep)
  if (parts.length > 1) return parts[0]!
  return ['cli.ts', 'index.ts'].includes(parts[0]!) ? 'entry' : '.'
}

const SPECIFIER = /(?:from\s+|import\(\s*|new URL\(\s*)['"`](\.{1,2}\/[^'"`]+)['"`]/g

type Edge = { from: string; to: string; file: string; target: string }

const isOutsideSrc = (target: string): boolean => relative(SRC, target).startsWith('..')

function targets(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => resolve(dirname(file), m[1]!))
}

function edges(): Edge[] {
  return files(SRC).flatMap((file) =>
    targets(file)
      .filter((target) => !isOutsideSrc(target))
      .map((target) => ({
        from: folderOf(file),
        to: folderOf(target),
        file: relative(SRC, file),
        target: relative(SRC, target),
      })),
  )
}

// Kahn's algorithm: the folders left over after repeatedly removing those with no incoming edge
// are exactly the ones on or behind a cycle.
function foldersOnCycles(graph: Map<string, Set<string>>): string[] {
  const indegree = new Map<string, number>([...graph.keys()].map((k) => [k, 0]))
  for (const targets of graph.values()) for (const t of targets) indegree.set(t, (indegree.get(t) ?? 0) + 1)
  const ready = [...indegree].filter(([, n]) => n === 0).map(([k]) => k)
  while (ready.length > 0) {
    const folder = ready.pop()!
    for (const t of graph.get(folder) ?? []) {
      indegree.set(t, indegree.get(t)! - 1)
      if (indegree.get(t) === 0) ready.push(t)
    }
    indegree.delete(folder)
  }
  return [...indegree.keys()].sort()
}

describe('import direction', () => {
  const all = edges().filter((e) => e.from !== e.to)

  it('finds the imports it checks (the scan is not vacuous)', () => {
    expect(all.length).toBeGreaterThan(100)
    expect(all.some((e) => e.from === 'run' && e.to === 'endpoint')).toBe(true)
  })

  it('every folder imports only the folders below it', () => {
    const wrong = all
      .filter((e) => e.from !== 'entry' && !(ALLOWED[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file} → ${e.target} (${e.from} may not import ${e.to})`)
    expect(wrong).toEqual([])
  })

  it('has no folder cycle, in the code or in the rule itself', () => {
    const actual = new Map<string, Set<string>>()
    for (const e of all) actual.set(e.from, (actual.get(e.from) ?? new Set()).add(e.to))
    expect(foldersOnCycles(actual)).toEqual([])
    const rule = new Map(Object.entries(ALLOWED).map(([k, v]) => [k, new Set(v)]))
    expect(foldersOnCycles(rule)).toEqual([])
  })

  it('the cycle finder does find a cycle', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ])
    expect(foldersOnCycles(graph)).toEqual(['a', 'b', 'c'])
  })

  it('reads nothing outside src/ but the data folders', () => {
    const outside = files(SRC).flatMap((file) =>
      targets(file)
        .filter(isOutsideSrc)
        .map((target) => `${relative(SRC, file)} → ${relative(ROOT, target)}`),
    )
    expect(outside.some((read) => read.endsWith('→ vendor/opentelemetry-proto'))).toBe(true)
    expect(outside.filter((read) => !DATA_FOLDERS.includes(read.split('→ ')[1]!.split('/')[0]!))).toEqual([])
  })

  it('only run/, nightly/, cli.ts and index.ts import report/', () => {
    const importers = new Set(all.filter((e) => e.to === 'report').map((e) => e.from))
    for (const folder of importers) expect(['run', 'nightly', 'entry']).toContain(folder)
  })
})
