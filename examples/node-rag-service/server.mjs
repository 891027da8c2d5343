// A small RAG service written the way a team writes one: the openai client for embeddings and
// chat, fetch for a Qdrant-style vector store and a Cohere-style reranker, and a span per stage.
// It knows nothing about the harness: its dependencies and its exporter come from the environment.
import http from 'node:http'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import OpenAI from 'openai'

const env = (name, fallback) => process.env[name] ?? fallback
const PORT = Number(env('PORT', '8080'))
const QDRANT_URL = env('QDRANT_URL', 'http://127.0.0.1:6333')
const COHERE_BASE_URL = env('COHERE_BASE_URL', 'https://api.cohere.com/v1')
const COLLECTION = env('QDRANT_COLLECTION', 'documents')
const TENANT = env('TENANT_ID', 'acme')

// maxRetries 0: a failed call fails the request (the harness measures what the service does).
const llm = new OpenAI({
  baseURL: env('OPENAI_BASE_URL', undefined),
  apiKey: env('OPENAI_API_KEY', 'unused'),
  maxRetries: 0,
})
const embeddings = new OpenAI({
  baseURL: env('EMBEDDINGS_BASE_URL', env('OPENAI_BASE_URL', undefined)),
  apiKey: env('OPENAI_API_KEY', 'unused'),
  maxRetries: 0,
})
const tracer = trace.getTracer('node-rag-service')

// One span per pipeline stage, failing with the error that ended it.
function stage(name, fn) {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span)
    } catch (error) {
      span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error?.message ?? error) })
      throw error
    } finally {
      span.end()
    }
  })
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  return response.json()
}

async function answer(query) {
  return stage('rag_pipeline', async () => {
    const vector = await stage('embedding_generation', async () => {
      const result = await embeddings.embeddings.create({
        model: 'text-embedding-3-small',
        input: query,
        encoding_format: 'float',
      })
      return result.data[0].embedding
    })
    const hits = await stage('vector_search', async (span) => {
      const result = await postJson(`${QDRANT_URL}/collections/${COLLECTION}/points/search`, {
        vector,
        limit: 8,
        with_payload: true,
        filter: { must: [{ key: 'tenant_id', match: { value: TENANT } }] },
      })
      span.setAttribute('retrieval.documents', result.result.length)
      return result.result
    })
    const documents = hits.map((hit) => hit.payload.text)
    const top = await stage('rerank', async () => {
      const result = await postJson(`${COHERE_BASE_URL}/rerank`, {
        model: 'rerank-english-v3.0',
        query,
        documents,
        top_n: 3,
      })
      return result.results.map((r) => documents[r.index])
    })
    return stage('llm_generation', async (span) => {
      const completion = await llm.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: `Answer from these documents:\n${top.join('\n')}` },
          { role: 'user', content: query },
        ],
      })
      span.setAttribute('gen_ai.usage.output_tokens', completion.usage?.completion_tokens ?? 0)
      return completion.choices[0].message.content
    })
  })
}

function readJson(request) {
  return new Promise((resolve, reject) => {
    let text = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      try {
        resolve(JSON.parse(text || '{}'))
      } catch (error) {
        reject(error)
      }
    })
    request.on('error', reject)
  })
}

const server = http.createServer(async (request, response) => {
  const send = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body))
  }
  if (request.method === 'GET' && request.url === '/healthz') return send(200, { ok: true })
  if (request.method !== 'POST' || request.url !== '/chat') return send(404, { error: 'not found' })
  // A plain node:http server has no router to name the route: say it, so the server span reads
  // "POST /chat" rather than "POST" like every outgoing call.
  trace.getActiveSpan()?.updateName('POST /chat').setAttribute('http.route', '/chat')
  try {
    const { query } = await readJson(request)
    if (typeof query !== 'string' || query === '') return send(400, { error: 'expected { query: string }' })
    send(200, { answer: await answer(query) })
  } catch (error) {
    console.error(`POST /chat failed: ${error?.stack ?? error}`)
    send(502, { error: String(error?.message ?? error) })
  }
})
server.listen(PORT, '127.0.0.1', () => console.log(`node-rag-service listening on http://127.0.0.1:${PORT}`))
