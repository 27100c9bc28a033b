import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { hmacSha256 } from '../src/lib/hmac-sha256.js';

it('equals node:crypto HMAC-SHA256 for random keys and messages of every length around the block boundaries', () => {
  const key = randomBytes(32);
  const mac = hmacSha256(key);
  for (let n = 0; n <= 300; n++) {
    const m = 'x'.repeat(n);
    expect(mac(m).toString('hex'), `length ${n}`).toBe(createHmac('sha256', key).update(m).digest('hex'));
  }
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (k, m) => {
      expect(hmacSha256(k)(m).toString('hex')).toBe(createHmac('sha256', Buffer.from(k)).update(m, 'utf8').digest('hex'));
    }),
    { seed: 31, numRuns: 2000 },
  );
  // A long message after short ones (the buffer grows).
  const long = '💡'.repeat(5000);
  expect(mac(long).toString('hex')).toBe(createHmac('sha256', key).update(long).digest('hex'));
  expect(mac('abc').toString('hex')).toBe(createHmac('sha256', key).update('abc').digest('hex'));
});
