// Errors from calling a dependency, named as the seed's "Error Handling" names them
// (error.type = RateLimitError, ...). `kind` decides the endpoint's response status.
export type DependencyFailureKind =
  | 'rate_limited'
  | 'timeout'
  | 'upstream'
  | 'network'
  | 'invalid_response'
  // Connection-level faults seen mid-response (issue 13): the connection dropped after the
  // headers, a stream went quiet past the idle timeout, the body ended before its end marker.
  | 'reset'
  | 'stalled'
  | 'truncated'

const ERROR_TYPE: Record<DependencyFailureKind, string> = {
  rate_limited: 'RateLimitError',
  timeout: 'TimeoutError',
  upstream: 'UpstreamServerError',
  network: 'NetworkError',
  invalid_response: 'InvalidResponseError',
  reset: 'ConnectionResetError',
  stalled: 'StreamStalledError',
  truncated: 'TruncatedResponseError',
}

// The response the endpoint gives when a dependency fails after its retries:
// throttled → 503 (with Retry-After), timed out → 504, anything else → 502.
const RESPONSE_STATUS: Record<DependencyFailureKind, number> = {
  rate_limited: 503,
  timeout: 504,
  upstream: 502,
  network: 502,
  invalid_response: 502,
  reset: 502,
  stalled: 504,
  truncated: 502,
}

export class DependencyError extends Error {
  override name: string

  constructor(
    readonly dependency: string,
    readonly kind: DependencyFailureKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; attempts: number },
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = ERROR_TYPE[kind]
  }

  get errorType(): string {
    return ERROR_TYPE[this.kind]
  }

  get responseStatus(): number {
    return RESPONSE_STATUS[this.kind]
  }
}

// The whole request ran past pipeline.timeout.
export class DeadlineExceededError extends DependencyError {
  constructor(dependency: string, attempts: number) {
    super(dependency, 'timeout', `Deadline exceeded before ${dependency} answered`, { attempts })
    this.name = 'DeadlineExceededError'
  }
}
