import { describe, expect, it } from 'vitest'
import { nonSuccessNote, noSuccessReason } from '../../../src/trust/target-responses.ts'

const answers = (
  statusCodes: Record<string, number>,
  extra: { sent?: number; errors?: Record<string, number> } = {},
) => {
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0)
  return {
    sent: extra.sent ?? completed,
    completed,
    statusCodes,
    errorCodes: extra.errors ?? {},
    timeouts: 0,
  }
}

describe('a target service’s answers', () => {
  it('no 2xx at all: the run measured nothing, and says which statuses came', () => {
    expect(noSuccessReason(answers({ '500': 40, '503': 2 }))).toBe(
      'the target service answered none of its 42 responses with a 2xx (HTTP 500 ×40, 503 ×2): there is no successful request to measure; see target.log',
    )
    expect(noSuccessReason(answers({}, { sent: 5, errors: { ECONNRESET: 5 } }))).toMatch(
      /^the target service answered none of the 5 requests sent \(ECONNRESET ×5\)/,
    )
  })

  it('one 2xx is enough to measure; nothing sent is not this check’s business', () => {
    expect(noSuccessReason(answers({ '200': 1, '500': 99 }))).toBeUndefined()
    expect(noSuccessReason(answers({}))).toBeUndefined()
  })

  it('some non-2xx: a note naming them and what turns them into a failure', () => {
    expect(nonSuccessNote(answers({ '200': 90, '500': 8, '404': 2 }))).toBe(
      'the service answered 10 of 100 requests with a non-2xx status (HTTP 500 ×8, 404 ×2): the stage figures include their error paths; an error_rate budget on its server span fails the run for them',
    )
    expect(nonSuccessNote(answers({ '200': 90, '201': 10 }))).toBeUndefined()
  })
})
