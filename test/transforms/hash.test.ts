import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFn, TEST_KEY } from '../helpers.js';

/** HMAC-SHA256 as documented: subkey = HMAC(key, "veil/v1/hash/<domain>"), pseudonym = HMAC(subkey, value). */
function reference(key: string, domain: string, value: string, length = 32): string {
  const subkey = createHmac('sha256', key).update(`veil/v1/hash/${domain}`).digest();
  return createHmac('sha256', subkey).update(value, 'utf8').digest('hex').slice(0, length);
}

describe('hash', () => {
  it('is HMAC-SHA256 under a subkey of the column, truncated to the length', async () => {
    const h = await columnFn('email', '{ transform: hash }');
    const h24 = await columnFn('email', '{ transform: hash, length: 24 }');
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, unit: 'grapheme' }), async (v) => {
        expect(h(v)).toBe(reference(TEST_KEY, 'email', v));
        expect(h24(v)).toBe(reference(TEST_KEY, 'email', v, 24));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('is stable per key, differs across keys and across domains', async () => {
    const a = await columnFn('email', '{ transform: hash }');
    const again = await columnFn('email', '{ transform: hash }');
    const otherKey = await columnFn('email', '{ transform: hash }', { key: 'another-key-of-enough-length' });
    const otherDomain = await columnFn('email', '{ transform: hash, domain: people }');
    const otherColumn = await columnFn('contact', '{ transform: hash }');
    const sameDomain = await columnFn('contact', '{ transform: hash, domain: people }');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (v) => {
        expect(again(v)).toBe(a(v));
        expect(otherKey(v)).not.toBe(a(v));
        expect(otherDomain(v)).not.toBe(a(v));
        expect(otherColumn(v)).not.toBe(a(v));
        expect(sameDomain(v)).toBe(otherDomain(v));
      }),
      { seed: 2, numRuns: 300 },
    );
  });

  it('normalizes before hashing', async () => {
    const email = await columnFn('e', '{ transform: hash, normalize: email }');
    expect(email('  Ann@Example.COM ')).toBe(email('ann@example.com'));
    expect(email('ann@example.com')).toBe(reference(TEST_KEY, 'e', 'ann@example.com'));
    const digits = await columnFn('p', '{ transform: hash, normalize: digits }');
    expect(digits('(555) 014-2')).toBe(digits('5550142'));
    const plain = await columnFn('e', '{ transform: hash }');
    expect(plain('Ann@x.org')).not.toBe(plain('ann@x.org'));
  });

  it('leaves empty values empty', async () => {
    const h = await columnFn('email', '{ transform: hash }');
    expect(h('')).toBe('');
  });

  it('has no unkeyed mode: a keyed policy without a key cannot be compiled', async () => {
    await expect(columnFn('email', '{ transform: hash }', { key: null })).rejects.toMatchObject({ problems: [{ code: 'KEY_MISSING' }] });
  });
});
