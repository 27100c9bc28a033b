// keep: the value passes through unchanged (JSON numbers and objects too).
// Example: `city: { transform: keep }` or `city: keep`.

import { defineTransform } from './define.js';

export const keep = defineTransform<Record<string, never>>({
  name: 'keep',
  summary: 'pass the value through unchanged',
  example: 'city: { transform: keep }',
  options: [],
  keyed: false,
  parse: () => ({}),
  describe: () => ({}),
  create: () => (value) => value,
  sql: (_o, value) => value,
});
