// A streamed chat completion in OpenAI's chunk format (`data: {"choices":[{"delta":{…}}]}` …
// `data: [DONE]`), timed by the drawn token timeline: the role chunk at once, then each content
// chunk when its last token is generated (token 1 at the TTFT, token i + 1 one drawn gap after
// token i), `tokens_per_chunk` tokens per chunk, then the finish chunk, the usage chunk when
// stream_options.include_usage is set, and [DONE]. Times count from the request's receipt and are
// waited precisely (../precise-wait.ts); the wait ends early, and the stream stops, if the caller
// goes away. Connection faults: `stall` pauses the stream once after `after_tokens` tokens,
// `reset` destroys the connection and `truncate` ends the body normally, both after half the
// content chunks, without the finish chunk, usage or [DONE].
import { MOCK_DELAY_HEADER } from '../contract/dependency-api.ts'
import { preciseTimer } from '../precise-wait.ts'
import { encodeSseEvent, SSE_DONE } from '../sse.ts'
import type { ConnectionFault } from './connection-faults.ts'
import type { TokenTimeline } from './latency-model.ts'
import type { MockStreamReply } from './mock-handler.ts'

export type ChatStreamInput = {
  id: string
  model: string
  content: string // the whole answer; token i is its characters [4i, 4i + 4)
  promptTokens: number
  timeline: TokenTimeline
  tokensPerChunk: number
  includeUsage: boolean
  receivedAtMs: number
  signal: AbortSignal
  fault: ConnectionFault | undefined
  headers: Record<string, string>
}

// When each token is generated, in ms from receipt: the first at the TTFT, then one gap apart.
export function tokenTimesMs(timeline: TokenTimeline): Float64Array {
  const times = new Float64Array(timeline.outputTokens)
  let at = timeline.ttftMs
  for (let i = 0; i < times.length; i++) {
    times[i] = at
    at += timeline.gapsMs[i]!
  }
  return times
}

export function chatStreamReply(input: ChatStreamInput): MockStreamReply {
  const times = tokenTimesMs(input.timeline)
  const lastMs = times.length > 0 ? times[times.length - 1]! : input.timeline.ttftMs
  return {
    status: 200,
    headers: {
      ...input.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // The drawn time to the last token: what the mock fidelity check compares the span with.
      [MOCK_DELAY_HEADER]: lastMs.toFixed(3),
    },
    chunks: chatChunks(input, times),
    ending: input.fault?.kind === 'reset' ? 'reset' : 'end',
  }
}

async function* chatChunks(input: ChatStreamInput, times: Float64Array): AsyncGenerator<string> {
  const { id, model, tokensPerChunk, fault, signal } = input
  const n = times.length
  const chunk = (delta: Record<string, string>, finish: string | null) =>
    encodeSseEvent({
      data: JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    })
  yield chunk({ role: 'assistant', content: '' }, null)
  const chunks = Math.ceil(n / tokensPerChunk)
  // reset and truncate cut the stream after half its content chunks (at least one is sent).
  const cutAfter =
    fault?.kind === 'reset' || fault?.kind === 'truncate' ? Math.max(1, Math.floor(chunks / 2)) : chunks
  let stalledMs = 0
  let sentTokens = 0
  const timer = preciseTimer()
  for (let c = 0; c < Math.min(chunks, cutAfter); c++) {
    const last = Math.min(n, (c + 1) * tokensPerChunk)
    if (fault?.kind === 'stall' && stalledMs === 0 && sentTokens >= fault.afterTokens) stalledMs = fault.forMs
    if (!(await timer.waitUntil(input.receivedAtMs + times[last - 1]! + stalledMs, signal))) return
    yield chunk({ content: input.content.slice(sentTokens * 4, last * 4) }, null)
    sentTokens = last
  }
  if (cutAfter < chunks) return
  yield chunk({}, 'stop')
  if (input.includeUsage) {
    yield encodeSseEvent({
      data: JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        model,
        choices: [],
        usage: {
          prompt_tokens: input.promptTokens,
          completion_tokens: n,
          total_tokens: input.promptTokens + n,
        },
      }),
    })
  }
  yield encodeSseEvent({ data: SSE_DONE })
}
