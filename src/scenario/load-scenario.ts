// Reading and validating scenario files. Every problem in a file is reported at once, one line
// each, as <file>:<line>:<col>: <key.path>: <message> (yaml-problems.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { parseStageSelector } from '../budget/parse-budget.ts'
import { STAGE_SPAN_NAMES } from '../contract/span-names.ts'
import { UsageError, ValidationError } from '../errors.ts'
import { knownKeysAt } from './json-schema.ts'
import { type Scenario, scenarioSchema } from './schema.ts'
import { suggestKey } from './suggest-key.ts'
import {
  escapeControls,
  formatProblems,
  issuesToProblems,
  locatedError,
  type Problem,
  parseYaml,
} from './yaml-problems.ts'

export { escapeControls }

export const DEFAULT_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url))

const SUITE_SUFFIX = '.suite.yaml'
// A scenario is a page of YAML; 1 MiB is hundreds of times the largest shipped one, and keeps a
// stray multi-gigabyte file from taking minutes and gigabytes to parse.
export const MAX_SCENARIO_BYTES = 1024 * 1024
const LIST_HINT = 'Run `npm run scenario -- --list` to see the scenarios.'

// ── Public API ──────────────────────────────────────────────────────────────────────────────

export function parseScenarioText(text: string, file: string): Scenario {
  const yaml = parseYaml(text, file, 'a scenario with at least name and requests')
  const { scenario, problems } = validate(yaml.input)
  if (scenario) return scenario
  throw locatedError(file, yaml, problems)
}

// The programmatic API's way in: the same checks and messages, without line numbers.
export function scenarioFromObject(input: unknown, label = '<object>'): Scenario {
  const { scenario, problems } = validate(input)
  if (scenario) return scenario
  throw new ValidationError(label, formatProblems(label, problems))
}

export function resolveScenarioPath(nameOrPath: string, scenariosDir = DEFAULT_SCENARIOS_DIR): string {
  if (isBareName(nameOrPath)) {
    const file = path.join(scenariosDir, `${nameOrPath}.yaml`)
    if (existsSync(file)) return path.resolve(file)
    const suggestion = suggestKey(nameOrPath, scenarioNames(scenariosDir))
    throw new UsageError(
      `Failed to find scenario "${nameOrPath}": no file ${displayPath(file)}.` +
        `${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${LIST_HINT}`,
    )
  }
  const file = path.resolve(nameOrPath)
  if (existsSync(file)) return file
  const loop = symlinkLoop(file)
  if (loop) {
    throw new UsageError(
      `Failed to read scenario file ${escapeControls(nameOrPath)}: it is a symbolic link that leads back to itself (${loop}). Point the link at a .yaml file.`,
    )
  }
  throw new UsageError(
    `Failed to find scenario file ${nameOrPath}: no such file. ` +
      `Pass a path to a .yaml file, or a scenario name. ${LIST_HINT}`,
  )
}

// `file` is the absolute path; messages use the path relative to the working directory.
export function loadScenario(
  nameOrPath: string,
  scenariosDir?: string,
): { scenario: Scenario; file: string; text: string } {
  const file = resolveScenarioPath(nameOrPath, scenariosDir)
  const text = readText(file)
  return { scenario: parseScenarioText(text, displayPath(file)), file, text }
}

// Every scenarios/*.yaml except suites, sorted by name. The description is read without full
// validation so that one broken file does not hide the others from `--list`.
export function listScenarios(
  scenariosDir = DEFAULT_SCENARIOS_DIR,
): { name: string; description: string; file: string }[] {
  let entries: string[]
  try {
    entries = readdirSync(scenariosDir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
  } catch (error) {
    throw new UsageError(
      `Failed to list scenarios: cannot read the folder ${displayPath(scenariosDir)}. ` +
        'Run from the repository, or pass a scenario file by path.',
      { cause: error },
    )
  }
  return entries
    .filter((entry) => entry.endsWith('.yaml') && !entry.endsWith(SUITE_SUFFIX))
    .sort()
    .map((entry) => {
      const file = path.resolve(scenariosDir, entry)
      return { name: entry.slice(0, -'.yaml'.length), description: readDescription(file), file }
    })
}

// ── Validation ──────────────────────────────────────────────────────────────────────────────

function validate(input: unknown): { scenario?: Scenario; problems: Problem[] } {
  const extra = budgetStageProblems(input)
  const result = scenarioSchema.safeParse(input, { reportInput: true })
  if (result.success && extra.length === 0) return { scenario: result.data, problems: [] }
  const issues = result.success ? [] : result.error.issues
  return { problems: [...issuesToProblems(issues, (path) => knownKeysAt(path)), ...extra] }
}

// Budget keys name spans. parseBudgets accepts any span name (a user may budget a span of
// their own); a name one slip away from a stage we emit is a typo that would otherwise
// measure nothing and pass silently.
function budgetStageProblems(input: unknown): Problem[] {
  const budgets = (input as { budgets?: unknown } | null)?.budgets
  if (budgets === null || typeof budgets !== 'object' || Array.isArray(budgets)) return []
  const problems: Problem[] = []
  for (const target of Object.keys(budgets)) {
    if (target === 'throughput' || target === 'sampling_overhead' || target === 'capacity') continue
    const selector = parseStageSelector(target)
    if (typeof selector === 'string' || STAGE_SPAN_NAMES.includes(selector.spanName)) continue
    const suggestion = suggestKey(selector.spanName, [
      ...STAGE_SPAN_NAMES,
      'throughput',
      'capacity',
      'sampling_overhead',
    ])
    if (suggestion) {
      problems.push({
        path: ['budgets', target],
        message: `unknown stage "${selector.spanName}"; did you mean "${suggestion}"?`,
      })
    }
  }
  return problems
}

// ── Files ───────────────────────────────────────────────────────────────────────────────────

function isBareName(nameOrPath: string): boolean {
  return !/[\\/]/.test(nameOrPath) && !/\.ya?ml$/i.test(nameOrPath)
}

function scenarioNames(scenariosDir: string): string[] {
  try {
    return listScenarios(scenariosDir).map((entry) => entry.name)
  } catch {
    return []
  }
}

function symlinkLoop(file: string): string | undefined {
  try {
    statSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') return code
  }
  return undefined
}

function readText(file: string): string {
  let bytes: Buffer
  try {
    const stats = statSync(file)
    if (stats.isDirectory()) throw new Error('it is a folder')
    if (stats.size > MAX_SCENARIO_BYTES) {
      throw new UsageError(
        `Failed to read scenario file ${displayPath(file)}: it is ${(stats.size / 2 ** 20).toFixed(1)} MiB, over the 1 MiB limit for a scenario. Check that this is the scenario you meant.`,
      )
    }
    bytes = readFileSync(file)
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(
      `Failed to read scenario file ${displayPath(file)}: ${(error as Error).message}. ` +
        'Check the path and its permissions.',
      { cause: error },
    )
  }
  return decodeText(bytes, file)
}

// A scenario is UTF-8 text; binary content is refused rather than echoed raw to the terminal.
function decodeText(bytes: Buffer, file: string): string {
  const nul = bytes.indexOf(0)
  let text: string | undefined
  try {
    text = nul === -1 ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : undefined
  } catch {
    text = undefined
  }
  if (text === undefined) {
    throw new UsageError(
      `Failed to read scenario file ${displayPath(file)}: it is not UTF-8 text (binary content${nul === -1 ? '' : ` at byte ${nul}`}). Pass a .yaml scenario file.`,
    )
  }
  return text
}

function readDescription(file: string): string {
  try {
    const description = parseDocument(readFileSync(file, 'utf8')).get('description')
    return typeof description === 'string' ? description.replace(/\s+/g, ' ').trim() : ''
  } catch {
    return ''
  }
}

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}
