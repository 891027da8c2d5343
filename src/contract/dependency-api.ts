// The wire contract between the RAG endpoint and the services it calls. The msw mocks in
// src/mocks serve exactly these shapes at exactly these URLs, so the endpoint code is the same
// code that would call the real providers (OpenAI-compatible, Qdrant-style, Cohere-style).

// The five mocked services of a RAG pipeline, by the name scenarios and reports use.
export const DEPENDENCY_NAMES = ['auth', 'embedding', 'vector_store', 'reranker', 'llm'] as const
export type DependencyName = (typeof DEPENDENCY_NAMES)[number]

//
// Each dependency is reached through a base URL, the way real services are configured
// (`OPENAI_BASE_URL=https://api.openai.com/v1`), plus the API's path under it. The defaults are
// the providers' own hosts: with `mocks.transport: in-process` msw intercepts calls to them;
// with `http` the base URLs point at the mock servers on loopback.
export type DependencyBaseUrls = Record<DependencyName, string>

export const DEFAULT_BASE_URLS: DependencyBaseUrls = {
  auth: 'https://auth.rag.internal/v1',
  embedding: 'https://api.openai.com/v1',
  vector_store: 'http://qdrant.rag.internal:6333',
  reranker: 'https://api.cohere.com/v1',
  llm: 'https://api.openai.com/v1',
}

export const DEPENDENCY_PATHS = {
  auth: '/introspect',
  embedding: '/embeddings',
  // Qdrant: POST /collections/{collection}/points/search
  vector_store: '/collections/{collection}/points/search',
  reranker: '/rerank',
  llm: '/chat/completions',
} as const satisfies Record<DependencyName, string>

// The full default URLs: what the msw handlers match (in-process interception and mock servers).
export const DEPENDENCY_URLS = {
  auth: DEFAULT_BASE_URLS.auth + DEPENDENCY_PATHS.auth,
  embedding: DEFAULT_BASE_URLS.embedding + DEPENDENCY_PATHS.embedding,
  vector_store: DEFAULT_BASE_URLS.vector_store + DEPENDENCY_PATHS.vector_store,
  reranker: DEFAULT_BASE_URLS.reranker + DEPENDENCY_PATHS.reranker,
  llm: DEFAULT_BASE_URLS.llm + DEPENDENCY_PATHS.llm,
} as const satisfies Record<DependencyName, string>

export function vectorSearchPath(collection: string): string {
  return DEPENDENCY_PATHS.vector_store.replace('{collection}', encodeURIComponent(collection))
}

export function vectorSearchUrl(collection: string): string {
  return DEFAULT_BASE_URLS.vector_store + vectorSearchPath(collection)
}

// Where a call to `path` goes: the dependency's base URL (without a trailing slash) + the path.
export function dependencyUrl(baseUrls: DependencyBaseUrls, name: DependencyName, path: string): URL {
  return new URL(baseUrls[name].replace(/\/$/, '') + path)
}

// A base URL for a mock server listening at `origin`: the same path prefix as the provider's.
export function mockBaseUrl(name: DependencyName, origin: string): string {
  return origin + new URL(DEFAULT_BASE_URLS[name]).pathname.replace(/\/$/, '')
}

// POST auth: RFC 7662-style token introspection.
export type IntrospectRequest = { token: string }
export type IntrospectResponse = { active: true; tenant_id: string } | { active: false }

// POST embeddings (OpenAI-compatible).
export type EmbeddingsRequest = { model: string; input: string }
export type EmbeddingsResponse = {
  object: 'list'
  data: { object: 'embedding'; index: number; embedding: number[] }[]
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

// POST vector search (Qdrant-style). The filter restricts results to one tenant's documents.
export type VectorSearchRequest = {
  vector: number[]
  limit: number
  with_payload: boolean
  filter: { must: [{ key: 'tenant_id'; match: { value: string } }] }
}
export type VectorSearchResponse = {
  result: { id: string; score: number; payload: { tenant_id: string; text: string } }[]
  status: 'ok'
  time: number
}

// POST rerank (Cohere-style).
export type RerankRequest = { model: string; query: string; documents: string[]; top_n: number }
export type RerankResponse = { id: string; results: { index: number; relevance_score: number }[] }

// POST chat completions (OpenAI-compatible).
export type ChatRequest = { model: string; messages: { role: 'system' | 'user'; content: string }[] }
export type ChatResponse = {
  id: string
  object: 'chat.completion'
  model: string
  choices: { index: 0; message: { role: 'assistant'; content: string }; finish_reason: 'stop' }[]
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

// Provider error bodies (OpenAI style), also used for 429s from the provider's rate limit.
export type ProviderError = { error: { message: string; type: string; code?: string } }

// Token count as providers approximate it for English text: about four characters a token.
export function approximateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

// Set by the mocks on every successful response: the latency they drew for it. The harness
// compares it with the client span's duration (mock fidelity); real providers never send it.
export const MOCK_DELAY_HEADER = 'x-mock-delay-ms'
// The span attribute the endpoint's dependency client records it under. Duration minus this is
// the harness's own error on that call.
export const MOCK_DELAY_ATTRIBUTE = 'harness.mock_delay_ms'
// Set by the mocks beside it: how long the mock really held the request (receipt to last byte
// written, on the mock's clock). held − drawn is the mock's lateness; span − held is the
// transport's and the client's share.
export const MOCK_HELD_HEADER = 'x-mock-held-ms'
export const MOCK_HELD_ATTRIBUTE = 'harness.mock_held_ms'
