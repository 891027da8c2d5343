// The server span that stands for a whole request: the built-in endpoint's POST /ask, or a team's
// service's own (report.accounting.server_span, named by the run from the spans it received).
import type { Report } from '../contract/report-types.ts'
import { SPAN } from '../contract/span-names.ts'

export function serverSpanOf(report: Pick<Report, 'accounting'>): string {
  return report.accounting.server_span ?? SPAN.server
}

// A run against a team's service (target:) rather than the built-in endpoint.
export function isTargetRun(report: Pick<Report, 'accounting' | 'arrangement'>): boolean {
  return report.accounting.server_span !== undefined || report.arrangement.startsWith('the target service')
}
