// Reading and validating suite files, in the same one-line-per-problem format as scenario files
// (src/scenario/load-scenario.ts):  <file>:<line>:<col>: <key.path>: <message>
// After the suite itself is valid, each scenario it names is resolved (a bare name is a file in the
// suite's folder, a path is relative to the suite's folder), loaded with its own validation, and
// every expected failure must name one of that scenario's budgets.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { parseStageSelector } from '../budget/parse-budget.ts'
import { UsageError, ValidationError } from '../errors.ts'
import { displayPath, formatPath, loadScenario, sourceOffsetOf } from '../scenario/load-scenario.ts'
import type { Scenario } from '../scenario/schema.ts'
import { suggestKey } from '../scenario/suggest-key.ts'
import { SUITE_KEYS, type Suite, type SuiteEntry, suiteSchema } from './suite-schema.ts'

export const DEFAULT_SUITE_FILE = 'scenarios/nightly.suite.yaml'

export type ResolvedSuiteEntry = Omit<SuiteEntry, 'scenario'> & {
  reference: string // the scenario as the suite names it
  name: string
  file: string
  scenario: Scenario
}
export type LoadedSuite = { suite: Suite; file: string; entries: ResolvedSuiteEntry[] }

type Path = readonly PropertyKey[]
type Problem = { path: Path; message: string; offset?: number }

export function parseSuiteText(text: string, file: string): Suite {
  return parseWithDocument(text, file).suite
}

export function loadSuite(suiteFile: string): LoadedSuite {
  const file = path.resolve(suiteFile)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Failed to read suite file ${displayPath(file)}: ${(error as Error).message}. Check the --suite path.`,
      { cause: error },
    )
  }
  const label = displayPath(file)
  const { suite, locate } = parseWithDocument(text, label)
  const problems: Problem[] = []
  const entries: ResolvedSuiteEntry[] = []
  const seen = new Map<string, number>()
  suite.scenarios.forEach((entry, index) => {
    let loaded: { scenario: Scenario; file: string }
    try {
      loaded = loadScenario(resolveEntryPath(entry.scenario, path.dirname(file)), path.dirname(file))
    } catch (error) {
      if (error instanceof ValidationError) throw error // the scenario file's own problems, with its lines
      problems.push({ path: ['scenarios', index, 'scenario'], message: (error as Error).message })
      return
    }
    const name = loaded.scenario.name
    const earlier = seen.get(name)
    if (earlier !== undefined) {
      problems.push({
        path: ['scenarios', index],
        message: `scenario ${name} is already listed as scenarios.${earlier}; list each scenario once (reports and history are per scenario)`,
      })
      return
    }
    seen.set(name, index)
    const budgets = loaded.scenario.budgets.map((budget) => budgetKey(budget.target, budget.metric))
    entry.expectedFailures.forEach((expected, i) => {
      if (!budgets.includes(normaliseBudgetId(expected))) {
        const suggestion = suggestKey(expected, budgets)
        problems.push({
          path: ['scenarios', index, 'expected_failures', i],
          message: `scenario ${name} has no budget ${expected}${suggestion ? `; did you mean "${suggestion}"?` : `; its budgets are ${budgets.join(', ')}`}`,
        })
      }
    })
    entries.push({
      reference: entry.scenario,
      overrides: entry.overrides,
      expectedFailures: entry.expectedFailures,
      name,
      file: loaded.file,
      scenario: loaded.scenario,
    })
  })
  if (problems.length > 0) throw new ValidationError(label, format(label, problems, locate))
  return { suite, file, entries }
}

// `<target>.<metric>` with the target in canonical form, as report.budgets names it.
export function budgetKey(target: string, metric: string): string {
  const selector =
    target === 'throughput' || target === 'sampling_overhead' || target === 'capacity'
      ? target
      : parseStageSelector(target)
  const canonical = typeof selector === 'string' ? target : selector.key
  return `${canonical}.${metric}`
}

export function normaliseBudgetId(id: string): string {
  const dot = id.lastIndexOf('.')
  return budgetKey(id.slice(0, dot), id.slice(dot + 1))
}

function resolveEntryPath(nameOrPath: string, suiteDir: string): string {
  const bare = !/[\\/]/.test(nameOrPath) && !/\.ya?ml$/i.test(nameOrPath)
  return bare ? nameOrPath : path.resolve(suiteDir, nameOrPath)
}

// ── Parsing with positions ──────────────────────────────────────────────────────────────────

function parseWithDocument(
  text: string,
  file: string,
): { suite: Suite; locate: (problemPath: Path) => { line: number; col: number } } {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ValidationError(
      file,
      doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0])
        return `${file}:${at.line}:${at.col}: invalid YAML: ${error.message}`
      }),
    )
  }
  if (doc.contents === null)
    throw new ValidationError(file, [
      `${file}:1:1: the file is empty; expected a suite with name and scenarios`,
    ])
  let input: unknown
  try {
    input = doc.toJS()
  } catch (error) {
    throw new ValidationError(file, [`${file}:1:1: invalid YAML: ${(error as Error).message}`])
  }
  const locate = (problemPath: Path) => lineCounter.linePos(sourceOffsetOf(doc, problemPath))
  const result = suiteSchema.safeParse(input, { reportInput: true })
  if (result.success) return { suite: result.data, locate }
  throw new ValidationError(file, format(file, issuesToProblems(result.error.issues), locate))
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known =
        SUITE_KEYS[issue.path.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.')] ?? []
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, known)
        problems.push({
          path: [...issue.path, key],
          message: suggestion
            ? `unknown key "${key}"; did you mean "${suggestion}"?`
            : `unknown key "${key}"; expected one of ${known.filter((k) => k !== '$schema').join(', ')}`,
        })
      }
      continue
    }
    problems.push({ path: issue.path, message: messageOf(issue) })
  }
  return problems
}

function messageOf(issue: z.core.$ZodIssue): string {
  const got =
    issue.input === undefined
      ? ''
      : `, got ${typeof issue.input === 'string' ? JSON.stringify(issue.input) : Array.isArray(issue.input) ? 'a list' : issue.input !== null && typeof issue.input === 'object' ? 'a mapping' : String(issue.input)}`
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return `missing required key (${issue.message.startsWith('expected') ? issue.message : `expected ${issue.expected}`})`
  const text = issue.message.startsWith('expected')
    ? issue.message
    : issue.message.replace(/^Invalid input:\s*/i, '').replace(/^\w/, (c) => c.toLowerCase())
  return text.includes(', got ') ? text : `${text}${got}`
}

function format(
  file: string,
  problems: readonly Problem[],
  locate: (p: Path) => { line: number; col: number },
) {
  return problems
    .map((problem) => ({ problem, at: locate(problem.path) }))
    .sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col)
    .map(({ problem, at }) =>
      problem.path.length === 0
        ? `${file}:${at.line}:${at.col}: ${problem.message}`
        : `${file}:${at.line}:${at.col}: ${formatPath(problem.path)}: ${problem.message}`,
    )
}
