// The report contract (report.json). Names are snake_case because the JSON is the public,
// documented artefact (README "Report contract", schema in reports-schema/report.schema.json).
// Bump REPORT_SCHEMA_VERSION on any breaking change.
export const REPORT_SCHEMA_VERSION = 1

export type StageStats = {
  count: number
  error_count: number
  min_ms: number
  mean_ms: number
  p50_ms: number
  p90_ms: number
  p95_ms: number
  p99_ms: number
  p999_ms: number
  max_ms: number
}

export type BudgetResult = {
  target: string
  metric: string
  limit: number
  actual: number | null // null: no data for the target (e.g. no spans matched); such a budget fails
  unit: 'ms' | 'ratio' | 'req/s'
  pass: boolean
  source: string
  note?: string
}

export type Verdict = 'pass' | 'fail'

export type LoadSummary = {
  model: 'closed' | 'open'
  driver: string // e.g. "autocannon 8.0.0 (closed model)"
  connections?: number
  sent: number
  completed: number
  errors: number
  timeouts: number
  in_flight_at_end: number
  status_codes: Record<string, number>
  rps: number
}

export type Accounting = {
  ok: boolean
  sent: number
  completed: number
  errors: number
  timeouts: number
  in_flight_at_end: number
  server_requests: number // HTTP server spans ended (every request that reached the endpoint)
  pipeline_roots: number // rag_pipeline spans ended
  notes: string[]
}

export type Report = {
  schema_version: number
  scenario: { name: string; file: string | null; seed: number; description: string }
  started_at: string
  duration_s: number
  warmup_s: number
  verdict: Verdict
  load: LoadSummary
  client_latency_ms: { p50: number; p90: number; p95: number; p99: number; max: number; count: number }
  stages: Record<string, StageStats>
  budgets: BudgetResult[]
  accounting: Accounting
  arrangement: string // how endpoint and driver were separated, e.g. "endpoint in a child process"
  sampler: string
  environment: { node: string; platform: string; cpus: number; cpu_model: string; git_sha: string | null }
}
