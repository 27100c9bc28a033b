import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFn } from '../helpers.js';

const DAY = 86_400_000;
const days = (text: string) => Date.parse(`${text.slice(0, 10)}T00:00:00Z`) / DAY;
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

describe('date-shift', () => {
  it('keeps the interval between any two dates of one entity, and moves each by 1..max_days', async () => {
    const shift = await columnFn('visit', '{ transform: date-shift, max_days: 30, by: patient }', { others: ['patient'] });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: -50_000, max: 50_000 }), fc.integer({ min: -5_000, max: 5_000 }), (patient, d1, gap) => {
        const a = shift(iso(d1), { patient }) as string;
        const b = shift(iso(d1 + gap), { patient }) as string;
        expect(days(b) - days(a)).toBe(gap);
        const offset = days(a) - d1;
        expect(Math.abs(offset)).toBeGreaterThanOrEqual(1);
        expect(Math.abs(offset)).toBeLessThanOrEqual(30);
      }),
      { seed: 8, numRuns: 500 },
    );
  });

  it('offsets are uniform over [-max, -1] and [1, max] across entities (chi-square, 1% level)', async () => {
    const shift = await columnFn('visit', '{ transform: date-shift, max_days: 5, by: patient }', { others: ['patient'] });
    const counts = new Map<number, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const offset = days(shift('2024-01-01', { patient: `P${i}` }) as string) - days('2024-01-01');
      counts.set(offset, (counts.get(offset) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]);
    const expected = n / 10;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(21.67); // chi-square, 9 degrees of freedom, p = 0.01
  });

  it('keeps the time of day and the offset text; shares the offset across columns of one entity', async () => {
    const visit = await columnFn('visit', '{ transform: date-shift, max_days: 30, by: patient }', { others: ['patient'] });
    const a = visit('2024-03-12', { patient: 'P1' }) as string;
    const b = visit('2024-03-12T08:30:00+02:00', { patient: 'P1' }) as string;
    expect(b).toBe(`${a}T08:30:00+02:00`);
    const discharge = await columnFn('discharge', '{ transform: date-shift, max_days: 30, by: patient }', { others: ['patient'] });
    expect(discharge('2024-03-12', { patient: 'P1' })).toBe(a);
  });

  it('crosses month, year and leap-day boundaries correctly', async () => {
    const shift = await columnFn('visit', '{ transform: date-shift, max_days: 400, by: patient }', { others: ['patient'] });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -1000, max: 60000 }), (p, d) => {
        const out = shift(iso(d), { patient: `P${p}` }) as string;
        expect(iso(days(out))).toBe(out); // a real calendar date
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('depends on the key', async () => {
    const a = await columnFn('visit', '{ transform: date-shift, max_days: 365, by: patient }', { others: ['patient'] });
    const b = await columnFn('visit', '{ transform: date-shift, max_days: 365, by: patient }', { others: ['patient'], key: 'another-key-of-enough-length' });
    let same = 0;
    for (let i = 0; i < 200; i++) if (a('2024-01-01', { patient: `P${i}` }) === b('2024-01-01', { patient: `P${i}` })) same++;
    expect(same).toBeLessThan(10);
  });
});
