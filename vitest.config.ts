import { defineConfig } from 'vitest/config';

// Three tiers, all run by `npm test` (`npx vitest run --project unit` runs one):
//   unit     pure code, no process spawned (under 30 s);
//   cli      spawns veil on CSV and JSON Lines;
//   engines  DuckDB and Parquet, Spark, Chromium.
// The JSON reporter feeds .ci/run its "N passed, N failed" line.
const ENGINES = ['test/engines.test.ts', 'test/spark.test.ts', 'test/report-html.test.ts', 'test/one-path.test.ts', 'test/detect.test.ts', 'test/attacks/inputs.test.ts'];
const UNIT = [
  'test/csv-differential.test.ts',
  'test/differential-privacy.test.ts',
  'test/docs.test.ts',
  'test/hmac.test.ts',
  'test/io.test.ts',
  'test/k-anonymity.test.ts',
  'test/layers.test.ts',
  'test/pipeline.test.ts',
  'test/policy.test.ts',
  'test/schema.test.ts',
  'test/transforms/**/*.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    // A loaded machine (two cores, engines and browsers at once) must not fail a beforeAll that writes Parquet or starts Spark.
    hookTimeout: 180_000,
    pool: 'forks',
    setupFiles: ['test/setup/tmpdir.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'engines', include: ENGINES } },
      { extends: true, test: { name: 'cli', include: ['test/**/*.test.ts'], exclude: [...UNIT, ...ENGINES, 'node_modules/**'] } },
    ],
  },
});
