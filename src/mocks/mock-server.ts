// Starts msw in this process (mocks.transport: in-process): the endpoint's `fetch` calls to its
// dependencies are answered by the handlers. msw intercepts fetch, http.request and
// XMLHttpRequest; autocannon writes raw sockets and is not intercepted. One mock server per
// process (msw patches globals).
import { type HttpHandler, HttpResponse, http, passthrough } from 'msw'
import { setupServer } from 'msw/node'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

// Mocks are strict: a request to any other host is a bug (a dependency URL the mocks do not
// serve) and fails as a network error instead of reaching the network. A last catch-all handler
// does it, because msw 2.15 lets a request through after `print.error()` in a custom
// onUnhandledRequest callback (pinned in test/unit/mocks/mock-server.test.ts). Loopback passes
// through: the harness's own clients (tests) call the real endpoint on localhost.
const strict = http.all('*', ({ request }) => {
  if (LOOPBACK_HOSTS.has(new URL(request.url).hostname)) return passthrough()
  console.error(
    `Failed to reach ${request.method} ${request.url}: no mock serves it, and mocks never pass through to the network. Check the dependency's URL.`,
  )
  return HttpResponse.error()
})

export function startMockServer(handlers: HttpHandler[]): { close(): void } {
  const server = setupServer(...handlers, strict)
  server.listen({ onUnhandledRequest: 'bypass' })
  return { close: () => server.close() }
}
