// How a cell reads as text, whatever the input format gave: CSV cells are
// strings already; JSON values are not.

import { JsonNumber } from './json.js';

/** A cell as text: JSON numbers and booleans by their JSON text (a JsonNumber as written), null and missing as empty, objects as canonical JSON. */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'object') return canonicalJson(value);
  return String(value);
}

/** Sorted keys, no spaces. Recursion is bounded: records nest at most MAX_DEPTH levels (lib/json.ts). */
function canonicalJson(value: unknown): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
