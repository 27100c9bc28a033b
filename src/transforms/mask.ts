// mask: replaces every character with a mask character except the first
// `keep_first` and the last `keep_last` (counted in Unicode code points).
// A value too short to hide anything is masked whole, so a short value never
// shows in full. Example: `phone: { transform: mask, keep_last: 2 }`,
// 555-0142 -> ******42.

import { defineTransform } from './define.js';
import { emptyStays } from './sql.js';

interface MaskOptions {
  keepFirst: number;
  keepLast: number;
  char: string;
}

export const mask = defineTransform<MaskOptions>({
  name: 'mask',
  summary: 'hide all but the first/last N characters',
  example: 'phone: { transform: mask, keep_last: 2 }',
  options: ['keep_first', 'keep_last', 'char'],
  keyed: false,
  parse(r) {
    const keepFirst = r.number('keep_first', { integer: true, min: 0 }) ?? 0;
    const keepLast = r.number('keep_last', { integer: true, min: 0 }) ?? 0;
    const char = r.string('char') ?? '*';
    if ([...char].length !== 1) {
      r.report('POLICY_VALUE', 'char', { expected: 'a single character', found: JSON.stringify(char) });
      return undefined;
    }
    return { keepFirst, keepLast, char };
  },
  describe: (o) => ({ keep_first: o.keepFirst, keep_last: o.keepLast, char: o.char }),
  create: (o) => (value) => maskValue(value, o),
  sql(o, value, { dialect: d }) {
    const char = d.string(o.char);
    const n = d.length(value);
    const kept = d.concat(d.substring(value, '1', String(o.keepFirst)), d.repeat(char, `${n} - ${o.keepFirst + o.keepLast}`), d.substring(value, `${n} - ${o.keepLast - 1}`, String(o.keepLast)));
    return emptyStays(value, `CASE WHEN ${n} <= ${o.keepFirst + o.keepLast} THEN ${d.repeat(char, n)} ELSE ${kept} END`);
  },
});

export function maskValue(value: string, o: MaskOptions): string {
  const chars = [...value];
  const n = chars.length;
  if (n <= o.keepFirst + o.keepLast) return o.char.repeat(n);
  return (
    chars.slice(0, o.keepFirst).join('') + o.char.repeat(n - o.keepFirst - o.keepLast) + chars.slice(n - o.keepLast).join('')
  );
}
