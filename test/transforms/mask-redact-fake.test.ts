import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFn } from '../helpers.js';

describe('mask', () => {
  it('shows at most keep_first + keep_last characters and keeps the length', async () => {
    const m = await columnFn('p', '{ transform: mask, keep_first: 1, keep_last: 2 }');
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme-ascii' }), (v) => {
        const out = m(v) as string;
        const chars = [...v];
        expect([...out].length).toBe(chars.length);
        if (chars.length <= 3) expect(out).toBe('*'.repeat(chars.length));
        else expect(out).toBe(chars[0] + '*'.repeat(chars.length - 3) + chars.slice(-2).join(''));
      }),
      { seed: 10, numRuns: 300 },
    );
  });
});

describe('redact', () => {
  it('replaces every non-empty value with the constant', async () => {
    const r = await columnFn('s', '{ transform: redact }');
    const w = await columnFn('s', '{ transform: redact, with: "" }');
    expect(r('123-45-6789')).toBe('[REDACTED]');
    expect(r('')).toBe('');
    expect(w('x')).toBe('');
  });
});

describe('fake', () => {
  it('is consistent: the same value and key give the same fake, across pipelines', async () => {
    const a = await columnFn('name', '{ transform: fake, as: person.fullName }');
    const b = await columnFn('name', '{ transform: fake, as: person.fullName }');
    const names = Array.from({ length: 200 }, (_, i) => `Person ${i}`);
    const outA = names.map((n) => a(n));
    expect(names.map((n) => b(n))).toEqual(outA);
    expect([...names].reverse().map((n) => b(n))).toEqual([...outA].reverse()); // order does not matter
    expect(new Set(outA).size).toBeGreaterThan(150); // values vary
    for (const n of names) expect(outA).not.toContain(n);
  });

  it('changes with the key and the domain', async () => {
    const a = await columnFn('name', '{ transform: fake, as: person.fullName }');
    const otherKey = await columnFn('name', '{ transform: fake, as: person.fullName }', { key: 'another-key-of-enough-length' });
    const otherDomain = await columnFn('name', '{ transform: fake, as: person.fullName, domain: x }');
    let sameKey = 0;
    let sameDomain = 0;
    for (let i = 0; i < 100; i++) {
      if (a(`P${i}`) === otherKey(`P${i}`)) sameKey++;
      if (a(`P${i}`) === otherDomain(`P${i}`)) sameDomain++;
    }
    expect(sameKey).toBeLessThan(5);
    expect(sameDomain).toBeLessThan(5);
  });

  it('uses the locale', async () => {
    const de = await columnFn('c', '{ transform: fake, as: location.country, locale: de }');
    const en = await columnFn('c', '{ transform: fake, as: location.country }');
    let differ = 0;
    for (let i = 0; i < 50; i++) if (de(`v${i}`) !== en(`v${i}`)) differ++;
    expect(differ).toBeGreaterThan(25);
  });

  it('consistent: false is reproducible with a seed and fresh without one', async () => {
    const spec = '{ transform: fake, as: person.fullName, consistent: false }';
    const s1 = await columnFn('n', spec, { seed: 5 });
    const s2 = await columnFn('n', spec, { seed: 5 });
    const r1 = await columnFn('n', spec);
    const r2 = await columnFn('n', spec);
    const run = (f: (v: string) => unknown) => Array.from({ length: 20 }, () => f('same'));
    expect(run(s1)).toEqual(run(s2));
    expect(new Set(run(s1)).size).toBeGreaterThan(10); // per cell, not per value
    expect(run(r1)).not.toEqual(run(r2));
  });
});
