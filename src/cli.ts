#!/usr/bin/env -S npx tsx
// The command line: a thin layer over the programmatic API, and the only place that exits.
import path from 'node:path'
import yargs, { type InferredOptionTypes, type Options } from 'yargs'
import { hideBin } from 'yargs/helpers'
import type { Report } from './contract/report-types.ts'
import { ExitCode, type ExitCodeValue, RunError, UsageError } from './errors.ts'
import { compareCommand, nightlyCommand } from './nightly/commands.ts'
import { regenerateReport } from './report/regenerate-report.ts'
import { renderConsole } from './report/render-console.ts'
import { type RunReportsWritten, writeRunReportsOrFallback } from './report/run-reports.ts'
import { checkWritableDir } from './report/write-report.ts'
import { onInterrupt } from './run/interrupt-signals.ts'
import { parseOverrideFlags } from './run/overrides.ts'
import { type RunProgress, runScenario } from './run/run-scenario.ts'
import { serve } from './run/serve.ts'
import { displayPath, escapeControls, listScenarios, loadScenario } from './scenario/load-scenario.ts'

function progressPrinter(isTty: boolean) {
  let lastPlainAt = -Infinity
  return (p: RunProgress) => {
    const pct = Math.min(100, Math.round((p.elapsedMs / p.totalMs) * 100))
    const line = `  ${(p.elapsedMs / 1000).toFixed(0)}s/${(p.totalMs / 1000).toFixed(0)}s  ${pct}%  sent ${p.sent}  completed ${p.completed}  errors ${p.errors}`
    if (isTty) {
      process.stderr.write(`\r${line}\u001b[K`)
    } else if (p.elapsedMs - lastPlainAt >= 5000) {
      lastPlainAt = p.elapsedMs
      process.stderr.write(`${line}\n`)
    }
  }
}

export function exitCodeFor(report: Report): ExitCodeValue {
  if (report.status === 'interrupted') return ExitCode.interrupted
  if (report.status === 'incomplete') return ExitCode.runFailed
  if (report.verdict === 'untrusted') return ExitCode.untrusted
  return report.verdict === 'pass' ? ExitCode.ok : ExitCode.budgetFailed
}

// The run finished but its reports could not go to --out: say where they went, exit 4 (the job
// did not produce its files where asked; the console verdict above still shows the result).
function reportWriteOutcome(written: RunReportsWritten, outDir: string): ExitCodeValue | undefined {
  if (written.outcome === 'written') return undefined
  if (written.outcome === 'fallback')
    process.stderr.write(
      `${escapeControls(`Failed to write the reports to ${outDir}: ${written.reason}. Wrote them to ${written.dir} instead; copy them from there.`)}\n`,
    )
  else
    process.stderr.write(
      `${escapeControls(`Failed to write the reports to ${outDir}: ${written.reason}. The report JSON is on stdout; free some space or pass a writable --out.`)}\n`,
    )
  return ExitCode.runFailed
}

// The `run` command's flags, declared once: yargs reads them and runCommand's argv type is inferred
// from them, so a flag cannot be added to one and forgotten in the other.
const RUN_OPTIONS = {
  list: { type: 'boolean', describe: 'List the scenarios with their descriptions' },
  duration: { type: 'string', describe: 'Override load.duration (e.g. 10s)' },
  warmup: { type: 'string', describe: 'Override load.warmup (e.g. 2s)' },
  // Strings: the scenario schema reads them, so "abc" is refused with its message, not NaN.
  connections: { type: 'string', describe: 'Override load.connections (closed model)' },
  seed: { type: 'string', describe: 'Override the seed' },
  sampler: {
    type: 'string',
    describe: 'Override tracing.sampler: always_on, always_off, ratio:0.1, parent_ratio:0.1',
  },
  transport: {
    choices: ['http', 'in-process'],
    describe: 'Override mocks.transport: mock servers over HTTP (default) or msw in the endpoint',
  },
  out: { type: 'string', default: 'reports', describe: 'Reports directory' },
  json: { type: 'boolean', describe: 'Print the report JSON to stdout' },
  quiet: { type: 'boolean', describe: 'Print nothing but errors' },
  'what-if': {
    type: 'string',
    array: true,
    describe:
      'Predict from the traces, then measure, a dependency latency change: reranker=0.5x (repeatable)',
  },
  'find-capacity': {
    type: 'boolean',
    describe:
      'After the run, search for the highest open-model rate that keeps every budget (capacity: section)',
  },
} as const satisfies Record<string, Options>

async function runCommand(
  argv: InferredOptionTypes<typeof RUN_OPTIONS> & { scenario?: string },
): Promise<ExitCodeValue> {
  if (argv.list) {
    for (const s of listScenarios())
      console.log(escapeControls(`${s.name.padEnd(20)} ${s.description.replace(/\s+/g, ' ').trim()}`))
    return ExitCode.ok
  }
  if (!argv.scenario)
    throw new UsageError('Failed to run: no scenario given. Name one (e.g. rate-limit) or run with --list.')
  // Before any load: bad flags are the user's mistake and cost nothing to report.
  const overrides = parseOverrideFlags({ ...argv, whatIf: argv['what-if'] })
  await checkWritableDir(argv.out)
  const controller = new AbortController()
  const stopListening = onInterrupt({
    first: (signal) => {
      process.stderr.write(
        `\nInterrupted (${signal}): stopping the load and writing a partial report (Ctrl+C again to quit now).\n`,
      )
      controller.abort(new Error('interrupted'))
    },
    again: () => process.exit(ExitCode.interrupted),
  })
  const isTty = Boolean(process.stderr.isTTY) && !argv.quiet
  try {
    const report = await runScenario(argv.scenario, {
      ...overrides,
      reportsDir: argv.out,
      ...(argv['find-capacity'] ? { findCapacity: true } : {}),
      signal: controller.signal,
      onPhase: argv.quiet
        ? undefined
        : (phase) => process.stderr.write(`${isTty ? '\r\u001b[K' : ''}${phase}…\n`),
      onProgress: argv.quiet ? undefined : progressPrinter(isTty),
    })
    if (isTty) process.stderr.write('\r\u001b[K')
    const written = await writeRunReportsOrFallback(report, { reportsDir: argv.out })
    if (argv.json || written.outcome === 'failed') {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    } else if (!argv.quiet) {
      process.stdout.write(
        `${renderConsole(report, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`,
      )
      process.stdout.write(`\nReport: ${displayPath(written.dir)}\n`)
    }
    return reportWriteOutcome(written, argv.out) ?? exitCodeFor(report)
  } finally {
    stopListening()
  }
}

async function main(): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.ok
  const parser = yargs(hideBin(process.argv))
    .scriptName('harness')
    .usage('Load-test a traced RAG endpoint and check per-stage latency budgets.')
    .command(
      'run [scenario]',
      'Run a scenario (a name in scenarios/ or a path) and check its budgets',
      (y) =>
        y
          .positional('scenario', {
            type: 'string',
            describe: 'Scenario name (scenarios/<name>.yaml) or path',
          })
          .options(RUN_OPTIONS)
          .example('$0 run rate-limit', 'Run scenarios/rate-limit.yaml')
          .example('$0 run baseline --duration 5s --sampler ratio:0.1', 'A shorter run at 10% sampling')
          .example('$0 run baseline --find-capacity', 'The highest rate at which every budget passes')
          .example('$0 run baseline --what-if reranker=0.5x', 'What a reranker twice as fast would buy'),
      async (argv) => {
        code = await runCommand(argv)
      },
    )
    .command(
      'validate <file>',
      'Check a scenario file without running it',
      (y) => y.positional('file', { type: 'string', demandOption: true }),
      (argv) => {
        const { scenario, file } = loadScenario(argv.file)
        console.log(
          escapeControls(
            `${displayPath(file)}: ok (${scenario.name}, ${scenario.requests.length} kinds of request, ${scenario.budgets.length} budgets)`,
          ),
        )
      },
    )
    .command(
      'serve',
      'Start the endpoint with a scenario’s mocks, for poking at by hand',
      (y) =>
        y
          .option('scenario', {
            type: 'string',
            describe: 'Scenario name or path (default: a built-in healthy scenario)',
          })
          // A string: serve() checks it, so "abc" or 99999 is refused with a message, not NaN.
          .option('port', { type: 'string', default: '8787', describe: 'Port on 127.0.0.1 (0: any free)' })
          .option('console-spans', { type: 'boolean', describe: 'Print each trace as a tree' }),
      async (argv) => {
        await serve({
          scenario: argv.scenario,
          port: argv.port,
          consoleSpans: argv['console-spans'] ?? false,
        })
        code = ExitCode.ok // stopped with Ctrl+C
      },
    )
    .command(
      'report <file>',
      'Re-render report.html, summary.md and junit.xml beside a report.json',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'Path of a report.json' })
          .example(
            '$0 report reports/rate-limit/latest/report.json',
            'Regenerate the latest rate-limit report',
          ),
      async (argv) => {
        const written = await regenerateReport(argv.file)
        for (const file of written) console.log(displayPath(path.resolve(file)))
      },
    )
    .command(
      nightlyCommand((c) => {
        code = c
      }),
    )
    .command(
      compareCommand((c) => {
        code = c
      }),
    )
    .demandCommand(1, 'Name a command: run, validate, serve or report.')
    .strict()
    .recommendCommands()
    .epilog(
      'Exit codes: 0 budgets pass · 1 a budget failed · 2 invalid scenario or usage · 3 untrusted run · 4 run failed · 5 regression (nightly, compare) · 130 interrupted',
    )
    .fail((message, error) => {
      throw error ?? new UsageError(message)
    })
    .help()
  await parser.parseAsync()
  return code
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(error.exitCode)
    }
    if (error instanceof RunError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(error.exitCode)
    }
    process.stderr.write(
      `Failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exit(ExitCode.runFailed)
  },
)
