// The programmatic API: call the harness from your own test runner.
//   const report = await runScenario('scenarios/baseline.yaml', { durationMs: 5000 })
//   expect(report.verdict).toBe('pass')

export type { Report } from './contract/report-types.ts'
export { ExitCode, RunError, UsageError, ValidationError } from './errors.ts'
export { renderConsole } from './report/render-console.ts'
export { writeRunReports, writeRunReportsOrFallback } from './report/run-reports.ts'
export { type RunOptions, runScenario } from './run/run-scenario.ts'
export {
  listScenarios,
  loadScenario,
  parseScenarioText,
  scenarioFromObject,
} from './scenario/load-scenario.ts'
export type { Scenario, ScenarioInput } from './scenario/schema.ts'
