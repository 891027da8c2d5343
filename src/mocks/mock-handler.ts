// A plain msw handler (`http.post(path, resolver)` in every respect: setupServer, getResponse and
// msw's own tooling accept it) that a mock server can also answer on a fast path: match method
// and path once per route, call the resolver. msw's general path (`getResponse`: handler
// iteration, request cloning, cookie parsing) costs ~210 µs a call on the project machine against
// ~70 µs for the resolver alone; a load harness needs neither the cloning nor the cookies.
import { HttpHandler, type HttpResponseResolver, type PathParams } from 'msw'

// When the mock server received each request (performance.now() in that process), so that a
// handler can hold it for its drawn latency counted from receipt, as a real server's latency is.
const receivedAt = new WeakMap<Request, number>()

export function markReceived(request: Request, atMs: number): void {
  receivedAt.set(request, atMs)
}

export function receivedAtMs(request: Request): number | undefined {
  return receivedAt.get(request)
}

export type ResolveInfo = { request: Request; params: PathParams; requestId: string }

export class MockHandler extends HttpHandler {
  readonly method = 'POST'
  readonly path: string

  constructor(path: string, resolver: HttpResponseResolver) {
    super('POST', path, resolver)
    this.path = path
  }

  // The resolver's return as msw would get it; cleanup callbacks registered with `finalize`
  // run when `settled` is called (after the response is written or the caller left).
  async resolve(info: ResolveInfo): Promise<{ response: unknown; settled(): void }> {
    const cleanups: (() => void)[] = []
    const response = await this.resolver({
      ...info,
      cookies: {},
      finalize: (cleanup: () => void) => void cleanups.push(cleanup),
    })
    return {
      response,
      settled: () => {
        for (const cleanup of cleanups) cleanup()
      },
    }
  }
}

export function mockPost(path: string, resolver: HttpResponseResolver): MockHandler {
  return new MockHandler(path, resolver)
}
