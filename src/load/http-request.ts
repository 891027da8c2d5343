// A target service's request (`requests[].http`) with this request's question in it. The body
// template is serialised once; {{question}} is replaced inside JSON strings with the question
// escaped as JSON, so any question text keeps the body valid JSON.
import { resolvePlaceholders } from '../scenario/placeholders.ts'
import type { HttpRequestConfig } from '../scenario/target-schema.ts'

export type HttpMethod = HttpRequestConfig['method']

export type HttpRequestTemplate = (question: string) => {
  method: HttpMethod
  path: string
  headers: Record<string, string>
  body: string
}

export function httpRequestTemplate(config: HttpRequestConfig): HttpRequestTemplate {
  const isJson = config.body !== undefined && typeof config.body !== 'string'
  const bodyTemplate =
    config.body === undefined
      ? ''
      : typeof config.body === 'string'
        ? config.body
        : JSON.stringify(config.body)
  const hasContentType = Object.keys(config.headers).some((name) => name.toLowerCase() === 'content-type')
  const baseHeaders: Record<string, string> = {
    ...(config.body !== undefined && !hasContentType
      ? { 'content-type': isJson ? 'application/json' : 'text/plain; charset=utf-8' }
      : {}),
  }
  return (question) => {
    const inJson = JSON.stringify(question).slice(1, -1)
    const values = { question: isJson ? inJson : question }
    const headers = { ...baseHeaders }
    for (const [name, value] of Object.entries(config.headers))
      headers[name] = resolvePlaceholders(value, { question: question.replace(/[\r\n]/g, ' ') })
    return {
      method: config.method,
      path: config.path,
      headers,
      body: resolvePlaceholders(bodyTemplate, values),
    }
  }
}
