import { describe, expect, it } from 'vitest'
import { httpRequestTemplate } from '../../../src/load/http-request.ts'

describe('httpRequestTemplate', () => {
  it('puts the question into a JSON body escaped, so the body stays valid JSON', () => {
    const make = httpRequestTemplate({
      method: 'POST',
      path: '/chat',
      headers: { authorization: 'Bearer t' },
      body: { query: '{{question}}', k: 3 },
    })
    const request = make('say "hi"\nnow')
    expect(JSON.parse(request.body)).toEqual({ query: 'say "hi"\nnow', k: 3 })
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer t' })
    expect([request.method, request.path]).toEqual(['POST', '/chat'])
  })

  it('sends a string body as text and no body for a GET', () => {
    expect(
      httpRequestTemplate({ method: 'POST', path: '/q', headers: {}, body: 'Q: {{question}}' })('why').body,
    ).toBe('Q: why')
    const get = httpRequestTemplate({ method: 'GET', path: '/healthz', headers: {} })('x')
    expect([get.body, get.headers]).toEqual(['', {}])
  })
})
