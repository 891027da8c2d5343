import { describe, expect, it } from 'vitest'
import {
  isSecretKey,
  REDACTED,
  redactKnownSecrets,
  redactReport,
  redactScenarioText,
  redactText,
} from '../../../src/report/redact-secrets.ts'
import { sampleReport } from './sample-report.ts'

describe('isSecretKey', () => {
  it.each([
    ['authorization', true],
    ['http.request.header.authorization', true],
    ['Authorization', true],
    ['api_key', true],
    ['apiKey', true],
    ['x-api-key', true],
    ['token', true],
    ['auth.token', true],
    ['client_secret', true],
    ['password', true],
    ['cookie', true],
    ['gen_ai.usage.input_tokens', false],
    ['gen_ai.usage.output_tokens', false],
    ['per_token', false],
    ['output_tokens', false],
    ['tenant_id', false],
    ['question', false],
  ])('%s → %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret)
  })
})

describe('redactText', () => {
  it.each([
    ['Authorization: Bearer sk-abc.def-123', `Authorization: Bearer ${REDACTED}`],
    ['used key sk-proj-ABCDEFGH12345', `used key ${REDACTED}`],
    ['Basic dXNlcjpwYXNz', `Basic ${REDACTED}`],
    ['nothing secret here', 'nothing secret here'],
  ])('%j', (input, expected) => {
    expect(redactText(input)).toBe(expected)
  })
})

describe('redactScenarioText', () => {
  it('masks credential values in block and flow YAML, keeping token counts', () => {
    const text = [
      'requests:',
      '  - { tenant: acme, api_key: key-acme, weight: 8 }',
      '  - tenant: globex',
      '    api_key: "key-globex"',
      'dependencies:',
      '  llm: { latency: { tokens: { per_token: 3ms, output_tokens: { min: 5, max: 9 } } } }',
      'auth_token: abc # a comment',
    ].join('\n')
    const out = redactScenarioText(text)
    expect(out).not.toContain('key-acme')
    expect(out).not.toContain('key-globex')
    expect(out).not.toContain('abc #')
    expect(out).toContain(`api_key: ${REDACTED}, weight: 8 }`)
    expect(out).toContain('per_token: 3ms')
    expect(out).toContain('output_tokens: { min: 5, max: 9 }')
    expect(out).toContain('# a comment')
    expect(out.split('\n')).toHaveLength(7)
  })
})

describe('redactReport', () => {
  const base = sampleReport()
  const report = {
    ...base,
    exemplars: [
      {
        trace_id: 't1',
        duration_ms: 10,
        error: true,
        reason: 'error',
        spans: [
          {
            name: 'POST /ask',
            span_id: 's1',
            parent_span_id: null,
            kind: 'server' as const,
            start_offset_ms: 0,
            duration_ms: 10,
            status: 'error' as const,
            status_message: 'rejected Bearer sk-live-SECRET1',
            attributes: { 'http.request.header.authorization': 'Bearer x', tenant_id: 'acme' },
            events: [
              { name: 'exception', offset_ms: 1, attributes: { token: 'SECRET2', 'exception.type': 'E' } },
            ],
          },
        ],
      },
    ],
    analysis: {
      ...base.analysis,
      hygiene: {
        ...base.analysis.hygiene,
        findings: [
          { check: 'high_cardinality' as const, span_name: 'x', message: 'm', example: 'Bearer SECRET3' },
        ],
      },
    },
  }

  it('drops credential attributes and masks credential-shaped values everywhere', () => {
    const text = JSON.stringify(redactReport(report))
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'http.request.header.authorization'])
      expect(text).not.toContain(secret)
    expect(text).toContain('"tenant_id":"acme"')
    expect(text).toContain('"exception.type":"E"')
  })

  it('does not mutate its input and keeps the contract fields as they are', () => {
    const before = JSON.stringify(report)
    const out = redactReport(report)
    expect(JSON.stringify(report)).toBe(before)
    expect(out.stages).toBe(report.stages)
    expect(out.budgets).toBe(report.budgets)
  })
})

describe('redactKnownSecrets', () => {
  it('masks every occurrence of a known key in strings and object keys at any depth, without mutating', () => {
    const input = {
      description: 'acme uses key-acme-123',
      nested: [{ message: 'Bearer-less key-acme-123 twice key-acme-123' }],
      by_tenant: { 'key-acme-123': 1 },
      count: 3,
    }
    const copy = structuredClone(input)
    const out = redactKnownSecrets(input, ['key-acme-123'])
    expect(input).toEqual(copy)
    expect(JSON.stringify(out)).not.toContain('key-acme-123')
    expect(out.description).toBe(`acme uses ${REDACTED}`)
    expect(out.count).toBe(3)
    expect(Object.keys(out.by_tenant)).toEqual([REDACTED])
  })

  it('leaves keys too short to search for alone, and walks a value nested 1,000 deep', () => {
    expect(redactKnownSecrets({ a: 'abc' }, ['abc'])).toEqual({ a: 'abc' })
    let deep: unknown = 'key-deep-1'
    for (let i = 0; i < 1000; i++) deep = [deep]
    expect(JSON.stringify(redactKnownSecrets(deep, ['key-deep-1']))).not.toContain('key-deep-1')
  })
})
