// The `nightly` and `compare` commands as yargs command modules, registered by src/cli.ts:
//   .command(nightlyCommand((c) => { code = c }))
// They report their exit code through the callback; only src/cli.ts exits.
import path from 'node:path'
import type { Argv, CommandModule, InferredOptionTypes, Options, PositionalOptions } from 'yargs'
import { EXIT_MEANING, ExitCode, type ExitCodeValue, UsageError } from '../errors.ts'
import { onInterrupt } from '../run/interrupt-signals.ts'
import { displayPath } from '../scenario/load-scenario.ts'
import { parseFraction } from '../units.ts'
import { compareFiles, renderComparisonConsole, renderComparisonMarkdown } from './compare.ts'
import { DEFAULT_HISTORY_DIR } from './history-store.ts'
import { DEFAULT_SUITE_FILE } from './load-suite.ts'
import type { DetectionOptions } from './regression.ts'
import { DEFAULT_NIGHTLY_DIR, runSuite, type SuiteEvent } from './run-suite.ts'
import { regressionsText, scenarioOverview } from './scenario-overview.ts'
import { verdictText } from './suite-result.ts'

type SetExitCode = (code: ExitCodeValue) => void

// Each command's flags, declared once: yargs reads them and the handler's argv type is inferred
// from them (as the run command's in src/cli.ts), so no hand-written copy and no cast.
const NIGHTLY_OPTIONS = {
  suite: { type: 'string', default: DEFAULT_SUITE_FILE, describe: 'The suite file' },
  quick: { type: 'boolean', describe: "Shorten every scenario to the suite's quick durations" },
  out: { type: 'string', default: DEFAULT_NIGHTLY_DIR, describe: 'Write the suite to <out>/<timestamp>/' },
  history: {
    type: 'string',
    default: DEFAULT_HISTORY_DIR,
    describe: 'The history directory (<history>/<scenario>/<started_at>.json)',
  },
  'seed-history': {
    type: 'number',
    describe: 'First fabricate this many synthetic past nights per scenario (marked synthetic; for demos)',
  },
  append: {
    type: 'boolean',
    default: true,
    describe: 'Add each run to the history (--no-append for pull-request checks)',
  },
  quiet: { type: 'boolean', describe: 'Print only the result lines' },
} as const satisfies Record<string, Options>

type NightlyArgs = InferredOptionTypes<typeof NIGHTLY_OPTIONS>

const COMPARE_POSITIONALS = {
  baseline: {
    type: 'string',
    demandOption: true,
    describe: 'A report.json (or its folder), or a history directory',
  },
  current: { type: 'string', demandOption: true, describe: 'A report.json (or its folder)' },
} as const satisfies Record<string, PositionalOptions>

const COMPARE_OPTIONS = {
  markdown: { type: 'boolean', describe: 'Print a markdown table (for a PR comment)' },
  window: { type: 'number', describe: 'History: compare with the last N comparable runs (20)' },
  'min-history': { type: 'number', describe: 'History: fewer runs is insufficient history (5)' },
  k: { type: 'number', describe: 'Noise band in standard deviations (3)' },
  floor: { type: 'string', describe: 'Relative floor, e.g. 5%' },
  'all-stages': { type: 'boolean', describe: 'Compare every stage, not only budgeted ones' },
} as const satisfies Record<string, Options>

type CompareArgs = InferredOptionTypes<typeof COMPARE_OPTIONS> & { baseline: string; current: string }

function printer(quiet: boolean) {
  const isTty = Boolean(process.stderr.isTTY)
  let lastPlainAt = -Infinity
  return (event: SuiteEvent) => {
    if (quiet) return
    switch (event.type) {
      case 'scenario-start':
        lastPlainAt = -Infinity
        process.stderr.write(`[${event.index + 1}/${event.total}] ${event.name}\n`)
        break
      case 'phase':
        process.stderr.write(`${isTty ? '\r\u001b[K' : ''}  ${event.phase}…\n`)
        break
      case 'progress': {
        const p = event.progress
        if (!isTty && p.elapsedMs - lastPlainAt < 5000) return
        lastPlainAt = p.elapsedMs
        const line = `  ${(p.elapsedMs / 1000).toFixed(0)}s/${(p.totalMs / 1000).toFixed(0)}s  sent ${p.sent}  completed ${p.completed}  errors ${p.errors}`
        process.stderr.write(isTty ? `\r${line}\u001b[K` : `${line}\n`)
        break
      }
      case 'scenario-end': {
        const o = event.outcome
        process.stderr.write(
          `${isTty ? '\r\u001b[K' : ''}  ${verdictText(o)} · ${regressionsText(o)}${o.error ? ` · ${o.error}` : ''}\n`,
        )
        break
      }
    }
  }
}

export function nightlyCommand(setExitCode: SetExitCode): CommandModule<object, NightlyArgs> {
  return {
    command: 'nightly',
    describe: 'Run a suite of scenarios, compare each with its history, write the suite report',
    builder: (y: Argv) =>
      y
        .options(NIGHTLY_OPTIONS)
        .example('$0 nightly', 'Run scenarios/nightly.suite.yaml')
        .example('$0 nightly --quick --seed-history 20', 'A smoke run with 20 synthetic nights of trend')
        .example('$0 nightly --quick --no-append', 'Check against the history without adding to it'),
    handler: async (argv) => {
      const seedHistory = argv['seed-history']
      if (
        seedHistory !== undefined &&
        !(Number.isInteger(seedHistory) && seedHistory >= 0 && seedHistory <= 1000)
      )
        throw new UsageError(
          `Failed to read --seed-history ${seedHistory}: expected a whole number of nights, 0 to 1000.`,
        )
      const controller = new AbortController()
      // A second Ctrl+C (not the relayed echo of the first) gets Node's default: the process ends.
      const stopListening = onInterrupt({
        first: () => {
          process.stderr.write(
            '\nInterrupted: stopping this scenario and writing what has run (Ctrl+C again to quit now).\n',
          )
          controller.abort(new Error('interrupted'))
        },
        again: (signal) => {
          stopListening()
          process.kill(process.pid, signal)
        },
      })
      try {
        const result = await runSuite({
          suiteFile: argv.suite,
          outDir: argv.out,
          historyDir: argv.history,
          quick: argv.quick ?? false,
          append: argv.append,
          signal: controller.signal,
          ...(seedHistory ? { seedHistory } : {}),
          onEvent: printer(argv.quiet ?? false),
        })
        for (const o of result.outcomes.map(scenarioOverview))
          console.log(
            `${o.name.padEnd(22)} ${o.verdict.padEnd(26)} ${o.worstMargin.padEnd(34)} ${o.regressions}`,
          )
        console.log(`\nExit ${result.exitCode}: ${EXIT_MEANING[result.exitCode]}`)
        console.log(`Suite report: ${displayPath(path.resolve(result.dir, 'index.html'))}`)
        setExitCode(result.exitCode)
      } finally {
        stopListening()
      }
    },
  }
}

export function compareCommand(setExitCode: SetExitCode): CommandModule<object, CompareArgs> {
  return {
    command: 'compare <baseline> <current>',
    describe: 'Compare a run with another run or with a history directory',
    builder: (y: Argv) =>
      y
        .positional('baseline', COMPARE_POSITIONALS.baseline)
        .positional('current', COMPARE_POSITIONALS.current)
        .options(COMPARE_OPTIONS)
        .example('$0 compare reports/baseline/2026-11-26T03-00-00Z reports/baseline/latest', 'Two runs')
        .example('$0 compare reports/history reports/baseline/latest', 'A run against its history'),
    handler: async (argv) => {
      const detection: Partial<DetectionOptions> = {}
      const positiveInt = (name: string, value: number | undefined) => {
        if (value === undefined) return undefined
        if (!Number.isInteger(value) || value < 1)
          throw new UsageError(`Failed to read --${name} ${value}: expected a positive whole number.`)
        return value
      }
      const window = positiveInt('window', argv.window)
      const minHistory = positiveInt('min-history', argv['min-history'])
      if (window !== undefined) detection.window = window
      if (minHistory !== undefined) detection.minHistory = minHistory
      if (argv.k !== undefined) {
        if (!(argv.k > 0)) throw new UsageError(`Failed to read --k ${argv.k}: expected a positive number.`)
        detection.k = argv.k
      }
      if (argv.floor !== undefined) {
        const floor = parseFraction(argv.floor)
        if (floor === undefined || floor >= 1)
          throw new UsageError(`Failed to read --floor "${argv.floor}": expected a share like 5% or 0.05.`)
        detection.relativeFloor = floor
      }
      const comparison = await compareFiles(argv.baseline, argv.current, {
        detection,
        stages: argv['all-stages'] ? 'all' : 'budgeted',
      })
      process.stdout.write(
        argv.markdown
          ? renderComparisonMarkdown(comparison)
          : `${renderComparisonConsole(comparison, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`,
      )
      setExitCode(comparison.detection.status === 'regression' ? ExitCode.regression : ExitCode.ok)
    },
  }
}
