// Attacks on the key: keys no generator made (a repeated byte, a pattern, a
// short alphabet, 16 hex digits read as 16 bytes), and the public demo key
// used outside the demo. And the other side: keys real generators make are
// never refused.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_KEY, keyBits } from '../../src/lib/key.js';
import { REPO, tempDir, veil } from '../helpers.js';

const dir = tempDir();
writeFileSync(join(dir, 'in.csv'), 'email\nann@x.org\n');
writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  email: hash\n');
const run = (key: string | Buffer, extra: string[] = []) => {
  writeFileSync(join(dir, 'key'), key);
  return veil(['apply', 'in.csv', '--policy', 'p.yaml', '--key-file', 'key', '-q', ...extra], { cwd: dir });
};

describe('attack: keys that no generator made', () => {
  it.each([
    ['one repeated byte', 'aaaaaaaaaaaaaaaa', /found 1 distinct bytes/],
    ['a short alphabet', 'abbabaabbaababbaabbabaabbaababba', /found 2 distinct bytes/],
    ['a repeated pattern', 'k3y!k3y!k3y!k3y!k3y!k3y!k3y!k3y!', /at most 26 bits/],
    ['a pattern with one change', '0123456789abcdef0123456789abcdeF', /at most \d+ bits/],
    ['16 hex digits (openssl rand -hex 8): 64 bits, not 128', '9f86d081884c7d65', /at most 64 bits/],
  ])('refuses %s (exit 2, the key never printed)', (_, key, detail) => {
    const r = run(key);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the key is too weak: expected at least 128 bits, found .* \[KEY_WEAK\]/);
    expect(r.stderr).toMatch(detail);
    expect(r.stderr).not.toContain(key);
    expect(r.stdout).toBe('');
  });

  it('refuses the public demo key outside the demo, and says how to make one', () => {
    const r = run(`${DEMO_KEY}\n`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/public demo key.*openssl rand -hex 32.*--allow-demo-key for the demo \[KEY_DEMO\]/);
    expect(run(`${DEMO_KEY}\n`, ['--allow-demo-key']).status).toBe(0);
    // The demo key in the repository is that key.
    expect(veil(['apply', 'fixtures/demo/patients.csv', '--policy', 'fixtures/demo/policy.yaml', '--key-file', 'fixtures/demo/DEMO-KEY-not-secret.txt', '-q'], { cwd: REPO }).status).toBe(2);
    // veil hash too.
    writeFileSync(join(dir, 'demo.key'), DEMO_KEY);
    expect(veil(['hash', '--column', 'email', '--key-file', join(dir, 'demo.key')], { input: 'ann@x.org\n' }).status).toBe(2);
  });
});

describe('keys that generators make', () => {
  it('are accepted: hex of 16 or 32 random bytes, base64 of 16, 16 raw bytes (1,000 of each)', () => {
    for (let i = 0; i < 1000; i++) {
      for (const key of [randomBytes(16).toString('hex'), randomBytes(32).toString('hex'), randomBytes(16).toString('base64'), randomBytes(16).toString('base64url')]) {
        const b = Buffer.from(key);
        expect(keyBits(b).bits, key).toBeGreaterThanOrEqual(128);
        expect(keyBits(b).distinct).toBeGreaterThanOrEqual(4);
      }
      // Raw bytes: refused only when they hold fewer than 4 distinct values, which 16 random bytes never do.
      expect(keyBits(randomBytes(16)).bits).toBeGreaterThanOrEqual(128);
    }
    expect(run(randomBytes(32).toString('hex')).status).toBe(0);
    expect(run(randomBytes(24)).status).toBe(0);
  });
});
