// target.url: a service someone else started and will stop. The test starts the example service
// itself (with its own mock listeners for the dependencies and a fixed OTLP port for its
// exporter); the harness drives it and receives its spans, and must leave it running.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockListeners, startMockListeners } from '../../src/mocks/mock-listeners.ts'
import { resolveScenario, runScenario } from '../../src/run/run-scenario.ts'
import { freePort } from '../../src/run/target-service.ts'

const reportsDir = mkdtempSync(join(tmpdir(), 'harness-target-url-test-'))

const dependencies = {
  embedding: { latency: { fixed: '20ms' } },
  vector_store: { latency: { fixed: '15ms' } },
  reranker: { latency: { fixed: '30ms' } },
  llm: { latency: { fixed: '80ms' } },
}

function scenario(url: string, otlpPort: number) {
  return {
    name: 'target-url-test',
    seed: 5,
    load: { arrival: { rate: 20, distribution: 'uniform' }, duration: '3s', warmup: '1s' },
    target: { url, otlp_port: otlpPort, ready: { path: '/healthz', timeout: '20s' }, drain: '3s' },
    requests: [{ http: { path: '/chat', body: { query: '{{question}}' } }, questions: { pool: 20 } }],
    dependencies,
    budgets: { llm_generation: { p50: '1s' } },
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

let service: ChildProcess
let mocks: MockListeners
let url: string
let otlpPort: number

beforeAll(async () => {
  const parsed = resolveScenario(scenario('http://127.0.0.1:1', 0)).scenario
  mocks = await startMockListeners(parsed.dependencies, {
    seed: 1,
    apiKeys: new Map(),
    names: ['embedding', 'vector_store', 'reranker', 'llm'],
  })
  const [port, otlp] = [await freePort(), await freePort()]
  otlpPort = otlp
  url = `http://127.0.0.1:${port}`
  service = spawn('node', ['--import', './instrumentation.mjs', 'server.mjs'], {
    cwd: 'examples/node-rag-service',
    env: {
      ...process.env,
      PORT: String(port),
      OPENAI_BASE_URL: mocks.baseUrls.llm,
      EMBEDDINGS_BASE_URL: mocks.baseUrls.embedding,
      QDRANT_URL: mocks.baseUrls.vector_store,
      COHERE_BASE_URL: mocks.baseUrls.reranker,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
    stdio: 'ignore',
  })
}, 60_000)

afterAll(async () => {
  if (service.exitCode === null) {
    const exited = new Promise((resolve) => service.once('exit', resolve))
    service.kill('SIGTERM')
    await exited
  }
  await mocks?.close()
})

describe('target.url (a service already running)', () => {
  it('drives it, receives its spans on the fixed OTLP port, and leaves it running', async () => {
    let reportedPid: number | null | undefined
    const report = await runScenario(scenario(url, otlpPort), {
      reportsDir,
      onTargetStarted: (pid) => (reportedPid = pid),
    })
    expect(reportedPid).toBeNull()
    expect(report.status).toBe('complete')
    expect(report.load.completed).toBeGreaterThan(40)
    expect(report.load.status_codes['200']).toBe(report.load.completed)
    expect(report.stages.llm_generation!.p50_ms).toBeGreaterThanOrEqual(80)
    expect(report.budgets.map((b) => [b.target, b.verdict])).toEqual([['llm_generation', 'pass']])
    const serverTraces = report.trust.guards.find((g) => g.name === 'server traces')!
    expect(serverTraces.pass, serverTraces.reason).toBe(true)
    expect(report.arrangement).toMatch(/already running/)
    // Never stopped by the harness: still alive and answering.
    expect(alive(service.pid!)).toBe(true)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  }, 90_000)
})
