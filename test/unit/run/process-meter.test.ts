// collectYoungGeneration runs a scavenge when the process has --expose-gc (the harness gives its
// children the flag) and does nothing without it. Each case runs in a fresh Node process: the
// flag must be there from the start, and the GC observer must see only that process's collections.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { constants } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const METER = pathToFileURL(new URL('../../../src/run/process-meter.ts', import.meta.url).pathname).href
// Prints the kinds of the collections seen while collectYoungGeneration ran CALLS times. The
// counts, not the mere presence, tell the cases apart: a natural scavenge may land in the window.
const CALLS = 20
const PROGRAM = `
import { PerformanceObserver } from 'node:perf_hooks'
import { collectYoungGeneration } from '${METER}'
const kinds = []
const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) kinds.push(e.detail.kind) })
observer.observe({ entryTypes: ['gc'] })
for (let i = 0; i < ${CALLS}; i++) collectYoungGeneration()
setTimeout(() => { observer.disconnect(); console.log(JSON.stringify(kinds)) }, 100)
`
const gcKinds = (flags: string[]): number[] =>
  JSON.parse(
    execFileSync(process.execPath, [...flags, '--import', TSX, '--input-type=module', '-e', PROGRAM], {
      encoding: 'utf8',
    }),
  )

describe('collectYoungGeneration', () => {
  it('runs a minor collection (a scavenge), not a full one, with --expose-gc', () => {
    const kinds = gcKinds(['--expose-gc'])
    const minor = kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR)
    expect(minor.length).toBeGreaterThanOrEqual(CALLS)
    expect(kinds).not.toContain(constants.NODE_PERFORMANCE_GC_MAJOR)
  })

  it('does nothing, and does not throw, without --expose-gc', () => {
    const minor = gcKinds([]).filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR)
    expect(minor.length).toBeLessThan(CALLS / 4)
  })
})
