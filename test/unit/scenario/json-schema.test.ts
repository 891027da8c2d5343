import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  knownKeysAt,
  renderScenarioJsonSchema,
  scenarioJsonSchema,
} from '../../../src/scenario/json-schema.ts'

const COMMITTED = fileURLToPath(new URL('../../../scenarios/scenario.schema.json', import.meta.url))

describe('the scenario JSON Schema', () => {
  it('is committed exactly as generated (run `npm run schema` after changing schema.ts)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderScenarioJsonSchema())
  })

  it('describes the input format: snake_case keys, durations as strings, required keys', () => {
    const schema = scenarioJsonSchema() as {
      $id: string
      required: string[]
      additionalProperties: boolean
      properties: Record<string, { properties?: Record<string, { type?: string }> }>
    }
    expect(schema.$id).toBe('urn:rag-latency-harness:scenario')
    expect(schema.required).toEqual(['name', 'requests'])
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.load?.properties?.duration?.type).toBe('string')
  })

  it('hands out a copy, so a caller cannot change what the loader walks', () => {
    const schema = scenarioJsonSchema() as { title: string }
    schema.title = 'changed'
    expect((scenarioJsonSchema() as { title: string }).title).toBe('RAG latency harness scenario')
  })
})

describe('knownKeysAt', () => {
  it.each([
    [
      [],
      [
        '$schema',
        'name',
        'description',
        'seed',
        'load',
        'requests',
        'tenants',
        'tracing',
        'dependencies',
        'pipeline',
        'mocks',
        'trust',
        'overhead',
        'target',
        'capacity',
        'what_if',
        'budgets',
      ],
    ],
    [['load'], ['connections', 'arrival', 'duration', 'warmup', 'request_timeout']],
    [
      ['requests', 0],
      ['tenant', 'api_key', 'http', 'weight', 'question', 'questions', 'k', 'rerank', 'stream'],
    ],
    [['tenants', 'any-tenant'], ['rate_limit']],
    [
      ['dependencies', 'llm', 'latency'],
      ['fixed', 'uniform', 'normal', 'lognormal', 'tokens'],
    ],
    [
      ['dependencies', 'llm', 'latency', 'tokens', 'ttft'],
      ['fixed', 'uniform', 'normal', 'lognormal'],
    ],
    [
      ['tracing', 'sampler'],
      ['ratio', 'parent_ratio'],
    ],
    [
      ['pipeline', 'retries', 'llm'],
      ['max', 'backoff', 'max_backoff'],
    ],
    [['budgets', 'rag_pipeline'], []],
    [['no', 'such', 'path'], []],
  ] as [PropertyKey[], string[]][])('at %j', (path, expected) => {
    expect(knownKeysAt(path).sort()).toEqual([...expected].sort())
  })
})
