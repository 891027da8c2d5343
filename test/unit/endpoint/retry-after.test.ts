import { describe, expect, it } from 'vitest'
import { retryAfterOf } from '../../../src/endpoint/dependency-client.ts'
import type { DependencyResponse } from '../../../src/endpoint/dependency-transport.ts'

function response(headers: Record<string, string>): DependencyResponse {
  return {
    status: 429,
    header: (name) => headers[name],
    text: async () => '',
    trailer: () => undefined,
    body: async function* () {},
  }
}

describe('retryAfterOf (as openai-node reads a 429)', () => {
  it('prefers retry-after-ms, then retry-after in seconds', () => {
    expect(retryAfterOf(response({ 'retry-after-ms': '1250', 'retry-after': '2' }))).toBe(1250)
    expect(retryAfterOf(response({ 'retry-after': '2' }))).toBe(2000)
    expect(retryAfterOf(response({ 'retry-after-ms': 'soon', 'retry-after': '1' }))).toBe(1000)
    expect(retryAfterOf(response({}))).toBeUndefined()
  })
})
