// Span names from the design source (../shared/seed/opentelemetry-tracing-guide.md, "Visual
// Example" and "RAG Pipeline Tracing"). Budgets, the collector and the report all key on these.
export const SPAN = {
  server: 'POST /ask',
  authentication: 'authentication',
  rateLimiting: 'rate_limiting',
  pipeline: 'rag_pipeline',
  embedding: 'embedding_generation',
  cacheCheck: 'cache_check',
  vectorSearch: 'vector_search',
  rerank: 'rerank',
  llm: 'llm_generation',
} as const

// The stages whose statistics every report carries, in pipeline order.
export const STAGE_SPAN_NAMES: readonly string[] = [
  SPAN.server,
  SPAN.authentication,
  SPAN.rateLimiting,
  SPAN.pipeline,
  SPAN.embedding,
  SPAN.cacheCheck,
  SPAN.vectorSearch,
  SPAN.rerank,
  SPAN.llm,
]

// Streamed answers (issue 13): the span event on llm_generation when the first content token
// arrives, and the stage figure the collector derives from it (llm_generation's start to that
// event: the provider's time to first token as the endpoint sees it, beside the pipeline's
// time before the LLM).
export const FIRST_TOKEN_EVENT = 'gen_ai.first_token'
export const SERVER_TTFT_STAGE = `${SPAN.llm}.time_to_first_token`
