// `npm run report`'s one contract, fuzzed (issue 11, "make it systematic"): for any report.json,
// either a UsageError (exit 2, no stack) whose every problem names a field of the report, or the
// three rendered files. Seeded, bounded, fast.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UsageError, ValidationError } from '../../../src/errors.ts'
import { parseReportText } from '../../../src/report/regenerate-report.ts'
import { renderRunFiles } from '../../../src/report/run-reports.ts'
import { sampleReport } from './sample-report.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const span = (id: string, parent: string | null, status: string): Json => ({
  name: `stage ${id}`,
  span_id: id,
  parent_span_id: parent,
  kind: 'internal',
  start_offset_ms: 1,
  duration_ms: 2,
  status,
  attributes: { 'http.response.status_code': 500, 'error.type': 'Boom' },
  events: [{ name: 'exception', offset_ms: 1, attributes: { 'exception.message': 'x' } }],
})

const BASE = {
  ...(sampleReport() as unknown as Record<string, Json>),
  exemplars: [
    {
      trace_id: 't1',
      duration_ms: 5,
      error: true,
      reason: 'error',
      spans: [span('a', null, 'ok'), span('b', 'a', 'error'), span('c', 'b', 'error')],
    },
  ],
} as Json
const TOP_FIELDS = new Set(Object.keys(BASE as Record<string, Json>))

// Values that break renderers: wrong types, nulls, huge and odd numbers, unicode, markup, depth.
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 53, 1e-9),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('', '__proto__', '<script>alert(1)</script>', '\u202e\u0007', 'a'.repeat(5000)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 40, max: 200 }).map((depth) => {
    let value: Json = 1
    for (let i = 0; i < depth; i++) value = depth % 2 ? [value] : { a: value }
    return value
  }),
)

function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix]
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value)
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))]
}
const BASE_PATHS = paths(BASE).filter((p) => p.length > 0)

const mutation = fc.record({
  path: fc.constantFrom(...BASE_PATHS),
  value: hostileValue,
  remove: fc.boolean(),
})

function mutate(mutations: { path: (string | number)[]; value: Json; remove: boolean }[]): Json {
  const doc = structuredClone(BASE)
  for (const { path, value, remove } of mutations) {
    let node: Json = doc
    for (const segment of path.slice(0, -1)) {
      if (node === null || typeof node !== 'object') break
      node = (node as Record<string, Json>)[segment as string] ?? null
    }
    if (node === null || typeof node !== 'object') continue
    const last = path.at(-1)! as string
    if (remove && !Array.isArray(node)) delete (node as Record<string, Json>)[last]
    else (node as Record<string, Json>)[last] = value
  }
  return doc
}

function checkContract(text: string): void {
  let report: ReturnType<typeof parseReportText>
  try {
    report = parseReportText(text, 'report.json')
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/^Failed to (read|load) report\.json: /)
    if (error instanceof ValidationError) {
      expect(error.problems.length).toBeGreaterThan(0)
      for (const problem of error.problems.filter((p) => !p.startsWith('… and '))) {
        // Each problem starts with the field it is about: a top-level key, then its path.
        const field = /^([^.[:]+)/.exec(problem)?.[1] ?? ''
        expect(TOP_FIELDS.has(field) || field === '(top)', problem).toBe(true)
      }
    }
    return
  }
  const files = renderRunFiles(report)
  expect(files['report.html']).toContain('</html>')
  expect(files['junit.xml']).toContain('</testsuites>')
  expect(files['summary.md']?.length).toBeGreaterThan(0)
  expect(files['report.html']).not.toContain('<script>alert(1)')
}

describe('the fuzzed report reader', () => {
  it('the unmutated base report renders', () => {
    expect(() => checkContract(JSON.stringify(BASE))).not.toThrow()
    expect(renderRunFiles(parseReportText(JSON.stringify(BASE), 'r.json'))['report.html']).toContain(
      'stage c',
    )
  })

  it('mutated reports: exit 2 naming the field, or three rendered files', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        checkContract(JSON.stringify(mutate(mutations)))
      }),
      { seed: 1105, numRuns: 200 },
    )
  })

  it('arbitrary JSON and text: the same contract', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc.constantFrom('', 'null', '[]', '{}', '{"schema_version":1}', '1e400', '"\\ud800"'),
        ),
        checkContract,
      ),
      { seed: 1106, numRuns: 200 },
    )
  })
})
