// Starts msw in this process: the endpoint's `fetch` calls to its dependencies are answered by
// the handlers. msw intercepts fetch, http.request and XMLHttpRequest; autocannon writes raw
// sockets and is not intercepted. One mock server per process (msw patches globals).
import type { HttpHandler } from 'msw'
import { setupServer } from 'msw/node'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export function startMockServer(handlers: HttpHandler[]): { close(): void } {
  const server = setupServer(...handlers)
  server.listen({
    // A request to any other host is a bug (a dependency URL the mocks do not serve): fail it
    // loudly rather than let it reach the network. Loopback passes through, because the harness's
    // own clients (in-process drivers, tests) call the real endpoint on localhost.
    onUnhandledRequest(request, print) {
      if (!LOOPBACK_HOSTS.has(new URL(request.url).hostname)) print.error()
    },
  })
  return { close: () => server.close() }
}
