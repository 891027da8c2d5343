// Reading and validating scenario files. Every problem in a file is reported at once, one line
// each, in the format compilers use so that editors and terminals make it clickable:
//   <file>:<line>:<col>: <key.path>: <message>      (a problem with a value or a key)
//   <file>:<line>:<col>: <message>                  (a problem with the file: YAML syntax, empty)
// Line and column are those of the key that holds the offending value (for an item of a list,
// the item itself; for a missing key, the key of the mapping that lacks it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml'
import type { z } from 'zod'
import { parseStageSelector } from '../budget/parse-budget.ts'
import { UsageError, ValidationError } from '../errors.ts'
import { STAGE_SPAN_NAMES } from '../telemetry/span-names.ts'
import { knownKeysAt } from './json-schema.ts'
import { type Scenario, scenarioSchema } from './schema.ts'
import { suggestKey } from './suggest-key.ts'

export const DEFAULT_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url))

const SUITE_SUFFIX = '.suite.yaml'
// A scenario is a page of YAML; 1 MiB is hundreds of times the largest shipped one, and keeps a
// stray multi-gigabyte file from taking minutes and gigabytes to parse.
export const MAX_SCENARIO_BYTES = 1024 * 1024
// Keys that JavaScript objects treat specially: `__proto__` would be dropped silently by toJS.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const LIST_HINT = 'Run `npm run scenario -- --list` to see the scenarios.'

type Path = readonly PropertyKey[]
type Position = { line: number; col: number }
type Problem = { path?: Path; message: string; position?: Position }

// ── Public API ──────────────────────────────────────────────────────────────────────────────

export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter()
  // prettyErrors off: we print our own one-line form; the code frame would break it.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      message:
        error.code === 'DUPLICATE_KEY'
          ? `duplicate key ${JSON.stringify(keyTextAt(text, error.pos[0]))}: a key may appear only once in a mapping`
          : `invalid YAML: ${error.message}`,
      position: lineCounter.linePos(error.pos[0]),
    }))
    throw new ValidationError(file, formatProblems(file, sortByPosition(problems)))
  }
  if (doc.contents === null) {
    throw new ValidationError(file, [
      `${file}:1:1: the file is empty; expected a scenario with at least name and requests`,
    ])
  }
  const forbidden = forbiddenKeys(doc)
  if (forbidden.length > 0) {
    const problems = forbidden.map((offset) => ({
      message: `key ${JSON.stringify(text.slice(offset.start, offset.end).trim())} is not allowed (a reserved name); rename it`,
      position: lineCounter.linePos(offset.start),
    }))
    throw new ValidationError(file, formatProblems(file, problems))
  }
  let input: unknown
  try {
    input = doc.toJS()
  } catch (error) {
    // toJS throws on alias bombs (more than maxAliasCount expansions) and similar abuse.
    throw new ValidationError(file, [`${file}:1:1: invalid YAML: ${(error as Error).message}`])
  }
  const { scenario, problems } = validate(input)
  if (scenario) return scenario
  const located = problems.map((problem) => ({
    ...problem,
    position: lineCounter.linePos(sourceOffsetOf(doc, problem.path ?? [])),
  }))
  throw new ValidationError(file, formatProblems(file, sortByPosition(located)))
}

// The key that starts at `offset` (yaml's DUPLICATE_KEY error points at its first character).
function keyTextAt(text: string, offset: number): string {
  const match = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n,{}]+)/.exec(text.slice(offset, offset + 200))
  const key = (match?.[1] ?? '').trim()
  return /^["']/.test(key) ? key.slice(1, -1) : key
}

function forbiddenKeys(doc: Document): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = []
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FORBIDDEN_KEYS.has(String(pair.key.value)) && pair.key.range) {
        found.push({ start: pair.key.range[0], end: pair.key.range[1] })
      }
    },
  })
  return found
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
  return { problems: [...issuesToProblems(issues), ...extra] }
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = []
  // A misspelt key usually leaves a required key missing or a one-of rule unmet at the same
  // place; the "did you mean" line already says how to fix both, so those echoes are dropped.
  const unknownAt = new Map<string, string[]>()
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue
    const suggestions = issue.keys.map((key) => suggestKey(key, knownKeysAt(issue.path)))
    unknownAt.set(
      pathKey(issue.path),
      suggestions.filter((s): s is string => s !== undefined),
    )
    issue.keys.forEach((key, index) => {
      problems.push({
        path: [...issue.path, key],
        message: unknownKeyMessage(key, suggestions[index], issue.path),
      })
    })
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue
    if (issue.code === 'custom' && unknownAt.has(pathKey(issue.path))) continue
    const parent = issue.path.slice(0, -1)
    const last = issue.path.at(-1)
    if (isMissing(issue) && typeof last === 'string' && unknownAt.get(pathKey(parent))?.includes(last))
      continue
    problems.push({ path: issue.path, message: issueMessage(issue) })
  }
  return problems
}

function unknownKeyMessage(key: string, suggestion: string | undefined, at: Path): string {
  if (suggestion) return `unknown key "${key}"; did you mean "${suggestion}"?`
  const known = knownKeysAt(at).filter((name) => name !== '$schema')
  return known.length > 0
    ? `unknown key "${key}"; expected one of ${known.join(', ')}`
    : `unknown key "${key}"`
}

function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.input === undefined
}

// Our schema's own messages all start with "expected"; zod's defaults ("Invalid input: …",
// "Too small: …") are rewritten into the same voice. Where zod kept the offending value
// (`reportInput`), the message ends with what was found.
function issueMessage(issue: z.core.$ZodIssue): string {
  const ours = issue.message.startsWith('expected') ? issue.message : undefined
  const got = (text: string) =>
    issue.input === undefined || text.includes(', got ') ? text : `${text}, got ${describeValue(issue.input)}`
  switch (issue.code) {
    case 'invalid_type': {
      const expected = ours ?? `expected ${typeName(issue.expected)}`
      return issue.input === undefined ? `missing required key (${expected})` : got(expected)
    }
    case 'invalid_value':
      return got(
        ours ??
          (issue.values.length === 1
            ? `expected ${String(issue.values[0])}`
            : `expected one of ${issue.values.map(String).join(', ')}`),
      )
    case 'too_small':
    case 'too_big':
      return got(ours ?? boundMessage(issue))
    case 'invalid_format':
      return got(
        ours ?? `expected ${issue.format === 'regex' ? `text matching ${issue.pattern}` : issue.format}`,
      )
    case 'invalid_key': {
      const inner = issue.issues[0]?.message
      return got(inner?.startsWith('expected') ? inner : 'expected a valid key')
    }
    case 'custom':
      return issue.message
    default:
      return got(
        ours ?? issue.message.replace(/^Invalid input:\s*/i, '').replace(/^\w/, (c) => c.toLowerCase()),
      )
  }
}

function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small'
  const bound = Number(small ? issue.minimum : issue.maximum)
  const sign = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<'
  switch (issue.origin) {
    case 'string':
      return small && bound === 1
        ? 'expected a non-empty string'
        : `expected a string of length ${sign} ${bound}`
    case 'array':
    case 'set':
      return small && bound === 1
        ? 'expected at least one item'
        : `expected a list of length ${sign} ${bound}`
    default:
      return `expected a number ${sign} ${bound}`
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  null: 'null',
}

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) {
    return value.length === 0
      ? 'an empty list'
      : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`
  }
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  return String(value)
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

// ── Formatting ──────────────────────────────────────────────────────────────────────────────

function formatProblems(file: string, problems: readonly Problem[]): string[] {
  return problems.map((problem) => {
    const where = problem.position ? `${file}:${problem.position.line}:${problem.position.col}` : file
    return escapeControls(
      problem.path === undefined
        ? `${where}: ${problem.message}`
        : `${where}: ${formatPath(problem.path)}: ${problem.message}`,
    )
  })
}

// C0/C1 controls (escape sequences, newlines) and Unicode bidi controls (Trojan Source,
// CVE-2021-42574) in a message would rewrite what the terminal shows; print them as \u escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

export function escapeControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

// Stable: problems on the same line keep zod's order (which follows the schema).
function sortByPosition(problems: Problem[]): Problem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        (a.problem.position?.line ?? 0) - (b.problem.position?.line ?? 0) ||
        (a.problem.position?.col ?? 0) - (b.problem.position?.col ?? 0) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem)
}

export function formatPath(issuePath: Path): string {
  if (issuePath.length === 0) return '(top level)'
  return issuePath
    .map((segment) => {
      const text = String(segment)
      return /^[^.\s"]+$/.test(text) ? text : JSON.stringify(text)
    })
    .join('.')
}

function pathKey(issuePath: Path): string {
  return JSON.stringify(issuePath.map(String))
}

// The source offset for a path: the key of the deepest mapping entry (or list item) on the
// path that exists in the document.
export function sourceOffsetOf(doc: Document, issuePath: Path): number {
  let node: unknown = doc.contents
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0
  for (const segment of issuePath) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
      if (!pair) break
      offset = (pair.key as Node).range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined
      if (!item) break
      offset = item.range?.[0] ?? offset
      node = item
    } else {
      break
    }
  }
  return offset
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
