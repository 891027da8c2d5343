// The harness side of the endpoint's child process: fork it, hand it the validated scenario (and
// where its dependencies are), and talk to it over IPC.
import { fileURLToPath } from 'node:url'
import type { DependencyBaseUrls } from '../contract/dependency-api.ts'
import type { Scenario } from '../scenario/schema.ts'
import { type ChildHost, forkChild } from './child-host.ts'
import type { EndpointMode, FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'

const ENTRY = fileURLToPath(new URL('./endpoint-process.ts', import.meta.url))

export type EndpointHost = ChildHost<ToEndpoint, FromEndpoint> & { port: number }

export async function startEndpointProcess(
  scenario: Scenario,
  options: { consoleSpans?: boolean; mode?: EndpointMode; baseUrls?: DependencyBaseUrls } = {},
): Promise<EndpointHost> {
  const child = forkChild<ToEndpoint, FromEndpoint>(ENTRY, 'the endpoint process')
  try {
    const ready = await child.request(
      {
        type: 'start',
        scenario,
        mode: options.mode ?? 'run',
        ...(options.consoleSpans ? { consoleSpans: true } : {}),
        ...(options.baseUrls ? { baseUrls: options.baseUrls } : {}),
      },
      'ready',
      30_000,
    )
    return { ...child, port: ready.port, pid: ready.pid }
  } catch (error) {
    await child.stop()
    throw error
  }
}
