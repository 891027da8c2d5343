import { describe, expect, it } from 'vitest'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'
import {
  placeholdersIn,
  resolvePlaceholders,
  targetPlaceholderNames,
  unknownPlaceholders,
} from '../../../src/scenario/placeholders.ts'

const known = targetPlaceholderNames(['llm', 'vector_store'])

describe('placeholders', () => {
  it('finds, checks and resolves {{…}}, spaces inside the braces allowed', () => {
    expect(placeholdersIn('http://x:{{ target.port }}/{{otlp.endpoint}}')).toEqual([
      'target.port',
      'otlp.endpoint',
    ])
    expect(unknownPlaceholders('{{mocks.llm.base_url}} {{mocks.lm.base_url}}', known)).toEqual([
      expect.stringMatching(
        /^unknown placeholder \{\{mocks\.lm\.base_url\}\}; expected one of .*\{\{mocks\.llm\.base_url\}\}/,
      ),
    ])
    expect(
      resolvePlaceholders('PORT={{target.port}} {{ otlp.endpoint }}', {
        'target.port': '8080',
        'otlp.endpoint': 'http://o',
      }),
    ).toBe('PORT=8080 http://o')
  })

  it('an unknown placeholder in a scenario is a validation error at its line', () => {
    const text = [
      'name: t',
      'target:',
      '  command: ["node", "server.js"]',
      '  env:',
      '    PORT: "{{target.port}}"',
      '    OPENAI_BASE_URL: "{{mocks.llm.base_uri}}"',
      'requests:',
      '  - http: { path: /chat, body: { query: "{{qustion}}" } }',
      '    question: hi',
    ].join('\n')
    expect(() => parseScenarioText(text, 'x.yaml')).toThrow(
      /x\.yaml:6:5: target\.env\.OPENAI_BASE_URL: unknown placeholder \{\{mocks\.llm\.base_uri\}\}/,
    )
    expect(() => parseScenarioText(text, 'x.yaml')).toThrow(
      /x\.yaml:8:\d+: requests\.0\.http\.body\.query: unknown placeholder \{\{qustion\}\}/,
    )
  })

  it('a target needs requests with http, and http needs a target', () => {
    const noHttp = [
      'name: t',
      'target: { url: "http://127.0.0.1:9" }',
      'requests:',
      '  - { tenant: a, api_key: k, question: q }',
    ].join('\n')
    expect(() => parseScenarioText(noHttp, 'x.yaml')).toThrow(/requests\.0: expected http/)
    const noTarget = ['name: t', 'requests:', '  - { http: { path: /chat }, question: q }'].join('\n')
    expect(() => parseScenarioText(noTarget, 'x.yaml')).toThrow(/expected a target: section/)
    const both = [
      'name: t',
      'target: { url: "http://127.0.0.1:9", command: x }',
      'requests:',
      '  - { http: { path: /c }, question: q }',
    ].join('\n')
    expect(() => parseScenarioText(both, 'x.yaml')).toThrow(/expected either command .* or url/)
  })
})
