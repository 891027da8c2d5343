// A team's service under the harness: the example service started by the scenario, its spans
// received over OTLP, budgets on its own span names; and what goes wrong with a service.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ExitCode, RunError } from '../../src/errors.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const DROPPING = fileURLToPath(new URL('../fixtures/services/dropping-instrumentation.mjs', import.meta.url))
const ALWAYS_500 = fileURLToPath(new URL('../fixtures/services/always-500-server.mjs', import.meta.url))
const NO_PROPAGATION = fileURLToPath(
  new URL('../fixtures/services/no-client-propagation-instrumentation.mjs', import.meta.url),
)
const reportsDir = mkdtempSync(join(tmpdir(), 'harness-target-test-'))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function scenario(overrides: { target?: object; budgets?: object; duration?: string } = {}) {
  return {
    name: 'target-test',
    seed: 3,
    load: {
      arrival: { rate: 25, distribution: 'uniform' },
      duration: overrides.duration ?? '4s',
      warmup: '1s',
    },
    target: {
      command: ['node', '--import', './instrumentation.mjs', 'server.mjs'],
      cwd: 'examples/node-rag-service',
      env: {
        PORT: '{{target.port}}',
        OPENAI_BASE_URL: '{{mocks.llm.base_url}}',
        EMBEDDINGS_BASE_URL: '{{mocks.embedding.base_url}}',
        QDRANT_URL: '{{mocks.vector_store.base_url}}',
        COHERE_BASE_URL: '{{mocks.reranker.base_url}}',
        OTEL_EXPORTER_OTLP_ENDPOINT: '{{otlp.endpoint}}',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      ready: { path: '/healthz', timeout: '30s' },
      drain: '3s',
      ...overrides.target,
    },
    requests: [{ http: { path: '/chat', body: { query: '{{question}}' } }, questions: { pool: 50 } }],
    dependencies: {
      embedding: { latency: { fixed: '20ms' } },
      vector_store: { latency: { fixed: '15ms' } },
      reranker: { latency: { fixed: '30ms' } },
      llm: { latency: { fixed: '80ms' } },
    },
    budgets: overrides.budgets ?? {},
  }
}

describe('a target service', () => {
  it('holds the service’s own span names to budgets: one that passes, one that fails, and the service is stopped', async () => {
    let servicePid: number | null = null
    const report = await runScenario(
      scenario({
        // llm_generation waits for an 80 ms mock: p50 under 1 s holds, p50 under 10 ms cannot.
        budgets: { llm_generation: { p50: '1s' }, rerank: { p50: '10ms' }, retrieve: { p50: '1s' } },
      }),
      { reportsDir, onTargetStarted: (pid) => (servicePid = pid) },
    )
    expect(report.status).toBe('complete')
    const verdicts = Object.fromEntries(report.budgets.map((b) => [b.target, b.verdict]))
    expect(verdicts).toEqual({ llm_generation: 'pass', rerank: 'fail', retrieve: 'fail' })
    expect(report.stages.rerank!.p50_ms).toBeGreaterThanOrEqual(30)
    // A budget on a span the service never sent names the ones it did.
    expect(report.budgets.find((b) => b.target === 'retrieve')!.note).toMatch(
      /closest span names seen: .*"rerank"/,
    )
    const serverTraces = report.trust.guards.find((g) => g.name === 'server traces')!
    expect(serverTraces.pass).toBe(true)
    expect(report.stages['POST /chat']!.count).toBeGreaterThan(50)
    // Its spans are processed in the receiver, not in the service: no harness share to report.
    expect(report.trust.endpoint.span_processing).toBeUndefined()
    // Mock fidelity with no attribute from the service: the mocks' records joined with its undici
    // client spans by the traceparent those calls carried. A span lasts at least what was drawn.
    const fidelity = Object.fromEntries(report.trust.fidelity.map((f) => [f.dependency, f]))
    expect(Object.keys(fidelity).sort()).toEqual(['embedding', 'llm', 'reranker', 'vector_store'])
    for (const [name, drawnMs] of [
      ['embedding', 20],
      ['vector_store', 15],
      ['reranker', 30],
      ['llm', 80],
    ] as const) {
      expect(fidelity[name]!.calls).toBeGreaterThan(50)
      expect(fidelity[name]!.model_p50_ms).toBe(drawnMs)
      expect(fidelity[name]!.measured_p50_ms).toBeGreaterThanOrEqual(drawnMs)
      expect(fidelity[name]!.excess_p50_ms).toBeGreaterThan(0)
      expect(fidelity[name]!.lateness_p50_ms).not.toBeNull()
      expect(fidelity[name]!.transport_p50_ms).not.toBeNull()
    }
    expect(report.trust.guards.map((g) => g.name)).toContain('mock fidelity: excess p99 (worst dependency)')
    expect(servicePid).not.toBeNull()
    expect(alive(servicePid!)).toBe(false)
  }, 90_000)

  it('is untrusted when its exporter drops half the spans', async () => {
    const report = await runScenario(
      scenario({ target: { command: ['node', '--import', DROPPING, 'server.mjs'], drain: '1500ms' } }),
      { reportsDir },
    )
    expect(report.verdict).toBe('untrusted')
    const guard = report.trust.guards.find((g) => g.name === 'server traces')!
    expect(guard.pass).toBe(false)
    expect(guard.figure!).toBeGreaterThan(0.2)
    expect(guard.figure!).toBeLessThan(0.8)
    expect(guard.reason).toMatch(
      /^the service exported spans for \d+% of requests .*: check its sampler and exporter$/,
    )
  }, 90_000)

  it('says mock fidelity is not available, without failing, when its dependency calls carry no traceparent', async () => {
    const report = await runScenario(
      scenario({ target: { command: ['node', '--import', NO_PROPAGATION, 'server.mjs'] }, duration: '2s' }),
      { reportsDir },
    )
    expect(report.status).toBe('complete')
    expect(report.trust.fidelity).toEqual([])
    expect(report.trust.fidelity_note).toMatch(
      /^mock fidelity not available: none of the service's \d+ successful calls to the mocks carried a traceparent header/,
    )
    expect(report.trust.guards.map((g) => g.name)).not.toContain(
      'mock fidelity: excess p99 (worst dependency)',
    )
  }, 90_000)

  it('does not pass a service that answers 500 to everything: incomplete (exit 4), the report says why', async () => {
    const report = await runScenario(
      scenario({
        target: { command: ['node', '--import', './instrumentation.mjs', ALWAYS_500] },
        duration: '2s',
        budgets: { POST: { p50: '1s' } },
      }),
      { reportsDir },
    )
    // The CLI exits 4 (runFailed) for an incomplete report (cli.ts exitCodeFor).
    expect(report.status).toBe('incomplete')
    expect(report.status_reason).toMatch(
      /^the target service answered none of its \d+ responses with a 2xx \(HTTP 500 ×\d+\): there is no successful request to measure; see target\.log$/,
    )
    expect(report.trust.reasons).toContain(report.status_reason)
    expect(report.load.status_codes['500']).toBe(report.load.completed)
  }, 90_000)

  it('gives an incomplete report when the service crashes mid-run, and leaves no process behind', async () => {
    let servicePid: number | null = null
    const report = await runScenario(scenario({ duration: '5s' }), {
      reportsDir,
      onTargetStarted: (pid) => {
        servicePid = pid
        setTimeout(() => process.kill(pid!, 'SIGKILL'), 2000)
      },
    })
    expect(report.status).toBe('incomplete')
    expect(report.status_reason).toMatch(
      /the target service stopped during the run: the service exited \(code null, signal SIGKILL\)/,
    )
    expect(alive(servicePid!)).toBe(false)
  }, 90_000)

  it('stops the service on Ctrl+C (the run’s abort signal)', async () => {
    let servicePid: number | null = null
    const controller = new AbortController()
    const report = await runScenario(scenario({ duration: '20s' }), {
      reportsDir,
      signal: controller.signal,
      onTargetStarted: (pid) => {
        servicePid = pid
        setTimeout(() => controller.abort(new Error('interrupted')), 2500)
      },
    })
    expect(report.status).toBe('interrupted')
    expect(alive(servicePid!)).toBe(false)
  }, 90_000)
})

describe('a target service that cannot run', () => {
  const fails = (target: object) =>
    runScenario(scenario({ target: { ...target, ready: { path: '/healthz', timeout: '1500ms' } } }), {
      reportsDir,
    })

  it('names a command that does not exist', async () => {
    await expect(fails({ command: ['no-such-command-for-the-harness'] })).rejects.toThrow(
      /command "no-such-command-for-the-harness" not found \(ENOENT\)/,
    )
  }, 60_000)

  it('quotes the output of a service that exits before it is ready', async () => {
    await expect(
      fails({ command: ['node', '-e', 'console.error("config missing: DATABASE_URL"); process.exit(3)'] }),
    ).rejects.toThrow(/exited \(code 3, signal null\) before it was ready[\s\S]*config missing: DATABASE_URL/)
  }, 60_000)

  it('gives up on a service that never answers its ready path, and stops it', async () => {
    const marker = `never-ready-${process.pid}`
    await expect(fails({ command: `exec node -e "setInterval(() => {}, 1000)" ${marker}` })).rejects.toThrow(
      /no 2xx from GET http:\/\/127\.0\.0\.1:\d+\/healthz .* within 1\.5 s/,
    )
    // pgrep exits 1 when no process matches.
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(1)
  }, 60_000)

  it('quotes the bind error of a service whose port is already taken (exit 4)', async () => {
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const taken = (holder.address() as net.AddressInfo).port
    try {
      // The service's own start (its SDK loading) can take seconds on a loaded machine: the ready
      // timeout is the default one, and the service exits as soon as its bind fails.
      const error = await runScenario(scenario({ target: { env: { PORT: String(taken) } } }), {
        reportsDir,
      }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(RunError)
      expect((error as RunError).exitCode).toBe(ExitCode.runFailed)
      expect((error as Error).message).toMatch(
        new RegExp(
          `exited \\(code 1, signal null\\) before it was ready[\\s\\S]*EADDRINUSE[^\\n]*127\\.0\\.0\\.1:${taken}`,
        ),
      )
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  }, 60_000)

  it('says when a running service (url) is unreachable', async () => {
    await expect(fails({ command: undefined, url: 'http://127.0.0.1:9' })).rejects.toThrow(
      /Failed to reach the target service at http:\/\/127\.0\.0\.1:9/,
    )
  }, 60_000)
})
