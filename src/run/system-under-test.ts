// Everything a run measures, started as separate processes: the mock servers (mocks.transport:
// http) and the endpoint that calls them. The load driver stays in the harness's process, so the
// three compete for CPU like separate machines would, never for one event loop.
import type { Scenario } from '../scenario/schema.ts'
import { type EndpointHost, startEndpointProcess } from './endpoint-host.ts'
import type { EndpointMode } from './endpoint-protocol.ts'
import { type MocksHost, startMocksProcesses } from './mocks-host.ts'
import { startTargetProcess, type TargetHost } from './target-host.ts'

export type SystemUnderTest = {
  endpoint: EndpointHost
  mocks: MocksHost | undefined
  // Resolves with what happened when a process exits that was not asked to.
  crashed: Promise<string>
  arrangement: string
  // A target service (scenario.target): where it answers, and its process when the harness started it.
  target?: { baseUrl: string; servicePid: number | null }
  stop(): Promise<void>
}

export async function startSystemUnderTest(
  scenario: Scenario,
  options: {
    consoleSpans?: boolean
    mode?: EndpointMode
    target?: { scenarioFile: string | null; logFile: string }
  } = {},
): Promise<SystemUnderTest> {
  const mocks = scenario.mocks.transport === 'http' ? await startMocksProcesses(scenario) : undefined
  let endpoint: EndpointHost
  let target: TargetHost | undefined
  try {
    if (scenario.target && mocks && options.target) {
      target = await startTargetProcess(scenario, { baseUrls: mocks.baseUrls, ...options.target })
      endpoint = target
      // Mock fidelity for the service: the mocks' records of its calls, joined there with its spans.
      const receiving = target
      mocks.onCalls((calls) => receiving.post({ type: 'mock-calls', calls }))
    } else {
      endpoint = await startEndpointProcess(scenario, {
        ...options,
        ...(mocks ? { baseUrls: mocks.baseUrls } : {}),
      })
    }
  } catch (error) {
    await mocks?.stop()
    throw error
  }
  const crashOf = (what: string, exited: EndpointHost['exited']) =>
    exited.then((exit) =>
      exit.expected
        ? new Promise<string>(() => undefined)
        : `${what} exited during the run (code ${exit.code}, signal ${exit.signal})`,
    )
  return {
    endpoint,
    mocks,
    ...(target ? { target: { baseUrl: target.baseUrl, servicePid: target.servicePid } } : {}),
    crashed: Promise.race([
      crashOf(target ? 'the target process (OTLP receiver)' : 'the endpoint process', endpoint.exited),
      ...(target
        ? [target.serviceExited.then((reason) => `the target service stopped during the run: ${reason}`)]
        : []),
      ...(mocks ? [crashOf('a mock servers process', mocks.exited)] : []),
    ]),
    arrangement: target
      ? `the target service${target.servicePid === null ? ' (already running)' : ' in a process group of its own'}, exporting its spans over OTLP/HTTP to a receiver in a child process; mocked dependencies as HTTP servers in ${mocks!.pids.length} process(es) of their own; load driver in the harness process`
      : mocks
        ? `endpoint in a child process; mocked dependencies as HTTP servers in ${mocks.pids.length} process(es) of their own, reached through a connection pool (undici); load driver in the harness process`
        : 'endpoint and msw in-process mocks in a child process (own event loop); load driver in the harness process',
    async stop() {
      await endpoint.stop()
      await mocks?.stop()
    },
  }
}
