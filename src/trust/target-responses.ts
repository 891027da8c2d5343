// What a team's service answered (target:). A service that answers 500 to everything still makes
// spans, and a run without budgets on errors would pass on them: k6 and Artillery users expect a
// failing service to fail the run (k6's http_req_failed threshold, Artillery's ensure.maxErrorRate),
// so the harness decides for them at the extreme. No 2xx at all: the run did not measure the
// service (status incomplete, exit 4, the report still written). Some non-2xx: a note, and the
// figures stand; an error_rate budget on the service's server span turns them into a failure.
import type { ClientLoadResult } from '../load/client-load-result.ts'

type Answers = Pick<ClientLoadResult, 'sent' | 'completed' | 'statusCodes' | 'errorCodes' | 'timeouts'>

function isSuccess(code: string): boolean {
  return /^2\d\d$/.test(code)
}

function codesText(counts: Record<string, number>, keep: (code: string) => boolean): string {
  return Object.entries(counts)
    .filter(([code, n]) => keep(code) && n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ')
}

function successes(client: Answers): number {
  return Object.entries(client.statusCodes).reduce((sum, [code, n]) => sum + (isSuccess(code) ? n : 0), 0)
}

// Why the run measured nothing, when not one request got a 2xx; undefined otherwise.
export function noSuccessReason(client: Answers): string | undefined {
  if (client.sent === 0 || successes(client) > 0) return undefined
  if (client.completed === 0) {
    const errors = codesText(client.errorCodes, () => true)
    return `the target service answered none of the ${client.sent} requests sent (${errors || 'no response'}${client.timeouts > 0 ? `, ${client.timeouts} timeouts` : ''}); see target.log`
  }
  return `the target service answered none of its ${client.completed} responses with a 2xx (HTTP ${codesText(client.statusCodes, () => true)}): there is no successful request to measure; see target.log`
}

// A note when some responses were not 2xx; undefined when all were.
export function nonSuccessNote(client: Answers): string | undefined {
  const failed = client.completed - successes(client)
  if (failed <= 0) return undefined
  return `the service answered ${failed} of ${client.completed} requests with a non-2xx status (HTTP ${codesText(client.statusCodes, (code) => !isSuccess(code))}): the stage figures include their error paths; an error_rate budget on its server span fails the run for them`
}
