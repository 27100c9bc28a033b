// date-shift: moves every date of one entity (the `by` column: a patient, a
// customer) by the same number of days, between -max_days and +max_days and
// never 0, so intervals between one entity's events survive while calendar
// dates do not (Google SDP's DateShiftConfig). The offset is derived from the
// key and the entity's raw value: HMAC-SHA256 under a subkey of the `by`
// column (or `domain`), mapped to the range without modulo bias. Date columns
// shifted by the same entity share the offset. Time and offset text after the
// date are kept.
// Example: `visit_date: { transform: date-shift, max_days: 30, by: patient_id }`,
// 2024-03-12 -> 2024-03-29 for one patient, every visit of theirs +17 days.

import { ValueError } from '../lib/errors.js';
import { formatDate, fromDays, inYearRange, parseDate, toDays } from '../lib/dates.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import { hmacSha256 } from '../lib/hmac-sha256.js';
import { uniformInt } from '../lib/key.js';
import { cellText } from '../lib/cell.js';
import { defineTransform } from './define.js';
import { hmacHex, plainDate, type FastPath, type SqlContext } from './sql.js';

interface DateShiftOptions {
  maxDays: number;
  by: string;
  domain: string | undefined;
}

export const dateShift = defineTransform<DateShiftOptions>({
  name: 'date-shift',
  summary: "shift an entity's dates by one keyed offset within +/- max_days",
  example: 'visit_date: { transform: date-shift, max_days: 30, by: patient_id }',
  options: ['max_days', 'by', 'domain'],
  keyed: true,
  references: (o) => [o.by],
  parse(r) {
    const maxDays = r.number('max_days', { required: true, integer: true, min: 1, max: 36500 });
    const by = r.string('by', { required: true, nonEmpty: true });
    const domain = r.string('domain', { nonEmpty: true });
    return maxDays === undefined || by === undefined ? undefined : { maxDays, by, domain };
  },
  describe: (o) => ({ max_days: o.maxDays, by: o.by, ...(o.domain !== undefined && { domain: o.domain }), zero_shift: false }),
  create(o, ctx) {
    const mac = hmacSha256(ctx.key!.derive('date-shift', o.domain ?? o.by));
    const byIndex = ctx.columnIndex(o.by);
    const offsets = new BoundedCache<number>();
    const offsetOf = (entity: string): number => {
      const u = uniformInt(mac(entity), 2 * o.maxDays, (round) => mac(`${entity}\u0000${round}`));
      return u < o.maxDays ? u - o.maxDays : u - o.maxDays + 1;
    };
    return (value, row) => {
      const d = parseDate(value);
      if (!d || d.day === 0) throw new ValueError('VALUE_NOT_DATE', 'a date YYYY-MM-DD (optionally with a time)');
      const entity = cellText(row[byIndex]);
      if (entity === '') throw new ValueError('ENTITY_EMPTY', `a non-empty '${o.by}' to key the shift`);
      const shifted = fromDays(toDays(d.year, d.month, d.day) + offsets.get(entity, offsetOf));
      // Never 10000-01-14 or 00-1-12-03: a date that cannot be read back is an input error.
      if (!inYearRange(shifted.year)) throw new ValueError('VALUE_DATE_OUT_OF_RANGE', `a date that stays within the years 0000-9999 when shifted by up to ${o.maxDays} days`);
      return formatDate(shifted.year, shifted.month, shifted.day) + d.rest;
    };
  },
  sql: (o, value, ctx) => (ctx.dialect.dates ? dateShiftSql(o, value, ctx) : undefined),
});

/**
 * For plain dates: the offset from HMAC-SHA256 of the entity under the
 * date-shift subkey, read as five 48-bit windows and kept by rejection as
 * uniformInt does; the rare entity whose five windows are all rejected, an
 * empty entity and every other shape of date go to the function.
 */
function dateShiftSql(o: DateShiftOptions, value: string, ctx: SqlContext): FastPath {
  const d = ctx.dialect;
  const dates = d.dates!;
  const entity = ctx.ref(o.by);
  const mac = ctx.derive(0, hmacHex(entity, ctx.slot('date-shift', o.domain ?? o.by), d));
  const n = 2 * o.maxDays;
  const limit = 2 ** 48 - (2 ** 48 % n);
  const windows = [0, 1, 2, 3, 4].map((w) => dates.hexToInt(d.substring(mac, String(1 + 12 * w), '12')));
  const u = ctx.derive(1, `CASE ${windows.map((x) => `WHEN ${x} < ${limit} THEN ${x} % ${n}`).join(' ')} END`);
  const offset = `CASE WHEN ${u} < ${o.maxDays} THEN ${u} - ${o.maxDays} ELSE ${u} - ${o.maxDays - 1} END`;
  return {
    when: `(${plainDate(value, d, dates)} AND ${entity} IS NOT NULL AND ${entity} <> '' AND (${u}) IS NOT NULL)`,
    then: dates.formatDate(dates.addDays(dates.toDate(value), offset)),
  };
}
