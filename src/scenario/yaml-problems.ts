// Problems in a YAML file (scenarios and nightly suites), reported the way compilers do so that
// editors and terminals make them clickable:
//   <file>:<line>:<col>: <key.path>: <message>      (a problem with a value or a key)
//   <file>:<line>:<col>: <message>                  (a problem with the file: YAML syntax, empty)
// Line and column are those of the key that holds the offending value (for an item of a list,
// the item itself; for a missing key, the key of the mapping that lacks it).
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
import { ValidationError } from '../errors.ts'
import { suggestKey } from './suggest-key.ts'

export type Path = readonly PropertyKey[]
type Position = { line: number; col: number }
export type Problem = { path?: Path; message: string; position?: Position }
// The keys a schema allows at a path (for "did you mean" and "expected one of").
export type KnownKeys = (path: Path) => readonly string[]

// Keys that JavaScript objects treat specially: `__proto__` would be dropped silently by toJS.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export type YamlInput = { input: unknown; locate: (path: Path) => Position }

// The YAML text → its plain value and a way to find any key path in the source. Syntax errors,
// duplicate keys, reserved keys and an empty file are refused here, all at once; `expected`
// says what the file should hold ("a scenario with at least name and requests").
export function parseYaml(text: string, file: string, expected: string): YamlInput {
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
  if (doc.contents === null)
    throw new ValidationError(file, [`${file}:1:1: the file is empty; expected ${expected}`])
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
  return { input, locate: (path) => lineCounter.linePos(sourceOffsetOf(doc, path)) }
}

// The ValidationError for problems found in a parsed file: each located, sorted by position.
export function locatedError(file: string, yaml: YamlInput, problems: readonly Problem[]): ValidationError {
  const located = problems.map((problem) => ({ ...problem, position: yaml.locate(problem.path ?? []) }))
  return new ValidationError(file, formatProblems(file, sortByPosition(located)))
}

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

// zod issues → problems, one per unknown key (with "did you mean", from the keys the schema
// knows at that path) and one per other issue, in our own voice.
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], knownKeysAt: KnownKeys): Problem[] {
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
        message: unknownKeyMessage(key, suggestions[index], knownKeysAt(issue.path)),
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

function unknownKeyMessage(
  key: string,
  suggestion: string | undefined,
  knownHere: readonly string[],
): string {
  if (suggestion) return `unknown key "${key}"; did you mean "${suggestion}"?`
  const known = knownHere.filter((name) => name !== '$schema')
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
      // A refinement on a mapping or list names what is wrong inside it; a scalar's value helps.
      return ours && (typeof issue.input !== 'object' || issue.input === null) ? got(ours) : issue.message
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

// ── Formatting ──────────────────────────────────────────────────────────────────────────────

export function formatProblems(file: string, problems: readonly Problem[]): string[] {
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
export function sortByPosition(problems: Problem[]): Problem[] {
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
