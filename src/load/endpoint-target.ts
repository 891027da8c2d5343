// The endpoint URL both drivers aim at, and the error both give when nothing answers there.

export type EndpointTarget = {
  protocol: 'http:' | 'https:'
  hostname: string
  port: string
  // scheme://host:port
  origin: string
  // path and query, e.g. /ask
  path: string
}

export function parseEndpointUrl(url: string): EndpointTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new Error(
      `Failed to start the load: ${JSON.stringify(url)} is not a URL. Give one like http://127.0.0.1:8080/ask.`,
      { cause: error },
    )
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(
      `Failed to start the load: ${url} is not an http(s) URL. Give one like http://127.0.0.1:8080/ask.`,
    )
  }
  return {
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: parsed.port,
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
  }
}

// Give up when nothing has been answered and either this many attempts were refused or errors
// have persisted this long: a refused target otherwise makes a hot loop of errors (autocannon
// reconnects with no backoff) or a whole run of them (the open model keeps its schedule).
export const UNREACHABLE_MIN_REFUSALS = 50
export const UNREACHABLE_AFTER_MS = 1000

export type UnreachableWatch = {
  // Call for each connection-level failure (not timeouts); true when the target is unreachable.
  failed(error: NodeJS.ErrnoException | undefined, nowMs: number, completed: number): boolean
  error(url: string): Error
}

export function createUnreachableWatch(minRefusals: number = UNREACHABLE_MIN_REFUSALS): UnreachableWatch {
  let refusals = 0
  let attempts = 0
  let firstAtMs = -1
  let cause: NodeJS.ErrnoException | undefined
  return {
    failed(error, nowMs, completed): boolean {
      if (completed > 0) return false
      attempts += 1
      cause ??= error
      if (firstAtMs < 0) firstAtMs = nowMs
      if (error?.code === 'ECONNREFUSED') refusals += 1
      return refusals >= minRefusals || nowMs - firstAtMs >= UNREACHABLE_AFTER_MS
    },
    error(url): Error {
      const code = cause?.code
      const why =
        code === 'ECONNREFUSED'
          ? `connection refused (${refusals} attempts, none answered)`
          : `${code ?? cause?.message ?? 'connection error'} on every attempt (${attempts} attempts, none answered)`
      return new Error(
        `Failed to reach the endpoint at ${url}: ${why}. Start the endpoint (or check its host and port) and run again.`,
        { cause },
      )
    },
  }
}
