// JSON values as veil reads and writes them. `keep` passes a value through
// as it was written, but JSON.parse turns each number into a double:
// 12345678901234567890123 became 1.2345678901234568e+22, 1e309 null, -0 0,
// 1.50 1.5. A number whose text a double does not give back is kept as a
// JsonNumber, its text as written; every other number stays a number.
// Nesting is limited (MAX_DEPTH): a value nested 10,000 levels deep is an
// input error, not a stack overflow in whatever walks it next. A key given
// twice in one object is an error (JSON.parse keeps the last silently, and a
// policy could not say which of the two it protects).

/** A JSON number whose text a double would change: kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** How deep objects and arrays may nest in one record. */
export const MAX_DEPTH = 1000;

/** A JSON text that is not valid, nests deeper than MAX_DEPTH, or gives a key twice in one object (`key`: its path, dotted). */
export class JsonError extends Error {
  constructor(
    readonly reason: 'invalid' | 'too_deep' | 'duplicate_key',
    readonly key?: string,
  ) {
    super(reason);
  }
}

/**
 * A number a double may not give back as written, where a JSON value starts
 * (after ':', ',' or '['): -0, an exponent, 16 digits or more, a fraction
 * ending in 0, or five zeros after "0.". A text without one parses exactly
 * with JSON.parse; a false alarm (such text inside a string) only costs the
 * slower parser.
 */
const MAYBE_LOSSY = /[:,[]\s*(?:-0(?![.\d])|-?(?:\d+(?:\.\d+)?[eE]|(?=[\d.]{17})\d|\d+\.\d*0(?!\d)|0\.0{5}))/;

/** Parses one JSON text: JSON.parse where that is exact, else a parser that keeps number texts. Throws JsonError. */
export function parseJson(text: string): unknown {
  if (text.length > 2 * MAX_DEPTH && depthOf(text) > MAX_DEPTH) throw new JsonError('too_deep');
  if (!MAYBE_LOSSY.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new JsonError('invalid');
    }
    // Every key ends with a quote and a colon, so the text has at least as many of those as the keys it gives; as
    // many as the parsed objects hold, then no key was given twice. Otherwise (a key twice, or `":` inside a string)
    // the exact parser decides.
    if (keyMarks(text) === keysIn(value)) return value;
  }
  const p = new Parser(text);
  const value = p.value(0);
  p.space();
  if (p.at !== text.length) throw new JsonError('invalid');
  return value;
}

const KEY_MARK = /"\s*:/g;

/** How many times a quote is followed by a colon in a text: at least the number of keys it gives. */
function keyMarks(text: string): number {
  let n = 0;
  KEY_MARK.lastIndex = 0;
  while (KEY_MARK.exec(text) !== null) n++;
  return n;
}

/** The keys of every object in a parsed value. */
function keysIn(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += keysIn(x);
    return n;
  }
  for (const key in v) {
    n++;
    n += keysIn((v as Record<string, unknown>)[key]);
  }
  return n;
}

/** The deepest nesting of objects and arrays in a JSON text (brackets inside strings do not count). */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, escapes included.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  at = 0;
  constructor(private readonly text: string) {}

  space(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.at++;
    }
  }

  value(depth: number, path = ''): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) throw new JsonError('too_deep');
      return c === '{' ? this.object(depth + 1, path) : this.array(depth + 1, path);
    }
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    throw new JsonError('invalid');
  }

  private string(): string {
    STRING.lastIndex = this.at;
    const m = STRING.exec(this.text);
    if (!m) throw new JsonError('invalid');
    this.at += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  private number(): number | JsonNumber {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (!m) throw new JsonError('invalid');
    this.at += m[0].length;
    const n = Number(m[0]);
    return Object.is(n, -0) || String(n) !== m[0] ? new JsonNumber(m[0]) : n;
  }

  private expect(ch: string): void {
    this.space();
    if (this.text[this.at] !== ch) throw new JsonError('invalid');
    this.at++;
  }

  private object(depth: number, path: string): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.expect(':');
      const at = path === '' ? key : `${path}.${key}`;
      if (Object.hasOwn(out, key)) throw new JsonError('duplicate_key', at);
      // Like JSON.parse: "__proto__" is an own key, not the prototype.
      Object.defineProperty(out, key, { value: this.value(depth, at), enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.text[this.at++];
      if (c === '}') return out;
      if (c !== ',') throw new JsonError('invalid');
    }
  }

  private array(depth: number, path: string): unknown[] {
    this.at++;
    const out: unknown[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth, path));
      this.space();
      const c = this.text[this.at++];
      if (c === ']') return out;
      if (c !== ',') throw new JsonError('invalid');
    }
  }
}

/** A value as JSON text: JsonNumbers as written, anything else as JSON.stringify writes it. */
export function jsonText(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (v === null || typeof v !== 'object' || !holdsJsonNumber(v, 0)) return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : jsonText(x))).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${jsonText(x)}`);
  return `{${parts.join(',')}}`;
}

function holdsJsonNumber(v: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    if (x instanceof JsonNumber) return true;
    if (x !== null && typeof x === 'object' && holdsJsonNumber(x, depth + 1)) return true;
  }
  return false;
}
