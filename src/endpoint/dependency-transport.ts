// How the endpoint's dependency client reaches a dependency. Two implementations:
// - `pooled`: undici's Pool, one keep-alive connection pool per dependency, against base URLs
//   from configuration (the mock servers on loopback, or real providers). This is the
//   production client: on the project machine it costs ~70 µs of CPU a call against ~400 µs for
//   Node 20's global fetch (shared/notes, "what one mocked call costs").
// - `fetch`: the global fetch against the providers' own hosts, answered by msw's setupServer in
//   this process (mocks.transport: in-process), which intercepts fetch but not undici's sockets.
import { Pool } from 'undici'
import { type DependencyBaseUrls, dependencyUrl } from '../contract/dependency-api.ts'
import type { DependencyName } from '../scenario/schema.ts'

export type DependencyResponse = {
  status: number
  header(name: string): string | undefined
  // The whole body; it must be read for a pooled connection to be reused.
  text(): Promise<string>
  // After the body has been read: an HTTP trailer (undefined where the transport has none).
  trailer(name: string): string | undefined
  // The body as it arrives, instead of text(): for a streamed (SSE) answer.
  body(): AsyncIterable<Uint8Array>
}

export type DependencyTransport = {
  readonly kind: 'pooled' | 'fetch'
  urlOf(dependency: DependencyName, path: string): URL
  post(
    dependency: DependencyName,
    path: string,
    headers: Record<string, string>,
    payload: string,
    signal: AbortSignal,
  ): Promise<DependencyResponse>
  close(): Promise<void>
}

export function createPooledTransport(baseUrls: DependencyBaseUrls): DependencyTransport {
  const pools = new Map<DependencyName, { pool: Pool; basePath: string }>()
  const poolOf = (dependency: DependencyName) => {
    let entry = pools.get(dependency)
    if (!entry) {
      const base = new URL(baseUrls[dependency])
      // Unbounded connections, as a service's default agent has: a bounded pool would queue
      // requests and add waiting the scenario did not declare.
      entry = {
        pool: new Pool(base.origin, { keepAliveTimeout: 30_000 }),
        basePath: base.pathname.replace(/\/$/, ''),
      }
      pools.set(dependency, entry)
    }
    return entry
  }
  return {
    kind: 'pooled',
    urlOf: cachedUrls(baseUrls),
    async post(dependency, path, headers, payload, signal) {
      const { pool, basePath } = poolOf(dependency)
      const response = await pool.request({
        method: 'POST',
        path: basePath + path,
        headers,
        body: payload,
        signal,
      })
      return {
        status: response.statusCode,
        header: (name) => single(response.headers[name]),
        text: () => response.body.text(),
        trailer: (name) => single(response.trailers[name]),
        body: () => response.body,
      }
    },
    async close() {
      await Promise.all([...pools.values()].map(({ pool }) => pool.close()))
      pools.clear()
    },
  }
}

export function createFetchTransport(baseUrls: DependencyBaseUrls): DependencyTransport {
  const urlOf = cachedUrls(baseUrls)
  return {
    kind: 'fetch',
    urlOf,
    async post(dependency, path, headers, payload, signal) {
      const response = await fetch(urlOf(dependency, path), {
        method: 'POST',
        headers,
        body: payload,
        signal,
      })
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        text: () => response.text(),
        trailer: () => undefined,
        body: () => response.body ?? emptyBody(),
      }
    },
    async close() {},
  }
}

// A call's URL is parsed once per dependency and path (a handful per run), not once per call:
// the span attributes read it on the request path.
function cachedUrls(baseUrls: DependencyBaseUrls): (dependency: DependencyName, path: string) => URL {
  const urls = new Map<string, URL>()
  return (dependency, path) => {
    const key = `${dependency} ${path}`
    let url = urls.get(key)
    if (!url) {
      url = dependencyUrl(baseUrls, dependency, path)
      urls.set(key, url)
    }
    return url
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
