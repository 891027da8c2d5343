// Reading report.json files written by this or an earlier version of the harness (history files,
// `compare` arguments). Only the fields the nightly job uses are checked, and unknown fields are
// kept: a report that gained fields since (a trust section, say) or lacks ones added later
// (environment.harness_version) still reads. The full contract is src/contract/report-schema.ts.
import { z } from 'zod'
import { ValidationError } from '../errors.ts'
import { readReportFile } from '../report/regenerate-report.ts'
import { SCENARIO_NAME_PATTERN } from '../scenario/schema.ts'
import { formatPath } from '../scenario/yaml-problems.ts'

const count = z.number().int().nonnegative()
const ms = z.number().nonnegative()

export const storedStageSchema = z.looseObject({
  count,
  error_count: count,
  p50_ms: ms,
  p95_ms: ms,
  p99_ms: ms,
})

export const storedBudgetSchema = z.looseObject({
  target: z.string(),
  metric: z.string(),
  limit: z.number(),
  actual: z.number().nullable(),
  unit: z.string(),
  pass: z.boolean(),
  source: z.string(),
  // Written since budgets are decided on their confidence interval; older reports lack them.
  verdict: z.string().optional(),
  note: z.string().optional(),
})

const storedClientSummary = z.looseObject({ p95: ms, count })

export const storedReportSchema = z.looseObject({
  schema_version: z.number().int(),
  // Kebab-case as in a scenario file: the name picks a history folder, so "..", "a/b" or control
  // characters are refused here rather than met as a path or printed to a terminal.
  scenario: z.looseObject({
    name: z.string().regex(SCENARIO_NAME_PATTERN, { error: 'expected a kebab-case scenario name' }),
    seed: z.number().int().optional(),
  }),
  started_at: z.iso.datetime(),
  verdict: z.string(),
  status: z.string().optional(),
  load: z.looseObject({ model: z.string().optional(), connections: count.optional(), rps: z.number() }),
  stages: z.record(z.string(), storedStageSchema),
  budgets: z.array(storedBudgetSchema),
  sampler: z.string().optional(),
  environment: z.looseObject({
    node: z.string(),
    cpus: count,
    cpu_model: z.string().optional(),
    harness_version: z.string().optional(),
  }),
  // Written by the trust checks when present: { verdict: 'trusted' | 'untrusted', ... }.
  trust: z.looseObject({ verdict: z.string() }).optional(),
  // Written by a capacity search (--find-capacity or a capacity budget); older reports lack it.
  capacity: z.looseObject({ rate_rps: z.number().nullable() }).optional(),
  // History files fabricated by `nightly --seed-history`: never a measurement.
  synthetic: z.boolean().optional(),
  // Streamed answers (issue 13); absent in reports of runs that streamed nothing.
  client_ttft_ms: storedClientSummary.optional(),
  client_itl_ms: storedClientSummary.optional(),
  client_tpot_ms: storedClientSummary.optional(),
})

export type StoredReport = z.infer<typeof storedReportSchema>
export type StoredBudget = z.infer<typeof storedBudgetSchema>

export function parseStoredReport(value: unknown, label: string): StoredReport {
  const result = storedReportSchema.safeParse(value)
  if (result.success) return result.data
  throw new ValidationError(
    label,
    result.error.issues
      .slice(0, 10)
      .map(
        (issue) => `${label}: ${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`,
      ),
  )
}

export async function readStoredReport(file: string): Promise<StoredReport> {
  return parseStoredReport(await readReportFile(file), file)
}

// 'untrusted' when the run's own checks said so (top-level verdict or trust section).
export function isUntrusted(report: Pick<StoredReport, 'verdict' | 'trust'>): boolean {
  return report.verdict === 'untrusted' || report.trust?.verdict === 'untrusted'
}

// The comparable workload: runs of one scenario at another connection count, seed or sampler
// measure something else, whatever the machine.
export function workloadKey(report: StoredReport): string {
  return [
    `model=${report.load.model ?? 'closed'}`,
    `connections=${report.load.connections ?? '-'}`,
    `seed=${report.scenario.seed ?? '-'}`,
    `sampler=${report.sampler ?? '-'}`,
  ].join(' ')
}
