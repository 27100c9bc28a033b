// Dates written another way than YYYY-MM-DD (a column's `format:`), read as
// ISO dates before anything else looks at them: `MM/DD/YYYY`, `DD.MM.YYYY`,
// `YYYYMMDD`, `M/D/YY`... Tokens: YYYY (four digits), YY (two: 00-68 are
// 20xx, 69-99 19xx, as POSIX strptime), MM and DD (two digits), M and D (one
// or two); any other character stands for itself. What follows the date (a
// time) is kept. A value no format matches is left as it is, for the
// transform or the declared type to judge.

export interface DateFormat {
  readonly text: string;
  /** The value as YYYY-MM-DD plus what followed the date, or undefined when it does not match or is no calendar date. */
  read(value: string): string | undefined;
}

const TOKENS: [string, string][] = [
  ['YYYY', '(?<y>\\d{4})'],
  ['YY', '(?<yy>\\d{2})'],
  ['MM', '(?<m>\\d{2})'],
  ['DD', '(?<d>\\d{2})'],
  ['M', '(?<m>\\d{1,2})'],
  ['D', '(?<d>\\d{1,2})'],
];

/** A format, or a reason it is none (no year, month and day, or a token twice). */
export function dateFormat(text: string): DateFormat | string {
  let source = '';
  const seen = new Set<string>();
  for (let i = 0; i < text.length; ) {
    const token = TOKENS.find(([t]) => text.startsWith(t, i));
    if (token) {
      const group = /<(\w+)>/.exec(token[1])![1]!.replace('yy', 'y');
      if (seen.has(group)) return `${token[0]} twice`;
      seen.add(group);
      source += token[1];
      i += token[0].length;
    } else {
      source += text[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  if (!seen.has('y') || !seen.has('m') || !seen.has('d')) return 'a year (YYYY or YY), a month (MM or M) and a day (DD or D)';
  // The date ends where its digits do: M/D/YY does not read the first two digits of 1999.
  const re = new RegExp(`^${source}(?!\\d)`);
  return {
    text,
    read(value) {
      const m = re.exec(value);
      if (!m) return undefined;
      const g = m.groups!;
      const year = g.y !== undefined ? Number(g.y) : Number(g.yy) + (Number(g.yy) < 69 ? 2000 : 1900);
      const month = Number(g.m);
      const day = Number(g.d);
      const date = new Date(Date.UTC(year, month - 1, day));
      if (month < 1 || month > 12 || day < 1 || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
      return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}${value.slice(m[0].length)}`;
    },
  };
}
