import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { reportJsonSchema, reportJsonSchemaText, reportSchema } from '../../../src/contract/report-schema.ts'
import { inconclusiveReport, sampleReport } from '../report/sample-report.ts'

const committedPath = new URL('../../../reports-schema/report.schema.json', import.meta.url)

describe('report schema', () => {
  it('matches the committed reports-schema/report.schema.json (run scripts/write-report-schema.ts)', async () => {
    expect(await readFile(committedPath, 'utf8')).toBe(reportJsonSchemaText())
  })

  it('accepts a complete report and returns it unchanged', () => {
    const report = sampleReport()
    expect(reportSchema.parse(report)).toEqual(report)
  })

  it('accepts inconclusive budgets with their interval, count and run length to decide', () => {
    for (const policy of ['fail', 'warn'] as const) {
      const report = inconclusiveReport(policy)
      expect(reportSchema.parse(report)).toEqual(report)
    }
    const intervals = { p50: [1, 2], p90: [2, 3], p95: [3, 4], p99: [4, null], p999: [null, null] }
    const stages = { rag_pipeline: { ...sampleReport().stages.rag_pipeline!, ci95_ms: intervals } }
    expect(reportSchema.safeParse({ ...sampleReport(), stages }).success).toBe(true)
  })

  it.each([
    { name: 'an unknown verdict', patch: { verdict: 'maybe' }, path: ['verdict'] },
    { name: 'another schema version', patch: { schema_version: 1 }, path: ['schema_version'] },
    { name: 'a started_at that is not ISO 8601', patch: { started_at: 'yesterday' }, path: ['started_at'] },
    { name: 'a missing stages map', patch: { stages: undefined }, path: ['stages'] },
    {
      name: 'a NaN statistic',
      patch: { client_latency_ms: { p50: Number.NaN, p90: 1, p95: 1, p99: 1, max: 1, count: 1 } },
      path: ['client_latency_ms', 'p50'],
    },
  ])('rejects $name', ({ patch, path }) => {
    const result = reportSchema.safeParse({ ...sampleReport(), ...patch })
    expect(result.success).toBe(false)
    expect(result.error!.issues.map((issue) => issue.path)).toContainEqual(path)
  })

  it('rejects a budget unit outside ms, ratio, req/s', () => {
    const report = sampleReport()
    const bad = { ...report, budgets: [{ ...report.budgets[0]!, unit: 'seconds' }] }
    expect(reportSchema.safeParse(bad).success).toBe(false)
  })

  it('keeps every name of the documented minimum contract as required', () => {
    type JsonObject = {
      properties: Record<string, JsonObject>
      required: string[]
      additionalProperties?: JsonObject
    }
    const root = reportJsonSchema() as unknown as JsonObject
    const contract: Record<string, string[]> = {
      '': [
        'schema_version',
        'scenario',
        'started_at',
        'duration_s',
        'verdict',
        'load',
        'client_latency_ms',
        'stages',
        'budgets',
        'environment',
      ],
      scenario: ['name', 'file', 'seed'],
      load: ['model', 'sent', 'completed', 'errors', 'timeouts', 'status_codes', 'rps'],
      client_latency_ms: ['p50', 'p90', 'p95', 'p99', 'max'],
      environment: ['node', 'platform', 'cpus', 'git_sha'],
    }
    for (const [object, names] of Object.entries(contract)) {
      const node = object === '' ? root : root.properties[object]!
      for (const name of names) expect(node.required, `${object}.${name}`).toContain(name)
    }
    expect(Object.keys(root.properties.load!.properties)).toContain('connections')
    const stage = root.properties.stages!.additionalProperties!
    expect(stage.required).toEqual([
      'count',
      'error_count',
      'min_ms',
      'mean_ms',
      'p50_ms',
      'p90_ms',
      'p95_ms',
      'p99_ms',
      'p999_ms',
      'max_ms',
    ])
    const budget = (root.properties.budgets as unknown as { items: JsonObject }).items
    for (const name of ['target', 'metric', 'limit', 'actual', 'unit', 'pass'])
      expect(budget.required).toContain(name)
  })

  it('lets an older schema accept a report with new fields (no additionalProperties: false)', () => {
    expect(reportJsonSchemaText()).not.toContain('"additionalProperties": false')
  })
})
