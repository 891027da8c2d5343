// The report contract (report.json). The types are inferred from the zod schema in
// report-schema.ts, which also generates reports-schema/report.schema.json, so the TypeScript
// types, the runtime check and the published JSON Schema cannot drift apart.
// Bump REPORT_SCHEMA_VERSION on any breaking change.
import type { z } from 'zod'
import type {
  accountingSchema,
  budgetResultSchema,
  loadSummarySchema,
  percentileIntervalsSchema,
  reportSchema,
  stageStatsSchema,
  verdictSchema,
} from './report-schema.ts'
import type { guardSchema } from './trust-schema.ts'

export { REPORT_SCHEMA_VERSION } from './report-schema.ts'

export type StageStats = z.infer<typeof stageStatsSchema>
// The numeric fields of StageStats (every one but the intervals).
export type StageNumberField = Exclude<keyof StageStats, 'ci95_ms'>
export type PercentileIntervals = z.infer<typeof percentileIntervalsSchema>
export type BudgetResult = z.infer<typeof budgetResultSchema>
export type Verdict = z.infer<typeof verdictSchema>
export type LoadSummary = z.infer<typeof loadSummarySchema>
export type Accounting = z.infer<typeof accountingSchema>
export type Report = z.infer<typeof reportSchema>
export type Trust = Report['trust']
export type TrustGuard = z.infer<typeof guardSchema>
