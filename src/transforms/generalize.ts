// generalize: replaces a value by a coarser one that covers it (Sweeney 2002,
// "Achieving k-anonymity privacy protection using generalization and
// suppression"; Google SDP's bucketing). One mode per column:
//   width: 10, top: 90, bottom: 18   37 -> 30-39, 93 -> 90+, 12 -> <18
//   bins: [0, 20000, 50000]          34000.5 -> [20000, 50000), 70000 -> 50000+
//   to: year|quarter|month|week|day  1984-03-12 -> 1984, 1984-Q1, 1984-03, 1984-W11
//   to: year, before: 1937           1931-05-02 -> <1937 (years before it aggregated)
//   prefix: 3                        02139 -> 021 (restricted: [036, ...] -> 000)
//   prefix: 3, zip: true             the same, for US ZIP codes only: 5 digits or ZIP+4;
//                                    4 digits are a ZIP that lost its leading zero (2139 -> 021)
//   top: 90 (alone)                  93 -> 90+, 37 -> 37 (top coding only)
//   over: 89 (alone)                 89.5 -> >89, 37 -> 37 (values above 89: Safe Harbor's ages)
//   hierarchy: FILE, level: N        ARX hierarchy file, value at level N
// Interval formats are those of src/lib/numeric.ts.

import { ValueError } from '../lib/errors.js';
import { DATE_LEVELS, parseDate, truncateDate, type DateLevel } from '../lib/dates.js';
import type { Hierarchy } from '../lib/hierarchy.js';
import { bottomCode, formatNumber, integerRange, parseNumber, realRange, topCode } from '../lib/numeric.js';
import { readHierarchyOption } from '../options/hierarchy-file.js';
import type { OptionReader } from '../options/reader.js';
import { COLUMN_OPTIONS, defineTransform, type ColumnFn } from './define.js';
import { emptyStays, numberLiteral, PLAIN_DECIMAL, PLAIN_INTEGER, plainDate, type Dialect, type SqlExpression } from './sql.js';

type GeneralizeOptions =
  | { mode: 'width'; width: number; top?: number; bottom?: number; integer: boolean }
  | { mode: 'bins'; bins: number[] }
  | { mode: 'to'; to: DateLevel; before: number | undefined }
  | { mode: 'prefix'; prefix: number; restricted: ReadonlySet<string>; zip: boolean }
  | { mode: 'cap'; top: number }
  | { mode: 'over'; over: number }
  | { mode: 'hierarchy'; file: string; level: number; hierarchy: Hierarchy };

const MODES = ['width', 'bins', 'to', 'prefix', 'hierarchy'] as const;
/** Options each mode accepts besides its own name. */
const MODE_OPTIONS: Record<(typeof MODES)[number], readonly string[]> = {
  width: ['top', 'bottom', 'integer'],
  bins: [],
  to: ['before'],
  prefix: ['restricted', 'zip'],
  hierarchy: ['level'],
};
const OPTIONS = ['width', 'bins', 'top', 'bottom', 'integer', 'to', 'before', 'prefix', 'restricted', 'zip', 'hierarchy', 'level', 'over'] as const;

export const generalize = defineTransform<GeneralizeOptions>({
  name: 'generalize',
  summary: 'coarsen: numeric buckets, date levels, string prefixes, ARX hierarchies',
  example: 'age: { transform: generalize, width: 10, top: 90 }',
  options: OPTIONS,
  keyed: false,
  parse(r) {
    // `top` alone is top coding: values at or above it become `top+`, the others stay.
    if (r.has('top') && !MODES.some((m) => r.has(m)) && !r.has('over')) {
      r.rejectUnknown(['transform', 'top', ...COLUMN_OPTIONS]);
      const top = r.number('top', { required: true });
      return top === undefined ? undefined : { mode: 'cap', top };
    }
    // `over` alone: values above it (not only at the next integer: 89.5 is over 89) become `>over`, the others stay.
    if (r.has('over') && !MODES.some((m) => r.has(m))) {
      r.rejectUnknown(['transform', 'over', ...COLUMN_OPTIONS]);
      const over = r.number('over', { required: true });
      return over === undefined ? undefined : { mode: 'over', over };
    }
    const mode = r.oneOf(MODES, "a generalization") as (typeof MODES)[number] | undefined;
    if (mode === undefined) return undefined;
    for (const other of OPTIONS) {
      if (other !== mode && !MODE_OPTIONS[mode].includes(other) && r.has(other)) {
        r.report('POLICY_CONFLICT', other, { expected: `no '${other}' with '${mode}'`, found: other });
      }
    }
    switch (mode) {
      case 'width':
        return parseWidth(r);
      case 'bins': {
        const bins = r.numberList('bins', { required: true, minLength: 2, increasing: true });
        return bins && { mode, bins };
      }
      case 'to': {
        const to = r.string('to', { required: true, oneOf: DATE_LEVELS }) as DateLevel | undefined;
        const before = r.number('before', { integer: true, min: 1, max: 9999 });
        if (before !== undefined && to !== 'year') r.report('POLICY_CONFLICT', 'before', { expected: 'before with to: year', found: `to: ${to}` });
        return to && { mode, to, before };
      }
      case 'prefix': {
        const prefix = r.number('prefix', { required: true, integer: true, min: 1 });
        const restricted = new Set(r.stringList('restricted') ?? []);
        const zip = r.boolean('zip') ?? false;
        return prefix === undefined ? undefined : { mode, prefix, restricted, zip };
      }
      case 'hierarchy':
        return parseHierarchyOption(r);
    }
  },
  describe(o) {
    switch (o.mode) {
      case 'width':
        return { width: o.width, integer: o.integer, ...(o.top !== undefined && { top: o.top }), ...(o.bottom !== undefined && { bottom: o.bottom }) };
      case 'bins':
        return { bins: o.bins };
      case 'to':
        return { to: o.to, ...(o.before !== undefined && { before: o.before }) };
      case 'prefix':
        return { prefix: o.prefix, ...(o.zip && { zip: true }), ...(o.restricted.size > 0 && { restricted: [...o.restricted] }) };
      case 'cap':
        return { top: o.top };
      case 'over':
        return { over: o.over };
      case 'hierarchy':
        return { hierarchy: o.file, level: o.level, levels: o.hierarchy.levels };
    }
  },
  create: (o) => generalizer(o),
  sql: (o, value, { dialect }) => generalizeSql(o, value, dialect),
});

/**
 * Prefixes in SQL; numbers and dates for plain values (the interval texts
 * made by the same code as the function's), the function for the rest; ZIP
 * prefixes and hierarchies by the function only.
 */
function generalizeSql(o: GeneralizeOptions, value: string, d: Dialect): SqlExpression {
  if (o.mode === 'prefix') {
    if (o.zip) return undefined;
    const cut = d.substring(value, '1', String(o.prefix));
    if (o.restricted.size === 0) return emptyStays(value, cut);
    return emptyStays(value, `CASE WHEN ${cut} IN (${[...o.restricted].map((r) => d.string(r)).join(', ')}) THEN ${d.string('0'.repeat(o.prefix))} ELSE ${cut} END`);
  }
  const dates = d.dates;
  if (!dates) return undefined;
  const num = d.toDouble(value);
  const plain = d.matches(value, PLAIN_DECIMAL);
  switch (o.mode) {
    case 'bins': {
      const bins = o.bins;
      const arms = [`WHEN ${num} < ${numberLiteral(bins[0]!)} THEN ${d.string(bottomCode(bins[0]!))}`, `WHEN ${num} >= ${numberLiteral(bins[bins.length - 1]!)} THEN ${d.string(topCode(bins[bins.length - 1]!))}`];
      for (let i = 1; i < bins.length; i++) arms.push(`WHEN ${num} < ${numberLiteral(bins[i]!)} THEN ${d.string(realRange(bins[i - 1]!, bins[i]!))}`);
      return { when: plain, then: `CASE ${arms.join(' ')} END` };
    }
    case 'width': {
      // Integer widths on plain integers; real widths' bounds are written by formatNumber: the function does those.
      if (!o.integer) return undefined;
      const { width, top, bottom } = o;
      const origin = bottom ?? 0;
      const lo = `(${origin} + floor((${num} - ${origin}) / ${width}) * ${width})`;
      const hi = top === undefined ? `(${lo} + ${width})` : `least(${lo} + ${width}, ${top})`;
      const loText = d.integerText(lo);
      const hiText = d.integerText(`(${hi} - 1)`);
      const range = `CASE WHEN ${lo} >= 0 THEN ${d.concat(loText, "'-'", hiText)} ELSE ${d.concat("'['", loText, "', '", hiText, "']'")} END`;
      const arms = [...(top !== undefined ? [`WHEN ${num} >= ${top} THEN ${d.string(topCode(top))}`] : []), ...(bottom !== undefined ? [`WHEN ${num} < ${bottom} THEN ${d.string(bottomCode(bottom))}`] : [])];
      return { when: d.matches(value, PLAIN_INTEGER), then: arms.length > 0 ? `CASE ${arms.join(' ')} ELSE ${range} END` : range };
    }
    case 'cap':
      return { when: plain, then: `CASE WHEN ${num} >= ${numberLiteral(o.top)} THEN ${d.string(topCode(o.top))} ELSE ${value} END` };
    case 'over':
      return { when: plain, then: `CASE WHEN ${num} > ${numberLiteral(o.over)} THEN ${d.string(`>${formatNumber(o.over)}`)} ELSE ${value} END` };
    case 'to': {
      const date = dates.toDate(value);
      const year = d.substring(value, '1', '4');
      const levels: Record<DateLevel, string> = {
        year,
        month: d.substring(value, '1', '7'),
        day: value,
        quarter: d.concat(year, "'-Q'", dates.quarter(date)),
        week: d.concat(dates.isoYear(date), "'-W'", dates.isoWeek(date)),
      };
      const then = levels[o.to];
      return { when: plainDate(value, d, dates), then: o.before === undefined ? then : `CASE WHEN ${year} < ${d.string(String(o.before).padStart(4, '0'))} THEN ${d.string(`<${o.before}`)} ELSE ${then} END` };
    }
    case 'hierarchy':
      return undefined;
  }
}

function parseWidth(r: OptionReader): GeneralizeOptions | undefined {
  const width = r.number('width', { required: true, above: 0 });
  const top = r.number('top');
  const bottom = r.number('bottom');
  if (width === undefined) return undefined;
  const allIntegers = [width, top ?? 0, bottom ?? 0].every(Number.isInteger);
  const integer = r.boolean('integer') ?? allIntegers;
  if (integer && !allIntegers) {
    r.report('POLICY_CONFLICT', 'integer', { expected: 'integer width, top and bottom with integer: true', found: 'a fractional bound' });
    return undefined;
  }
  if (top !== undefined && bottom !== undefined && top <= bottom) {
    r.report('POLICY_VALUE', 'top', { expected: `a number above bottom (${bottom})`, found: String(top) });
    return undefined;
  }
  return { mode: 'width', width, integer, ...(top !== undefined && { top }), ...(bottom !== undefined && { bottom }) };
}

function parseHierarchyOption(r: OptionReader): GeneralizeOptions | undefined {
  const level = r.number('level', { integer: true, min: 0 }) ?? 1;
  const read = readHierarchyOption(r, 'hierarchy');
  if (read === undefined) return undefined;
  if (level >= read.hierarchy.levels) {
    r.report('POLICY_VALUE', 'level', {
      expected: `a level from 0 to ${read.hierarchy.levels - 1} (${read.file} has ${read.hierarchy.levels} levels)`,
      found: String(level),
    });
    return undefined;
  }
  return { mode: 'hierarchy', file: read.file, level, hierarchy: read.hierarchy };
}

function readNumber(value: string): number {
  const n = parseNumber(value);
  if (n === undefined) throw new ValueError('VALUE_NOT_NUMBER', 'a number');
  return n;
}

function generalizer(o: GeneralizeOptions): ColumnFn {
  switch (o.mode) {
    case 'width': {
      const origin = o.bottom ?? 0;
      return (value) => {
        const v = readNumber(value);
        if (o.integer && !Number.isInteger(v)) {
          throw new ValueError('VALUE_NOT_INTEGER', 'an integer (set integer: false for real numbers)');
        }
        if (o.top !== undefined && v >= o.top) return topCode(o.top);
        if (o.bottom !== undefined && v < o.bottom) return bottomCode(o.bottom);
        const lo = origin + Math.floor((v - origin) / o.width) * o.width;
        const hi = o.top === undefined ? lo + o.width : Math.min(lo + o.width, o.top);
        return o.integer ? integerRange(lo, hi - 1) : realRange(lo, hi);
      };
    }
    case 'bins': {
      const { bins } = o;
      const first = bins[0]!;
      const last = bins[bins.length - 1]!;
      return (value) => {
        const v = readNumber(value);
        if (v < first) return bottomCode(first);
        if (v >= last) return topCode(last);
        let lo = 0;
        let hi = bins.length - 1; // bins[lo] <= v < bins[hi]
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (bins[mid]! <= v) lo = mid;
          else hi = mid;
        }
        return realRange(bins[lo]!, bins[hi]!);
      };
    }
    case 'to':
      return (value) => {
        const d = parseDate(value);
        if (d && o.before !== undefined && d.year < o.before) return `<${o.before}`;
        const out = d && truncateDate(d, o.to);
        if (d && d.day > 0 && out === undefined) throw new ValueError('VALUE_DATE_OUT_OF_RANGE', 'a date whose ISO week falls within the years 0000-9999');
        if (out === undefined) throw new ValueError('VALUE_NOT_DATE', o.to === 'year' ? 'a date (YYYY, YYYY-MM or YYYY-MM-DD)' : 'a date YYYY-MM-DD');
        return out;
      };
    case 'prefix':
      return (value) => {
        if (o.zip) value = zipCode(value);
        const chars = [...value];
        const cut = chars.length <= o.prefix ? value : chars.slice(0, o.prefix).join('');
        return o.restricted.has(cut) ? '0'.repeat(o.prefix) : cut;
      };
    case 'cap':
      return (value) => (readNumber(value) >= o.top ? topCode(o.top) : value);
    case 'over':
      return (value) => (readNumber(value) > o.over ? `>${formatNumber(o.over)}` : value);
    case 'hierarchy': {
      const { rows } = o.hierarchy;
      return (value) => {
        const row = rows.get(value);
        if (row === undefined) throw new ValueError('VALUE_NOT_IN_HIERARCHY', `a leaf of ${o.file}`);
        return row[o.level]!;
      };
    }
  }
}


/**
 * The 5 digits of a US ZIP code: 12345, 12345-6789 or 123456789. Four digits
 * are a ZIP code whose leading zero was lost on the way (a spreadsheet read
 * 02139 as the number 2139): cut as it is, 2139 -> 213 would point at 0213x.
 */
function zipCode(value: string): string {
  const v = value.trim();
  if (/^\d{5}(?:-?\d{4})?$/.test(v)) return v.slice(0, 5);
  if (/^\d{4}$/.test(v)) return `0${v}`;
  throw new ValueError('VALUE_NOT_ZIP', 'a US ZIP code: 5 digits or ZIP+4 (4 digits are read as a ZIP code that lost its leading zero)');
}
