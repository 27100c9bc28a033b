// redact: every non-empty value becomes one constant (default "[REDACTED]").
// Example: `ssn: { transform: redact }` -> [REDACTED]; `{ transform: redact, with: "***" }`.

import { defineTransform } from './define.js';
import { emptyStays } from './sql.js';

export const redact = defineTransform<{ with: string }>({
  name: 'redact',
  summary: 'replace every non-empty value with a constant',
  example: 'ssn: { transform: redact, with: "[REDACTED]" }',
  options: ['with'],
  keyed: false,
  parse: (r) => ({ with: r.string('with') ?? '[REDACTED]' }),
  describe: (o) => ({ with: o.with }),
  create: (o) => () => o.with,
  sql: (o, value, { dialect }) => emptyStays(value, dialect.string(o.with)),
});
