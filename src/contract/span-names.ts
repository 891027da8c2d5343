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
