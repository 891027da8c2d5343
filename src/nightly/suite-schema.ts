// The suite file (e.g. scenarios/nightly.suite.yaml): which scenarios the nightly job runs, with
// what overrides, and how their history is judged. Input keys are snake_case like the scenario
// format; parsed values carry units in their names. The single source of the suite's types.
//
//   name: nightly
//   defaults: { duration: 20s }                 # overrides for every scenario (optional)
//   quick: { duration: 3s, warmup: 1s }          # what --quick uses (these are the defaults)
//   history: { window: 20, min_runs: 5, trend_nights: 30 }
//   regression: { relative_floor: 5%, k: 3 }
//   scenarios:
//     - baseline                                 # a name in the suite's folder, or a path
//     - { scenario: slow-vector-store, expected_failures: [vector_search.p99] }
import { z } from 'zod'
import { overrideFields, runDuration, toRunOverrides, warmupDuration } from '../scenario/schema.ts'
import { parseFraction } from '../units.ts'

const positiveInt = (what: string) =>
  z
    .number({ error: `expected ${what} (a positive integer)` })
    .int({ error: `expected ${what} (a positive integer)` })
    .positive({ error: `expected ${what} (a positive integer)` })

// The scenario schema's own override fields: the same bounds as in a scenario file.
const overrideShape = overrideFields

// A budget as `<target>.<metric>`, the way the scenario writes it: vector_search.p99,
// "rag_pipeline{tenant_id=acme}.error_rate", throughput.min_rps.
const budgetId = z
  .string({ error: 'expected a budget like vector_search.p99' })
  .regex(/^.+\.[a-z0-9_]+$/, { error: 'expected a budget like vector_search.p99' })

export const suiteEntrySchema = z.preprocess(
  (value) => (typeof value === 'string' ? { scenario: value } : value),
  z
    .strictObject(
      {
        scenario: z
          .string({ error: 'expected a scenario name or path' })
          .min(1, { error: 'expected a scenario name or path' }),
        ...overrideShape,
        expected_failures: z.array(budgetId).default([]).meta({
          description:
            'Budgets this scenario is built to fail. They do not fail the suite; if one passes, it does (the scenario no longer shows what it was written for).',
        }),
      },
      { error: 'expected a scenario name, or a mapping with at least `scenario`' },
    )
    .transform((value) => ({
      scenario: value.scenario,
      overrides: toRunOverrides(value),
      expectedFailures: value.expected_failures,
    })),
)

const relativeFloor = z
  .union([z.number(), z.string()], { error: 'expected a share like 5% or 0.05' })
  .refine((value) => parseFraction(value) !== undefined && parseFraction(value)! < 1, {
    error: 'expected a share like 5% or 0.05',
  })
  .transform((value) => parseFraction(value)!)

export const suiteSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a kebab-case name like nightly' }),
    description: z.string().default(''),
    defaults: z.strictObject(overrideShape).default({}).transform(toRunOverrides),
    quick: z
      .strictObject({ duration: runDuration.default(3000), warmup: warmupDuration.default(1000) })
      .prefault({})
      .transform((value) => ({ durationMs: value.duration, warmupMs: value.warmup })),
    history: z
      .strictObject({
        window: positiveInt('a number of runs').default(20),
        min_runs: positiveInt('a number of runs').default(5),
        trend_nights: positiveInt('a number of nights').default(30),
      })
      .prefault({})
      .refine((value) => value.min_runs <= value.window, {
        error: 'expected min_runs ≤ window',
        path: ['min_runs'],
      })
      .transform((value) => ({
        window: value.window,
        minRuns: value.min_runs,
        trendNights: value.trend_nights,
      })),
    regression: z
      .strictObject({
        relative_floor: relativeFloor.default(0.05),
        k: z
          .number({ error: 'expected a positive number' })
          .positive({ error: 'expected a positive number' })
          .default(3),
      })
      .prefault({})
      .transform((value) => ({ relativeFloor: value.relative_floor, k: value.k })),
    scenarios: z
      .array(suiteEntrySchema, { error: 'expected a list of scenarios' })
      .min(1, { error: 'expected at least one scenario' }),
  })
  .transform(({ $schema: _schema, ...rest }) => rest)

export type Suite = z.output<typeof suiteSchema>
export type SuiteEntry = Suite['scenarios'][number]

// Keys allowed at each place, for "did you mean" on a misspelt key.
export const SUITE_KEYS: Record<string, string[]> = {
  '': ['$schema', 'name', 'description', 'defaults', 'quick', 'history', 'regression', 'scenarios'],
  defaults: Object.keys(overrideShape),
  quick: ['duration', 'warmup'],
  history: ['window', 'min_runs', 'trend_nights'],
  regression: ['relative_floor', 'k'],
  'scenarios.*': ['scenario', ...Object.keys(overrideShape), 'expected_failures'],
}
