import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'

const withUrl = (url: string) =>
  ['name: t', 'target:', `  url: "${url}"`, 'requests:', '  - { http: { path: /chat }, question: q }'].join(
    '\n',
  )

describe('target.url', () => {
  it('accepts a service on loopback: 127.0.0.1, [::1], localhost', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://[::1]:8080/',
      'http://localhost:8080',
      'http://LOCALHOST:1',
    ]) {
      expect(parseScenarioText(withUrl(url), 'x.yaml').target!.url).toBe(url)
    }
  })

  it('refuses any other host with the key and its line, because load must never leave the machine', () => {
    for (const url of [
      'http://10.0.0.5:8080',
      'http://example.com',
      'http://127.0.0.2:8080',
      'http://0.0.0.0:8080',
      'http://localhost.example.com',
      'http://127.0.0.1.nip.io',
    ]) {
      let error: unknown
      try {
        parseScenarioText(withUrl(url), 'x.yaml')
      } catch (caught) {
        error = caught
      }
      expect(error, url).toBeInstanceOf(ValidationError)
      expect((error as Error).message, url).toMatch(
        /x\.yaml:3:\d+: target\.url: expected a loopback URL \(http:\/\/127\.0\.0\.1:<port>, .*\): the harness sends load to this machine only/,
      )
    }
  })

  it('refuses https (the harness speaks plain HTTP to a local service)', () => {
    expect(() => parseScenarioText(withUrl('https://127.0.0.1:8443'), 'x.yaml')).toThrow(
      /x\.yaml:3:\d+: target\.url: expected an http URL/,
    )
  })
})
