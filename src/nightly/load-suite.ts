// Reading and validating suite files, in the same one-line-per-problem format as scenario files
// (src/scenario/load-scenario.ts):  <file>:<line>:<col>: <key.path>: <message>
// After the suite itself is valid, each scenario it names is resolved (a bare name is a file in the
// suite's folder, a path is relative to the suite's folder), loaded with its own validation, and
// every expected failure must name one of that scenario's budgets.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseStageSelector } from '../budget/parse-budget.ts'
import { UsageError, ValidationError } from '../errors.ts'
import { displayPath, loadScenario } from '../scenario/load-scenario.ts'
import type { Scenario } from '../scenario/schema.ts'
import { suggestKey } from '../scenario/suggest-key.ts'
import {
  issuesToProblems,
  locatedError,
  type Path,
  type Problem,
  parseYaml,
  type YamlInput,
} from '../scenario/yaml-problems.ts'
import { SUITE_KEYS, type Suite, type SuiteEntry, suiteSchema } from './suite-schema.ts'

export const DEFAULT_SUITE_FILE = 'scenarios/nightly.suite.yaml'

export type ResolvedSuiteEntry = Omit<SuiteEntry, 'scenario'> & {
  reference: string // the scenario as the suite names it
  name: string
  file: string
  scenario: Scenario
}
export type LoadedSuite = { suite: Suite; file: string; entries: ResolvedSuiteEntry[] }

export function parseSuiteText(text: string, file: string): Suite {
  return parseSuiteYaml(text, file).suite
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
  const { suite, yaml } = parseSuiteYaml(text, label)
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
  if (problems.length > 0) throw locatedError(label, yaml, problems)
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

function suiteKeysAt(problemPath: Path): readonly string[] {
  return SUITE_KEYS[problemPath.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.')] ?? []
}

function parseSuiteYaml(text: string, file: string): { suite: Suite; yaml: YamlInput } {
  const yaml = parseYaml(text, file, 'a suite with name and scenarios')
  const result = suiteSchema.safeParse(yaml.input, { reportInput: true })
  if (result.success) return { suite: result.data, yaml }
  throw locatedError(file, yaml, issuesToProblems(result.error.issues, suiteKeysAt))
}
