// Vitest for `npm run mutation` (stryker.config.json): only the unit tests of the modules under
// mutation, so each mutant runs in seconds. Integration tests time real runs and would measure
// Stryker's own CPU load, not the code.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'test/unit/stats/*.test.ts',
      'test/unit/budget/*.test.ts',
      'test/unit/trust/*.test.ts',
      'test/unit/load/arrival-schedule.test.ts',
      'test/unit/load/open-dispatcher.test.ts',
      'test/unit/nightly/regression.test.ts',
      // The detector through its callers (compare, the suite runner, the suite reports).
      'test/unit/nightly/compare.test.ts',
      'test/unit/nightly/run-suite.test.ts',
      'test/unit/nightly/render-suite.test.ts',
    ],
    // The three seeded calibration tests of the regression detector (100 histories × 100 nights,
    // seconds each) measure false-alarm and detection rates; they would run for every mutant of
    // regression.ts and multiply the run time by ten. The detector's unit tests stay in.
    testNamePattern: /^(?!.*(cries wolf|stays within 5% of nights|catches a 10% slowdown))/,
    testTimeout: 60_000,
  },
})
