// The report section for the differentially private column transforms
// (noise, randomized-response): what each does, what a record spends, and
// what the guarantee does and does not cover, in plain words. DP and
// k-anonymity are reported apart and never merged into one score. A seeded
// run is not private (whoever knows the seed regenerates the noise and
// subtracts it): its section says the guarantee does not hold, and the seed
// itself is written nowhere.

import type { ColumnReport } from './pipeline.js';
import type { Policy } from '../policy/load.js';

/** The columns a seeded run makes reproducible, for the warning on stderr; empty when the run is not seeded or has none. */
export function seededColumns(policy: Policy, seeded: boolean): string[] {
  return seeded ? policy.columns.filter((c) => c.configured.epsilon !== undefined).map((c) => c.name) : [];
}

export function dpSection(policy: Policy, seeded: boolean, columns: readonly ColumnReport[]): Record<string, unknown> | undefined {
  const dp = policy.columns.filter((c) => c.configured.epsilon !== undefined);
  if (dp.length === 0) return undefined;
  const perRecord = Number(dp.reduce((sum, c) => sum + c.configured.epsilon!, 0).toPrecision(12));
  const missing = (name: string) => columns.find((c) => c.name === name)?.stats.empty ?? 0;
  const guarantee = [
    'Each noised value is epsilon-locally differentially private for inputs within its bounds (values outside are clamped first).',
    `One record spends the sum over its noised columns: ${perRecord}.`,
    'A person with m records spends m times that; running veil again with fresh noise spends it again.',
    'Columns that are not noised, and the presence of a row, are not protected by differential privacy.',
    'Missing values (empty, null or absent) are published as they are: whether a value is missing is not protected (counted per column as missing_published_as_is).',
    'This is local DP of each value, not central differential privacy of the dataset.',
  ];
  return {
    model: 'local differential privacy, per value',
    guarantee_holds: !seeded,
    columns: Object.fromEntries(dp.map((c) => [c.name, { transform: c.transform, ...c.configured.params, missing_published_as_is: missing(c.name) }])),
    epsilon_per_record: perRecord,
    budget: policy.epsilonPerRecord ?? null,
    randomness: seeded
      ? 'seeded (--seed), one stream per column: reproducible, for testing only. Whoever knows the seed can regenerate the noise and remove it: this run is NOT differentially private'
      : 'node:crypto randomFillSync (the operating system secure generator)',
    guarantee: seeded ? ['None for this run: its randomness was seeded (--seed). What an unseeded run would give:', ...guarantee] : guarantee,
  };
}
