import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and load drivers; on a 2-core machine running
    // several files at once would make their timings measure each other.
    fileParallelism: false,
  },
})
