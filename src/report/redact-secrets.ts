// Credentials never reach a rendered report (report.html, summary.md, junit.xml). Spans may carry
// headers or request bodies as attributes (an instrumentation that records
// `http.request.header.authorization`, a `token` sent to an introspection endpoint), and the
// scenario text holds `api_key:` lines. Every renderer passes the report through
// redactReport first, so a renderer cannot forget to.

import type { Report } from '../contract/report-types.ts'
import { MAX_REPORT_DEPTH } from './json-depth.ts'

// The key names that mark a credential, as in the OWASP logging cheat sheet's "never log" list.
const SECRET_KEY = /authorization|api[_-]?key|token|secret|password|passwd|cookie/i
// Token counts are usage figures, not credentials: gen_ai.usage.input_tokens, output_tokens,
// per_token (the scenario's per-token latency).
const NOT_SECRET_KEY = /^gen_ai\.usage\.|(^|[._])(input|output|total|max|per|prompt|completion)_tokens?$/i

export const REDACTED = '‹redacted›'
const TOO_DEEP = '‹nested too deep›'

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key)
}

// Values that are credentials whatever their key: bearer tokens and common provider key shapes.
const SECRET_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+|\bsk-[A-Za-z0-9_-]{8,}/g

export function redactText(text: string): string {
  return text.replace(SECRET_VALUE, (match) =>
    /^(Bearer|Basic)\s/i.test(match) ? `${match.split(/\s+/)[0]} ${REDACTED}` : REDACTED,
  )
}

type Attributes = Record<string, string | number | boolean>

function redactAttributes(attributes: Attributes): Attributes {
  const out: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) {
    if (isSecretKey(key)) continue
    out[key] = typeof value === 'string' ? redactText(value) : value
  }
  return out
}

// `key: value` pairs in YAML (block or flow style) whose key names a credential.
const YAML_SECRET_PAIR =
  /(["']?)([\w.-]+)\1(\s*:\s*)("[^"\n]*"|'[^'\n]*'|[^,}\]\n#]+?)(?=\s*(?:[,}\]\n#]|$))/g

export function redactScenarioText(text: string): string {
  return redactText(text).replace(YAML_SECRET_PAIR, (match, quote, key, colon) =>
    isSecretKey(key) ? `${quote}${key}${quote}${colon}${REDACTED}` : match,
  )
}

// Sections added by later issues (analysis, trust, overhead) are plain JSON: drop credential
// keys and mask credential-shaped strings, down to MAX_REPORT_DEPTH. Deeper than that (only a
// hostile report.json, which `npm run report` refuses first) is replaced, never recursed into, so
// the stack is bounded whatever the input.
function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_REPORT_DEPTH) return TOO_DEEP
  if (Array.isArray(value)) return value.map((inner) => redactDeep(inner, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value))
    if (!isSecretKey(key)) out[key] = redactDeep(inner, depth + 1)
  return out
}

// Fields made of numbers and names the harness chose (stage keys, budget sources, the load
// summary) pass through as they are, so a stage named like a credential keeps its statistics.
// Everything else that is not redacted field by field below (analysis, trust, overhead and any
// later section) goes through redactDeep.
const PASS_THROUGH = new Set([
  'schema_version',
  'started_at',
  'duration_s',
  'warmup_s',
  'verdict',
  'budget_verdict',
  'status',
  'overrides',
  'load',
  'client_latency_ms',
  'stages',
  'stage_histograms',
  'stage_intervals',
  'budgets',
  'accounting',
  'endpoint_process',
  'intervals',
  'arrangement',
  'sampler',
  'environment',
])

// A copy of the report with credential attributes dropped and credential-shaped values masked.
// Never mutates its input.
export function redactReport<T extends Report>(report: T): T {
  const scenario = report.scenario
  const rest = Object.fromEntries(
    Object.entries(report).map(([key, value]) => [key, PASS_THROUGH.has(key) ? value : redactDeep(value)]),
  )
  return {
    ...(rest as T),
    scenario:
      typeof scenario.text === 'string' ? { ...scenario, text: redactScenarioText(scenario.text) } : scenario,
    exemplars: report.exemplars.map((trace) => ({
      ...trace,
      ...(trace.error_path !== undefined ? { error_path: redactText(trace.error_path) } : {}),
      spans: trace.spans.map((span) => ({
        ...span,
        ...(span.status_message !== undefined ? { status_message: redactText(span.status_message) } : {}),
        attributes: redactAttributes(span.attributes),
        events: span.events.map((event) => ({ ...event, attributes: redactAttributes(event.attributes) })),
      })),
    })),
  }
}

// Keys shorter than this are not searched for: replacing every "ab" in a report would wreck it,
// and a key that short is no secret. Every key in the shipped scenarios is far longer.
export const MIN_KNOWN_SECRET_LENGTH = 4

// A copy of `value` with every occurrence of a known credential (the scenario's API keys) masked,
// in strings and in object keys at any depth: a key written into a description, an error message
// or a tenant name is masked as well as the `api_key:` lines.
export function redactKnownSecrets<T>(value: T, secrets: readonly string[]): T {
  const known = [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_KNOWN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
  if (known.length === 0) return value
  const mask = (text: string) => {
    let out = text
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED)
    return out
  }
  const root: { value: unknown } = { value: structuredClone(value) }
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[]
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        if (typeof item === 'string') node[index] = mask(item)
        else if (item !== null && typeof item === 'object') stack.push(item)
      })
      continue
    }
    for (const key of Object.keys(node)) {
      const item = node[key]
      const maskedKey = mask(key)
      if (maskedKey !== key) delete node[key]
      const maskedItem = typeof item === 'string' ? mask(item) : item
      node[maskedKey] = maskedItem
      if (maskedItem !== null && typeof maskedItem === 'object') stack.push(maskedItem)
    }
  }
  return root.value as T
}
