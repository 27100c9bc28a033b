// ip: IPv4, leading zeros too (010.000.000.001), not after "v" or "version";
// IPv6, compressed too (2001:db8::1), as Node's own parser reads it.
// Defanged addresses (10[.]0[.]0[.]1) are read as plain by the normalization.

import { isIPv6 } from 'node:net';
import { defineRecognizer, type Found } from './define.js';

const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|[01]?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d?\d)(?!\.?\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
/** A version number, not an address: after "v", "ver." or "version" (not after "server"). */
const VERSION_BEFORE = /(?:\bv|\bversion|\bver\.?)\s*$/i;

function ipSpans(text: string, first: boolean): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(IPV4)) {
    if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 9), m.index))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, score: 1 });
    if (first) return out;
  }
  if (text.includes(':')) {
    for (const m of text.matchAll(IPV6)) {
      const groups = m[0].split(':').filter((g) => g !== '');
      if (groups.length < 2 || !isIPv6(m[0])) continue;
      out.push({ start: m.index, end: m.index + m[0].length, score: 1 });
      if (first) return out;
    }
  }
  return out;
}

export const ip = defineRecognizer({
  kind: 'ip',
  strict: true,
  // IPv4: four numbers and three dots between them; IPv6: two groups at least, so two colons.
  screen: (c) => c.digitDots >= 3 || (c.colons >= 2 && c.digits + c.letters >= 2),
  spans: (text) => ipSpans(text, false),
  holds: (text) => ipSpans(text, true).length > 0,
  sql: '[0-9]\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]|:[^:]*:',
  score: 1,
});
