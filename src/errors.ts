// Exit codes and their meanings live here and nowhere else. Only src/cli.ts calls process.exit,
// apart from a child process whose parent has gone (run/child-lifetime.ts): it has no caller left
// to return to, and lingering would leave an orphan.
// Modelled on k6's errext/exitcodes: one named constant per outcome, documented in the README.
export const ExitCode = {
  ok: 0,
  budgetFailed: 1,
  invalidInput: 2,
  untrusted: 3,
  runFailed: 4,
  // `nightly` and `compare`: a metric moved beyond both the relative floor and the noise band of its
  // history in the bad direction (src/nightly/regression.ts). Distinct from 1 so CI can tell a
  // known-failing budget from something that just got worse.
  regression: 5,
  interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

// In words, for the suite summary and the console.
export const EXIT_MEANING: Record<ExitCodeValue, string> = {
  [ExitCode.ok]: 'all budgets held, no regression',
  [ExitCode.budgetFailed]: 'a budget failed',
  [ExitCode.untrusted]: 'a run is untrusted',
  [ExitCode.regression]: 'a regression was detected',
  [ExitCode.runFailed]: 'a run failed',
  [ExitCode.invalidInput]: 'invalid input',
  [ExitCode.interrupted]: 'interrupted',
}

// A mistake the user can fix (bad scenario, bad flag). The CLI prints its message without a stack.
export class UsageError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.invalidInput
  override readonly name = 'UsageError'
}

// Every problem in one input file, reported at once.
export class ValidationError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Failed to load ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}.\n  ${problems.join('\n  ')}`,
    )
  }
}

// The run itself could not be carried out (endpoint crashed, target unreachable).
export class RunError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.runFailed
  override readonly name = 'RunError'
}
