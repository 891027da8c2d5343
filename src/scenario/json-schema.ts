// The JSON Schema of the scenario format, generated from the zod schema so the two cannot
// disagree. Scenario files reference the committed copy (scenarios/scenario.schema.json) with a
// yaml-language-server modeline, so editors autocomplete keys and underline mistakes; the loader
// walks the same document to list the keys that are valid at a path (for "did you mean").
import { z } from 'zod'
import { scenarioSchema } from './schema.ts'

export const SCENARIO_SCHEMA_FILE_NAME = 'scenario.schema.json'
export const SCHEMA_MODELINE = `# yaml-language-server: $schema=./${SCENARIO_SCHEMA_FILE_NAME}`

type JsonSchema = { [key: string]: unknown }

let cached: JsonSchema | undefined

// `io: 'input'` describes what a person writes (durations as strings, snake_case keys), not the
// parsed values; transforms and refinements have no JSON Schema form, so they become `{}`
// (`unrepresentable: 'any'`) and the loader's own validation stays the authority.
export function scenarioJsonSchema(): object {
  cached ??= (() => {
    const { $schema, ...rest } = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' })
    return {
      $schema,
      $id: 'urn:rag-latency-harness:scenario',
      title: 'RAG latency harness scenario',
      description:
        'A load scenario: the traffic to send, the mocked dependencies of the RAG endpoint and the ' +
        'per-stage latency budgets it must meet. Generated from src/scenario/schema.ts by `npm run schema`.',
      ...rest,
    }
  })()
  return structuredClone(cached)
}

// The exact text of scenarios/scenario.schema.json (a test compares the committed file with it).
export function renderScenarioJsonSchema(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`
}

function asSchema(value: unknown): JsonSchema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined
}

// A schema node together with the alternatives it stands for (anyOf/oneOf/allOf, $ref into $defs).
function variants(node: JsonSchema, root: JsonSchema, seen = new Set<JsonSchema>()): JsonSchema[] {
  if (seen.has(node)) return []
  seen.add(node)
  const out: JsonSchema[] = [node]
  const ref = node.$ref
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = root
    for (const part of ref.slice(2).split('/')) target = asSchema(target)?.[part]
    const resolved = asSchema(target)
    if (resolved) out.push(...variants(resolved, root, seen))
  }
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const list = node[keyword]
    if (Array.isArray(list)) {
      for (const item of list) {
        const child = asSchema(item)
        if (child) out.push(...variants(child, root, seen))
      }
    }
  }
  return out
}

// The property names that the schema allows at `path` (an issue path from zod: keys and
// array indexes). Empty when the path leads into free-form maps or nowhere.
export function knownKeysAt(path: readonly PropertyKey[], schema: object = scenarioJsonSchema()): string[] {
  const root = schema as JsonSchema
  let nodes = variants(root, root)
  for (const segment of path) {
    const next: JsonSchema[] = []
    for (const node of nodes) {
      if (typeof segment === 'number') {
        const items = asSchema(node.items)
        if (items) next.push(...variants(items, root))
        continue
      }
      const property = asSchema(asSchema(node.properties)?.[String(segment)])
      const additional = asSchema(node.additionalProperties)
      const child = property ?? additional
      if (child) next.push(...variants(child, root))
    }
    nodes = next
  }
  const keys = new Set<string>()
  for (const node of nodes) for (const key of Object.keys(asSchema(node.properties) ?? {})) keys.add(key)
  return [...keys]
}
