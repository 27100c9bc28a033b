// hash: a keyed pseudonym, HMAC-SHA256 (RFC 2104) in hex, truncated to
// `length` characters (default 32 = 128 bits, never fewer than 16). The
// subkey is derived per domain (the column name unless `domain:` is given), so
// the same value hashes alike in two columns or files only when they share a
// domain on purpose. `normalize` is applied first: email (trim + lowercase),
// trim, lowercase, digits (keep digits only, for phone numbers).
// Example: `email: { transform: hash, normalize: email }`.

import { BoundedCache } from '../lib/bounded-cache.js';
import { hmacSha256 } from '../lib/hmac-sha256.js';
import { NORMALIZERS, type Normalizer } from '../lib/normalize.js';
import { defineTransform } from './define.js';
import { emptyStays, hmacHex, type Dialect } from './sql.js';

interface HashOptions {
  length: number;
  domain: string | undefined;
  normalize: Normalizer;
}

export const hash = defineTransform<HashOptions>({
  name: 'hash',
  summary: 'keyed pseudonym: HMAC-SHA256, hex, truncated',
  example: 'email: { transform: hash, normalize: email, length: 32 }',
  options: ['length', 'domain', 'normalize'],
  keyed: true,
  parse: (r) => ({
    length: r.number('length', { integer: true, min: 16, max: 64 }) ?? 32,
    domain: r.string('domain', { nonEmpty: true }),
    normalize: (r.string('normalize', { oneOf: Object.keys(NORMALIZERS) }) ?? 'none') as Normalizer,
  }),
  describe: (o) => ({
    algorithm: 'HMAC-SHA256',
    length: o.length,
    bits: o.length * 4,
    ...(o.domain !== undefined && { domain: o.domain }),
    normalize: o.normalize,
  }),
  create(o, ctx) {
    const mac = hmacSha256(ctx.key!.derive('hash', o.domain ?? ctx.column));
    const normalize = NORMALIZERS[o.normalize];
    const bytes = Math.ceil(o.length / 2);
    const cache = new BoundedCache<string>();
    const pseudonym = (value: string) => mac(normalize(value)).toString('hex', 0, bytes).slice(0, o.length);
    return (value) => cache.get(value, pseudonym);
  },
  sql(o, value, ctx) {
    const d = ctx.dialect;
    const normalized = normalizeSql(o.normalize, value, d);
    const mac = hmacHex(normalized, ctx.slot('hash', o.domain ?? ctx.column), d);
    return emptyStays(value, d.substring(mac, '1', String(o.length)));
  },
});

/** The normalizers of src/lib/normalize.ts in SQL. */
function normalizeSql(kind: Normalizer, value: string, d: Dialect): string {
  switch (kind) {
    case 'none':
      return value;
    case 'trim':
      return d.trimJs(value);
    case 'lowercase':
      return d.lowerJs(value);
    case 'email':
      return d.lowerJs(d.trimJs(value));
    case 'digits':
      return d.replaceAll(value, '[^0-9]+', '');
  }
}
