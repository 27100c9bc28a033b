// drop: the column is removed from the output.
// Example: `notes: { transform: drop }` or `notes: drop`.

import { defineTransform } from './define.js';

export const drop = defineTransform<Record<string, never>>({
  name: 'drop',
  summary: 'remove the column from the output',
  example: 'notes: { transform: drop }',
  options: [],
  keyed: false,
  drops: true,
  parse: () => ({}),
  describe: () => ({}),
  create: () => () => '',
});
