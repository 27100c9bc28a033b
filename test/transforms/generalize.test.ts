import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnFn, REPO } from '../helpers.js';

/** Reads an interval label back into [lo, hi) bounds (independently of the code that wrote it). */
function bounds(label: string): { lo: number; hi: number } {
  let m = /^(-?\d+)-(-?\d+)$/.exec(label);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) + 1 };
  m = /^\[(-?[\d.e+-]+), (-?[\d.e+-]+)\]$/.exec(label);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) + 1 };
  m = /^\[(-?[\d.e+-]+), (-?[\d.e+-]+)\)$/.exec(label);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(-?[\d.e+-]+)\+$/.exec(label);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^<(-?[\d.e+-]+)$/.exec(label);
  if (m) return { lo: -Infinity, hi: Number(m[1]) };
  throw new Error(`not an interval: ${label}`);
}

describe('generalize: numbers', () => {
  it('width: every label covers its value, buckets never overlap, order is kept', async () => {
    const g = await columnFn('age', '{ transform: generalize, width: 10, top: 90, bottom: 10 }');
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 200 }), fc.integer({ min: -50, max: 200 }), (a, b) => {
        const [la, lb] = [g(String(a)) as string, g(String(b)) as string];
        const [ba, bb] = [bounds(la), bounds(lb)];
        expect(a).toBeGreaterThanOrEqual(ba.lo);
        expect(a).toBeLessThan(ba.hi);
        if (la === lb) expect(ba).toEqual(bb);
        else expect(ba.hi <= bb.lo || bb.hi <= ba.lo).toBe(true); // disjoint: no value is split across buckets
        if (a <= b) expect(ba.lo).toBeLessThanOrEqual(bb.lo); // monotone
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it('width with real numbers and fractional widths', async () => {
    const g = await columnFn('x', '{ transform: generalize, width: 0.1, integer: false }');
    expect(g('0.35')).toBe('[0.3, 0.4)');
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (v) => {
        const b = bounds(g(String(v)) as string);
        expect(v).toBeGreaterThanOrEqual(b.lo - 1e-9);
        expect(v).toBeLessThan(b.hi + 1e-9);
      }),
      { seed: 4, numRuns: 500 },
    );
  });

  it('bins: labels cover their values and respect the edges', async () => {
    const edges = [0, 20000, 50000, 100000];
    const g = await columnFn('income', `{ transform: generalize, bins: [${edges.join(', ')}] }`);
    expect(g('34000.5')).toBe('[20000, 50000)');
    expect(g('20000')).toBe('[20000, 50000)');
    expect(g('-1')).toBe('<0');
    expect(g('100000')).toBe('100000+');
    fc.assert(
      fc.property(fc.double({ min: -1e5, max: 3e5, noNaN: true }), (v) => {
        const b = bounds(g(String(v)) as string);
        expect(v >= b.lo && v < b.hi).toBe(true);
      }),
      { seed: 5, numRuns: 500 },
    );
  });

  it('integer width rejects non-integers, never silently rounds', async () => {
    const g = await columnFn('age', '{ transform: generalize, width: 10 }');
    expect(() => g('37.5')).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'VALUE_NOT_INTEGER' })] }));
    for (const bad of ['abc', '0x10', '1e', ' 3', 'NaN', 'Infinity']) {
      expect(() => g(bad)).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'VALUE_NOT_NUMBER' })] }));
    }
  });
});

describe('generalize: dates', () => {
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const dates = fc.integer({ min: -200_000, max: 100_000 }).map((days) => new Date(days * 86_400_000));

  it('year, quarter, month and day agree with the calendar', async () => {
    const [year, quarter, month, day] = await Promise.all(
      ['year', 'quarter', 'month', 'day'].map((to) => columnFn('d', `{ transform: generalize, to: ${to} }`)),
    );
    fc.assert(
      fc.property(dates, (d) => {
        const text = iso(d);
        const y = text.slice(0, 4);
        expect(year!(text)).toBe(y);
        expect(month!(text)).toBe(text.slice(0, 7));
        expect(quarter!(text)).toBe(`${y}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`);
        expect(day!(`${text}T12:00:00Z`)).toBe(text);
      }),
      { seed: 6, numRuns: 500 },
    );
  });

  it('weeks are ISO 8601 weeks', async () => {
    const week = await columnFn('d', '{ transform: generalize, to: week }');
    // Independent rule: the ISO week of a date is the week of its Thursday; week 1 holds January 4th.
    const reference = (d: Date) => {
      const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
      const jan4 = Date.UTC(thursday.getUTCFullYear(), 0, 4);
      const jan4Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
      const w = Math.floor((thursday.getTime() - jan4Monday) / (7 * 86_400_000)) + 1;
      return `${thursday.getUTCFullYear()}-W${String(w).padStart(2, '0')}`;
    };
    fc.assert(fc.property(dates.filter((d) => d.getUTCFullYear() >= 1000), (d) => {
      expect(week(iso(d))).toBe(reference(d));
    }), { seed: 7, numRuns: 1000 });
    expect(week('2021-01-03')).toBe('2020-W53');
    expect(week('2024-12-30')).toBe('2025-W01');
  });

  it('rejects what is not a date', async () => {
    const year = await columnFn('d', '{ transform: generalize, to: year }');
    for (const bad of ['1984-02-30', '1984-13-01', '84-01-01', '1984/01/01', '2023-02-29', 'yesterday', '1984-01-01T25:00']) {
      expect(() => year(bad), bad).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'VALUE_NOT_DATE' })] }));
    }
    expect(year('2024-02-29')).toBe('2024');
  });
});

describe('generalize: strings and hierarchies', () => {
  it('prefix counts characters, not bytes', async () => {
    const g = await columnFn('zip', '{ transform: generalize, prefix: 3 }');
    expect(g('02139')).toBe('021');
    expect(g('Zürich')).toBe('Zür');
    expect(g('ab')).toBe('ab');
  });

  it('hierarchy: each leaf maps to its node at the level, as in the file', async () => {
    const file = readFileSync(join(REPO, 'fixtures/adult/adult_hierarchy_age.csv'), 'utf8');
    for (const level of [0, 1, 2, 3, 4]) {
      const g = await columnFn('age', `{ transform: generalize, hierarchy: age.csv, level: ${level} }`, { files: { 'age.csv': file } });
      for (const line of file.trim().split('\n')) {
        const fields = line.split(';');
        expect(g(fields[0]!)).toBe(fields[level]);
      }
    }
  });
});
