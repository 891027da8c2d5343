import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEPENDENCY_URLS } from '../../../src/contract/dependency-api.ts'
import { createDependencyMocks } from '../../../src/mocks/handlers.ts'
import { type MockListener, serveHandlers } from '../../../src/mocks/mock-http-server.ts'
import { dependencies, type ScenarioInput } from '../../../src/scenario/schema.ts'
import { createSseDecoder, type SseEvent } from '../../../src/sse.ts'

type DepsInput = NonNullable<ScenarioInput['dependencies']>
const ZERO = { latency: { fixed: '0ms' } }
const TOKENS = (extra: object = {}) => ({
  latency: { tokens: { ttft: { fixed: '60ms' }, per_token: '5ms', output_tokens: { min: 8, max: 8 } } },
  ...extra,
})

const msw = setupServer()
beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }))
afterAll(() => msw.close())
let listener: MockListener | undefined
afterEach(async () => {
  await listener?.close()
  listener = undefined
})

type Transport = 'http' | 'in-process'

async function llmUrl(transport: Transport, llm: DepsInput['llm']): Promise<string> {
  const deps = dependencies.parse({ auth: ZERO, embedding: ZERO, vector_store: ZERO, reranker: ZERO, llm })
  const mocks = createDependencyMocks(deps, { seed: 1, apiKeys: new Map() })
  if (transport === 'in-process') {
    msw.resetHandlers(mocks.handlers.llm)
    return DEPENDENCY_URLS.llm
  }
  listener = await serveHandlers([mocks.handlers.llm])
  return `${listener.origin}${new URL(DEPENDENCY_URLS.llm).pathname}`
}

type Received = {
  events: { atMs: number; event: SseEvent }[]
  headers: Headers
  error?: unknown
  status: number
}

async function streamChat(url: string, includeUsage = true): Promise<Received> {
  const startMs = performance.now()
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    }),
  })
  const events: Received['events'] = []
  const decoder = createSseDecoder((event) => events.push({ atMs: performance.now() - startMs, event }))
  try {
    for await (const chunk of response.body!) decoder.push(chunk)
    decoder.end()
  } catch (error) {
    return { events, headers: response.headers, error, status: response.status }
  }
  return { events, headers: response.headers, status: response.status }
}

const contentOf = (r: Received) =>
  r.events
    .filter((e) => e.event.data !== '[DONE]')
    .map((e) => JSON.parse(e.event.data).choices[0]?.delta?.content)
    .filter((c): c is string => typeof c === 'string' && c.length > 0)

describe.each<Transport>(['http', 'in-process'])('the streamed LLM mock (%s)', (transport) => {
  it('streams OpenAI chunks after the drawn TTFT, one gap apart, then usage and [DONE]', async () => {
    const received = await streamChat(await llmUrl(transport, TOKENS()))
    expect(received.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const content = contentOf(received)
    expect(content).toHaveLength(8)
    expect(content.every((c) => c.length === 4)).toBe(true)
    const contentTimes = received.events.filter((e) => contentOf({ ...received, events: [e] }).length > 0)
    // Lower bounds only (timing under a shared CPU): first token ≥ TTFT, 7 gaps of ≥ 5 ms.
    expect(contentTimes[0]!.atMs).toBeGreaterThanOrEqual(60)
    expect(contentTimes[7]!.atMs).toBeGreaterThanOrEqual(60 + 7 * 5)
    const datas = received.events.map((e) => e.event.data)
    expect(datas.at(-1)).toBe('[DONE]')
    expect(JSON.parse(datas.at(-2)!).usage).toMatchObject({ completion_tokens: 8 })
    expect(JSON.parse(datas[0]!).choices[0].delta).toEqual({ role: 'assistant', content: '' })
  })

  it('groups tokens_per_chunk tokens into one event and leaves usage out unless asked', async () => {
    const received = await streamChat(await llmUrl(transport, TOKENS({ tokens_per_chunk: 3 })), false)
    expect(contentOf(received).map((c) => c.length)).toEqual([12, 12, 8])
    expect(received.events.some((e) => e.event.data.includes('"usage"'))).toBe(false)
  })

  it('resets the connection mid-stream: some content, then a failed read and no [DONE]', async () => {
    const received = await streamChat(
      await llmUrl(transport, TOKENS({ failures: [{ reset: true, probability: 1 }] })),
    )
    expect(received.error).toBeDefined()
    expect(contentOf(received)).toHaveLength(4)
    expect(received.events.some((e) => e.event.data === '[DONE]')).toBe(false)
  })

  it('truncates: the body ends cleanly after half the content, without [DONE]', async () => {
    const received = await streamChat(
      await llmUrl(transport, TOKENS({ failures: [{ truncate: true, probability: 1 }] })),
    )
    expect(received.error).toBeUndefined()
    expect(contentOf(received)).toHaveLength(4)
    expect(received.events.some((e) => e.event.data === '[DONE]')).toBe(false)
  })

  it('stalls after after_tokens tokens for the given time, then finishes', async () => {
    const received = await streamChat(
      await llmUrl(
        transport,
        TOKENS({ failures: [{ stall: { after_tokens: 2, for: '150ms' }, probability: 1 }] }),
      ),
    )
    const times = received.events
      .filter((e) => contentOf({ ...received, events: [e] }).length > 0)
      .map((e) => e.atMs)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(150)
    expect(received.events.at(-1)!.event.data).toBe('[DONE]')
  })

  it('sends the provider rate-limit headers, and 429 with retry-after and retry-after-ms', async () => {
    const url = await llmUrl(
      transport,
      TOKENS({ rate_limit: { rps: 1, burst: 1, retry_after: '1500ms', tokens_per_minute: 600 } }),
    )
    const first = await streamChat(url)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('1')
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/)
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('600')
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(600)
    const second = await streamChat(url)
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toBe('2')
    expect(Number(second.headers.get('retry-after-ms'))).toBeGreaterThanOrEqual(1500)
  })
})
