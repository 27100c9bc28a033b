import { defineConfig } from 'vitest/config';

// The JSON reporter feeds .ci/run its "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    pool: 'forks',
  },
});
