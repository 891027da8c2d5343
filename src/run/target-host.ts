// The harness side of the target process (target-process.ts): fork it with the scenario and the
// mock servers' base URLs; it starts the team's service and the OTLP receiver and answers like
// the endpoint's process, so the run drives either the same way.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DependencyBaseUrls } from '../contract/dependency-api.ts'
import type { Scenario } from '../scenario/schema.ts'
import { forkChild } from './child-host.ts'
import type { EndpointHost } from './endpoint-host.ts'
import type { FromEndpoint, ToEndpoint } from './endpoint-protocol.ts'

const ENTRY = fileURLToPath(new URL('./target-process.ts', import.meta.url))

export type TargetHost = EndpointHost & {
  baseUrl: string
  servicePid: number | null
  // Resolves with why, when the service exits during the run.
  serviceExited: Promise<string>
}

export async function startTargetProcess(
  scenario: Scenario,
  options: { baseUrls: DependencyBaseUrls; scenarioFile: string | null; logFile: string },
): Promise<TargetHost> {
  const child = forkChild<ToEndpoint, FromEndpoint>(ENTRY, 'the target process')
  const serviceExited = new Promise<string>((resolve) => {
    child.onMessage((message) => {
      if (message.type === 'service-exited') resolve(message.reason)
    })
  })
  const target = scenario.target!
  try {
    const ready = await child.request(
      {
        type: 'start-target',
        scenario,
        baseUrls: options.baseUrls,
        scenarioDir: options.scenarioFile ? path.dirname(options.scenarioFile) : process.cwd(),
        logFile: options.logFile,
      },
      'ready',
      // The service's own ready timeout, plus the time to fork this process.
      target.readyTimeoutMs + 30_000,
    )
    return {
      ...child,
      port: ready.port,
      pid: ready.pid,
      baseUrl: ready.baseUrl ?? '',
      servicePid: ready.servicePid ?? null,
      serviceExited,
    }
  } catch (error) {
    await child.stop()
    throw error
  }
}
