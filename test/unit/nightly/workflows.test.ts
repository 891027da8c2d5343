// The CI workflows parse, are triggered as documented, and call only npm scripts that exist, so
// that everything they do can be run locally the same way.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = path.resolve(import.meta.dirname, '../../..')
const scripts = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts

type Step = { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }
type Workflow = {
  name: string
  on: Record<string, unknown>
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>
}

function workflow(name: string): Workflow {
  return parse(readFileSync(path.join(root, '.github/workflows', name), 'utf8'), {
    uniqueKeys: true,
  }) as Workflow
}

function steps(w: Workflow): Step[] {
  return Object.values(w.jobs).flatMap((job) => job.steps)
}

// Every npm invocation in the run: lines, as [command, script].
function npmCalls(w: Workflow): [string, string | undefined][] {
  const calls: [string, string | undefined][] = []
  for (const step of steps(w)) {
    for (const match of (step.run ?? '').matchAll(
      /\bnpm\s+(run(?:-script)?\s+([\w:.-]+)|ci|test|install|exec)\b/g,
    )) {
      const command = match[1]!.split(/\s+/)[0]!
      calls.push([command, command === 'test' ? 'test' : match[2]])
    }
  }
  return calls
}

const files = ['nightly-perf.yml', 'perf-pr.yml']

// A GitHub Actions expression as written in the workflow: ${{ … }}.
const expr = (inner: string) => `\${{ ${inner} }}`
const HISTORY_PREFIX = `perf-history-${expr('runner.os')}-`

describe.each(files)('%s', (file) => {
  const w = workflow(file)

  it('calls npm ci and only npm scripts that exist in package.json', () => {
    const calls = npmCalls(w)
    expect(calls.map(([command]) => command)).toContain('ci')
    for (const [command, script] of calls) {
      expect(['ci', 'run', 'run-script', 'test'], `npm ${command}`).toContain(command)
      if (script) expect(Object.keys(scripts), `npm run ${script}`).toContain(script)
    }
    expect(calls.some(([command, script]) => command === 'run' && script === 'nightly')).toBe(true)
  })

  it('runs the harness through npm only (no npx, node or tsx of its own)', () => {
    for (const step of steps(w)) expect(step.run ?? '').not.toMatch(/\b(npx|tsx|node)\s/)
  })

  it('pins Node 22 with actions/setup-node', () => {
    const setup = steps(w).find((s) => s.uses?.startsWith('actions/setup-node@'))!
    expect(String(setup.with?.['node-version'])).toBe('22')
  })

  it('restores the history from the cache by prefix', () => {
    const restore = steps(w).find((s) => s.uses?.startsWith('actions/cache/restore@'))!
    expect(restore.with?.path).toBe('reports/history')
    expect(String(restore.with?.key)).toContain(expr('github.run_id'))
    expect(String(restore.with?.['restore-keys']).trim()).toBe(HISTORY_PREFIX)
  })

  it('still publishes the summary and uploads the reports when the suite fails', () => {
    const upload = steps(w).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(upload.if).toBe('always()')
    expect(String(upload.with?.path)).toContain('reports/nightly')
    const summary = steps(w).find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!
    expect(summary.if).toBe('always()')
    expect(summary.run).toContain('summary.md')
  })
})

describe('nightly-perf.yml', () => {
  const w = workflow('nightly-perf.yml')

  it('runs on a schedule and by hand', () => {
    const schedule = w.on.schedule as { cron: string }[]
    expect(schedule).toHaveLength(1)
    expect(schedule[0]!.cron.split(' ')).toHaveLength(5)
    expect(w.on).toHaveProperty('workflow_dispatch')
  })

  it('saves the history even when the suite failed, under a key the next night restores by prefix', () => {
    const save = steps(w).find((s) => s.uses?.startsWith('actions/cache/save@'))!
    expect(save.if).toBe('always()')
    expect(save.with?.path).toBe('reports/history')
    expect(String(save.with?.key).startsWith(HISTORY_PREFIX)).toBe(true)
  })
})

describe('nightly-perf.yml: mutation testing', () => {
  const w = workflow('nightly-perf.yml')

  it('runs npm run mutation in a job of its own and keeps its report', () => {
    const job = w.jobs.mutation!
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(['npm ci', 'npm run mutation'])
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(upload.if).toBe('always()')
    expect(String(upload.with?.path)).toContain('reports/mutation')
    // Not in the timed nightly job.
    expect(w.jobs.nightly!.steps.some((s) => s.run?.includes('mutation'))).toBe(false)
  })

  it('is not part of what CI runs on every push', () => {
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).not.toMatch(/mutation|stryker/)
  })
})

describe('perf-pr.yml', () => {
  const w = workflow('perf-pr.yml')

  it('runs on pull requests, quick, without adding to the nightly history', () => {
    expect(w.on).toHaveProperty('pull_request')
    const run = steps(w).find((s) => s.run?.includes('npm run nightly'))!
    expect(run.run).toMatch(/npm run nightly -- .*--quick/)
    expect(run.run).toContain('--no-append')
    expect(steps(w).some((s) => s.uses?.startsWith('actions/cache/save@'))).toBe(false)
  })
})
