// The report section for the differentially private column transforms
// (noise, randomized-response): what each does, what a record spends, and
// what the guarantee does and does not cover, in plain words. DP and
// k-anonymity are reported apart and never merged into one score.

import type { Policy } from '../policy/load.js';

export function dpSection(policy: Policy, seed: number | undefined): Record<string, unknown> | undefined {
  const columns = policy.columns.filter((c) => c.configured.epsilon !== undefined);
  if (columns.length === 0) return undefined;
  const perRecord = columns.reduce((sum, c) => sum + c.configured.epsilon!, 0);
  return {
    model: 'local differential privacy, per value',
    columns: Object.fromEntries(columns.map((c) => [c.name, { transform: c.transform, ...c.configured.params }])),
    epsilon_per_record: Number(perRecord.toPrecision(12)),
    budget: policy.epsilonPerRecord ?? null,
    randomness:
      seed === undefined
        ? 'node:crypto randomFillSync (the operating system secure generator)'
        : `seedrandom seeded with --seed ${seed}, one stream per column: reproducible, for testing only, NOT secure`,
    guarantee: [
      'Each noised value is epsilon-locally differentially private for inputs within its bounds (values outside are clamped first).',
      `One record spends the sum over its noised columns: ${Number(perRecord.toPrecision(12))}.`,
      'A person with m records spends m times that; running veil again with fresh noise spends it again.',
      'Columns that are not noised, and the presence of a row, are not protected by differential privacy.',
      'This is local DP of each value, not central differential privacy of the dataset.',
    ],
  };
}
