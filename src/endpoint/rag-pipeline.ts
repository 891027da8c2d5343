// The RAG work under `rag_pipeline`, one span per step with the seed's names and attributes
// ("RAG Pipeline Tracing"), plus the OpenTelemetry GenAI semantic-convention names beside them.
import type { Context, Span, Tracer } from '@opentelemetry/api'
import { LRUCache } from 'lru-cache'
import {
  type ChatRequest,
  type ChatResponse,
  DEPENDENCY_PATHS,
  type EmbeddingsResponse,
  type RerankResponse,
  type VectorSearchRequest,
  type VectorSearchResponse,
  vectorSearchPath,
} from '../contract/dependency-api.ts'
import { SPAN } from '../contract/span-names.ts'
import type { Rng } from '../rng.ts'
import type { Dependencies, DependencyName, PipelineConfig } from '../scenario/schema.ts'
import { type CallContext, callDependency, type DependencyCall } from './dependency-client.ts'
import { DependencyError } from './dependency-error.ts'
import type { DependencyTransport } from './dependency-transport.ts'
import { recordStreamTiming, streamChat, streamedBody } from './llm-stream.ts'
import { spanNow } from './span-time.ts'
import { tracedStage } from './traced-stage.ts'

export type AskRequest = {
  tenantId: string
  question: string
  k: number | undefined
  rerank: boolean | undefined
  stream?: boolean
}
export type AskAnswer = {
  answer: string
  sources: { id: string; score: number }[]
  // Streamed answers only: the provider's token counts (from its usage chunk).
  usage?: { input_tokens: number; output_tokens: number }
}
// Receives a streamed answer's text as it arrives (POST /ask with "stream": true).
export type OnDelta = (text: string) => void

const DEFAULT_TIMEOUT_MS: Record<DependencyName, number> = {
  auth: 2000,
  embedding: 2000,
  vector_store: 2000,
  reranker: 2000,
  llm: 10_000,
}

export type PipelineOptions = {
  dependencies: Dependencies
  pipeline: PipelineConfig
  recordQuestionChars: number
  transport: DependencyTransport
}

export class RagPipeline {
  readonly #cache: LRUCache<string, number[]>
  readonly #options: PipelineOptions
  // Calibration only (the overhead self-check): CPU burnt per request inside rag_pipeline, so the
  // overhead method can be shown to measure a known cost. Zero in every other run.
  #busyLoopUs = 0

  constructor(
    options: PipelineOptions,
    private readonly tracer: Tracer,
    private readonly rng: Rng,
  ) {
    this.#options = options
    this.#cache = new LRUCache({ max: options.pipeline.cache.capacity, ttl: options.pipeline.cache.ttlMs })
  }

  setCalibrationCostUs(microseconds: number): void {
    this.#busyLoopUs = microseconds
  }

  // Overhead trials start from an empty embedding cache, so that every arm of a round, replaying
  // the same questions, does the same work (a warm cache would favour whichever arm ran second).
  clearCache(): void {
    this.#cache.clear()
  }

  dependencyCall(
    dependency: DependencyName,
    path: string,
    body: unknown,
    deadlineAt: number,
  ): DependencyCall {
    return {
      dependency,
      path,
      body,
      timeoutMs: this.#options.pipeline.timeoutMs[dependency] ?? DEFAULT_TIMEOUT_MS[dependency],
      retry: this.#options.pipeline.retries[dependency],
      deadlineAt,
    }
  }

  callContext(ctx: Context): CallContext {
    return { tracer: this.tracer, ctx, rng: this.rng, transport: this.#options.transport }
  }

  async run(parent: Context, request: AskRequest, deadlineAt: number, onDelta?: OnDelta): Promise<AskAnswer> {
    const k = request.k ?? this.#options.pipeline.defaultK
    const attributes: Record<string, string | number> = {
      tenant_id: request.tenantId,
      text_length: request.question.length,
      k,
    }
    if (this.#options.recordQuestionChars > 0) {
      attributes.question = request.question.slice(0, this.#options.recordQuestionChars)
    }
    return tracedStage(this.tracer, SPAN.pipeline, parent, attributes, async (_span, ctx) => {
      if (this.#busyLoopUs > 0) burnCpu(this.#busyLoopUs)
      const embedding = await this.#embed(ctx, request.question, deadlineAt)
      const documents = await this.#search(ctx, request.tenantId, embedding, k, deadlineAt)
      const ranked =
        request.rerank !== false && documents.length >= this.#options.pipeline.rerankMinResults
          ? await this.#rerank(ctx, request.question, documents, deadlineAt)
          : documents
      const sources = ranked.map((d) => ({ id: d.id, score: d.score }))
      if (onDelta) {
        const streamed = await this.#generate(ctx, request.question, ranked, deadlineAt, onDelta)
        return { answer: streamed.content, sources, ...(streamed.usage ? { usage: streamed.usage } : {}) }
      }
      const answer = await this.#generate(ctx, request.question, ranked, deadlineAt)
      return { answer: answer.content, sources }
    })
  }

  #embed(parent: Context, question: string, deadlineAt: number): Promise<number[]> {
    const { model } = this.#options.dependencies.embedding
    const attributes = {
      text_length: question.length,
      model,
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': model,
      'gen_ai.provider.name': 'openai',
    }
    return tracedStage(this.tracer, SPAN.embedding, parent, attributes, async (span, ctx) => {
      const cached = this.#checkCache(ctx, question)
      span.setAttribute('cached', cached !== undefined)
      if (cached) return cached
      const response = await callDependency<EmbeddingsResponse>(
        this.callContext(ctx),
        this.dependencyCall('embedding', DEPENDENCY_PATHS.embedding, { model, input: question }, deadlineAt),
      )
      const embedding = response.data[0]?.embedding
      if (!embedding)
        throw new DependencyError('embedding', 'invalid_response', 'embedding response had no data', {
          attempts: 1,
        })
      span.setAttribute('gen_ai.usage.input_tokens', response.usage.prompt_tokens)
      this.#cache.set(question, embedding)
      return embedding
    })
  }

  #checkCache(parent: Context, question: string): number[] | undefined {
    const span = this.tracer.startSpan(SPAN.cacheCheck, { startTime: spanNow() }, parent)
    const hit = this.#cache.get(question)
    span.setAttribute('cached', hit !== undefined)
    if (hit) span.addEvent('cache_hit', { key: `embedding:${question.length}` }, spanNow())
    span.end(spanNow())
    return hit
  }

  #search(parent: Context, tenantId: string, vector: number[], k: number, deadlineAt: number) {
    const { collection } = this.#options.dependencies.vector_store
    const attributes = {
      tenant_id: tenantId,
      k,
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': collection,
      'gen_ai.request.top_k': k,
    }
    return tracedStage(this.tracer, SPAN.vectorSearch, parent, attributes, async (span, ctx) => {
      span.addEvent('search_started', { k, tenant: tenantId }, spanNow())
      const body: VectorSearchRequest = {
        vector,
        limit: k,
        with_payload: true,
        filter: { must: [{ key: 'tenant_id', match: { value: tenantId } }] },
      }
      const response = await callDependency<VectorSearchResponse>(
        this.callContext(ctx),
        this.dependencyCall('vector_store', vectorSearchPath(collection), body, deadlineAt),
      )
      // Defence in depth: the filter asks the store for this tenant's documents only; a result
      // from another tenant is a store bug and must never reach the answer.
      const foreign = response.result.filter((r) => r.payload.tenant_id !== tenantId)
      if (foreign.length > 0) {
        throw new DependencyError(
          'vector_store',
          'invalid_response',
          `vector store returned ${foreign.length} documents of another tenant`,
          { attempts: 1 },
        )
      }
      const documents = response.result.map((r) => ({ id: r.id, score: r.score, text: r.payload.text }))
      const topScore = documents[0]?.score ?? 0
      span.setAttributes({ results_count: documents.length, top_score: topScore })
      span.addEvent('search_completed', { results_count: documents.length, top_score: topScore }, spanNow())
      return documents
    })
  }

  #rerank(
    parent: Context,
    query: string,
    documents: { id: string; score: number; text: string }[],
    deadlineAt: number,
  ) {
    const { model } = this.#options.dependencies.reranker
    const attributes = {
      model,
      documents_count: documents.length,
      'gen_ai.request.model': model,
      'gen_ai.provider.name': 'cohere',
    }
    return tracedStage(this.tracer, SPAN.rerank, parent, attributes, async (span, ctx) => {
      const response = await callDependency<RerankResponse>(
        this.callContext(ctx),
        this.dependencyCall(
          'reranker',
          DEPENDENCY_PATHS.reranker,
          { model, query, documents: documents.map((d) => d.text), top_n: documents.length },
          deadlineAt,
        ),
      )
      const ranked = response.results
        .filter((r) => r.index >= 0 && r.index < documents.length)
        .map((r) => ({ ...documents[r.index]!, score: r.relevance_score }))
      span.setAttribute('top_score', ranked[0]?.score ?? 0)
      return ranked
    })
  }

  #generate(
    parent: Context,
    question: string,
    documents: { text: string }[],
    deadlineAt: number,
    onDelta?: OnDelta,
  ): Promise<{ content: string; usage?: { input_tokens: number; output_tokens: number } }> {
    const { model } = this.#options.dependencies.llm
    const attributes = {
      model,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.provider.name': 'openai',
    }
    return tracedStage(this.tracer, SPAN.llm, parent, attributes, async (span, ctx) => {
      const startedAtMs = performance.now()
      const body: ChatRequest = {
        model,
        messages: [
          {
            role: 'system',
            content: `Answer from these documents:\n${documents.map((d) => d.text).join('\n')}`,
          },
          { role: 'user', content: question },
        ],
      }
      if (onDelta) {
        const call = this.dependencyCall('llm', DEPENDENCY_PATHS.llm, streamedBody(body), deadlineAt)
        const hooks = { idleTimeoutMs: this.#options.pipeline.streamIdleTimeoutMs, onDelta }
        const streamed = await streamChat(this.callContext(ctx), call, hooks)
        recordStreamTiming(span, streamed, startedAtMs)
        if (streamed.usage)
          setTokenUsage(span, streamed.usage.prompt_tokens, streamed.usage.completion_tokens)
        const usage = streamed.usage
        return {
          content: streamed.content,
          ...(usage
            ? { usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens } }
            : {}),
        }
      }
      const response = await callDependency<ChatResponse>(
        this.callContext(ctx),
        this.dependencyCall('llm', DEPENDENCY_PATHS.llm, body, deadlineAt),
      )
      setTokenUsage(span, response.usage.prompt_tokens, response.usage.completion_tokens)
      return { content: response.choices[0]?.message.content ?? '' }
    })
  }
}

function setTokenUsage(span: Span, promptTokens: number, completionTokens: number): void {
  span.setAttributes({
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    'gen_ai.usage.input_tokens': promptTokens,
    'gen_ai.usage.output_tokens': completionTokens,
  })
}

// Spins until the process has used this much more CPU time (not wall time: a spin on the clock
// would count time the process spent descheduled, and the calibration is checked against CPU).
function burnCpu(microseconds: number): void {
  const start = process.cpuUsage()
  let used = 0
  while (used < microseconds) {
    const now = process.cpuUsage(start)
    used = now.user + now.system
  }
}
