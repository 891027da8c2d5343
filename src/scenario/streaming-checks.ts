// Cross-field checks of a scenario's streaming settings, run once by the schema's superRefine so
// that each problem is reported with its key (and line) like every other validation error.
import type { z } from 'zod'
import type { Budget } from '../budget/parse-budget.ts'
import type { DependencyName, FailureMode, LatencyModel, TokenLatencyModel } from './schema.ts'

type StreamingView = {
  requests: readonly { stream?: true }[]
  dependencies: Record<DependencyName, { latency: LatencyModel | TokenLatencyModel; failures: FailureMode[] }>
  pipeline: { deadlineMs: number }
  budgets: readonly Budget[]
}

const CLIENT_STREAM_TARGETS = new Set(['ttft', 'itl', 'tpot', 'goodput'])

export function checkStreaming(value: StreamingView, ctx: z.RefinementCtx): void {
  const streamed = value.requests.findIndex((request) => request.stream === true)
  if (streamed >= 0 && value.dependencies.llm.latency.kind !== 'tokens') {
    ctx.addIssue({
      code: 'custom',
      path: ['requests', streamed, 'stream'],
      message:
        'expected dependencies.llm.latency to be a tokens model ({ tokens: { ttft, per_token, output_tokens } }) for a streamed request: only it says when each token comes',
    })
  }
  for (const [name, dependency] of Object.entries(value.dependencies)) {
    dependency.failures.forEach((failure, index) => {
      // A stall that outlasts the whole request can only end in the deadline: say so now
      // rather than run a scenario whose every stalled request hangs until it.
      if (failure.kind === 'stall' && failure.forMs > value.pipeline.deadlineMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['dependencies', name, 'failures', index, 'stall', 'for'],
          message: `expected a stall no longer than the request deadline (pipeline.timeout, ${value.pipeline.deadlineMs} ms), got ${failure.forMs} ms`,
        })
      }
    })
  }
  if (streamed >= 0) return
  const streamBudget = value.budgets.find((budget) => CLIENT_STREAM_TARGETS.has(budget.target.split('{')[0]!))
  if (streamBudget) {
    ctx.addIssue({
      code: 'custom',
      path: ['budgets', streamBudget.source.split('.')[0]!],
      message: 'expected at least one request with stream: true for a ttft, itl, tpot or goodput budget',
    })
  }
}
