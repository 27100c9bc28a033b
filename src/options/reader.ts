// Reads one YAML mapping of the policy, option by option, into a canonical
// form. Every problem is collected (never thrown) with its policy path and its
// line and column, so a user sees all of them in one run.

import type { Registry } from '../detect/index.js';
import { isMap, isScalar, isSeq, type Node, type YAMLMap, type LineCounter } from 'yaml';
import type { PolicyCode, PolicyProblem } from '../lib/errors.js';
import { nearest } from '../lib/suggest.js';

/** Reads a file named in the policy, relative to the policy file. The core never touches the disk itself. */
export type PolicyFileReader = (relativePath: string) => { text: string } | { errno: string };

export interface PolicyContext {
  readonly problems: PolicyProblem[];
  /** The recognizers of the policy (built-in and declared under `recognizers:`), once they are read. */
  registry?: Registry;
  readonly lineCounter: LineCounter;
  readonly readFile: PolicyFileReader;
}

interface NumberRule {
  required?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than this. */
  above?: number;
}

export class OptionReader {
  constructor(
    readonly map: YAMLMap,
    readonly path: string,
    readonly ctx: PolicyContext,
  ) {}

  /** Keys present in the mapping, in order. */
  keys(): string[] {
    return this.map.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
  }

  has(name: string): boolean {
    return this.node(name) !== undefined;
  }

  node(name: string): Node | undefined {
    const pair = this.map.items.find((p) => isScalar(p.key) && p.key.value === name);
    return pair ? ((pair.value as Node | null) ?? undefined) : undefined;
  }

  /** Line and column of a node (or of this mapping). */
  at(node?: Node | null): { line?: number; column?: number } {
    const range = (node ?? this.map).range;
    if (!range) return {};
    const pos = this.ctx.lineCounter.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  }

  report(
    code: PolicyCode,
    name: string | undefined,
    detail: { expected?: string; found?: string; suggestion?: string; node?: Node | null },
  ): void {
    const path = name === undefined ? this.path : this.path ? `${this.path}.${name}` : name;
    const node = detail.node ?? (name === undefined ? this.map : this.node(name));
    const problem: PolicyProblem = {
      kind: 'policy',
      code,
      path,
      ...this.at(node),
      ...(detail.expected !== undefined && { expected: detail.expected }),
      ...(detail.found !== undefined && { found: detail.found }),
      ...(detail.suggestion !== undefined && { suggestion: detail.suggestion }),
    };
    this.ctx.problems.push(problem);
  }

  private missing(name: string, expected: string): void {
    this.report('POLICY_MISSING_KEY', name, { expected, node: this.map });
  }

  number(name: string, rule: NumberRule = {}): number | undefined {
    const node = this.node(name);
    const expected = describeNumber(rule);
    if (node === undefined) {
      if (rule.required) this.missing(name, expected);
      return undefined;
    }
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.report('POLICY_TYPE', name, { expected, found: show(node) });
      return undefined;
    }
    if (!numberFits(value, rule)) {
      this.report('POLICY_VALUE', name, { expected, found: show(node) });
      return undefined;
    }
    return value;
  }

  string(name: string, rule: { required?: boolean; oneOf?: readonly string[]; nonEmpty?: boolean } = {}): string | undefined {
    const node = this.node(name);
    const expected = rule.oneOf ? `one of ${rule.oneOf.join(', ')}` : rule.nonEmpty ? 'a non-empty string' : 'a string';
    if (node === undefined) {
      if (rule.required) this.missing(name, expected);
      return undefined;
    }
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'string') {
      this.report('POLICY_TYPE', name, { expected, found: show(node) });
      return undefined;
    }
    if (rule.oneOf && !rule.oneOf.includes(value)) {
      const suggestion = nearest(value, rule.oneOf);
      this.report('POLICY_VALUE', name, { expected, found: show(node), ...(suggestion && { suggestion }) });
      return undefined;
    }
    if (rule.nonEmpty && value === '') {
      this.report('POLICY_VALUE', name, { expected, found: '""' });
      return undefined;
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const node = this.node(name);
    if (node === undefined) return undefined;
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'boolean') {
      this.report('POLICY_TYPE', name, { expected: 'true or false', found: show(node) });
      return undefined;
    }
    return value;
  }

  /** The items of a list option, each accepted by `item`; reports and returns undefined otherwise. */
  private list<T>(name: string, expected: string, required: boolean | undefined, item: (v: unknown) => v is T): T[] | undefined {
    const node = this.node(name);
    if (node === undefined) {
      if (required) this.missing(name, expected);
      return undefined;
    }
    if (!isSeq(node)) {
      this.report('POLICY_TYPE', name, { expected, found: show(node) });
      return undefined;
    }
    const values: T[] = [];
    for (const entry of node.items) {
      const v = isScalar(entry) ? entry.value : undefined;
      if (!item(v)) {
        this.report('POLICY_TYPE', name, { expected, found: show(entry as Node), node: entry as Node });
        return undefined;
      }
      values.push(v);
    }
    return values;
  }

  numberList(name: string, rule: { required?: boolean; minLength?: number; increasing?: boolean } = {}): number[] | undefined {
    const expected = `a list of ${rule.minLength ?? 1} or more numbers${rule.increasing ? ' in increasing order' : ''}`;
    const values = this.list(name, expected, rule.required, (v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values === undefined) return undefined;
    if (values.length < (rule.minLength ?? 1) || (rule.increasing && values.some((v, i) => i > 0 && v <= values[i - 1]!))) {
      this.report('POLICY_VALUE', name, { expected, found: show(this.node(name)) });
      return undefined;
    }
    return values;
  }

  stringList(name: string, rule: { required?: boolean; minLength?: number } = {}): string[] | undefined {
    const expected = `a list of ${rule.minLength ?? 1} or more names`;
    const values = this.list(name, expected, rule.required, (v): v is string => typeof v === 'string' && v !== '');
    if (values === undefined) return undefined;
    const repeat = values.findIndex((v, i) => values.indexOf(v) !== i);
    if (repeat >= 0) {
      const item = (this.node(name) as { items: Node[] }).items[repeat];
      this.report('POLICY_VALUE', name, { expected: 'names without repeats', found: JSON.stringify(values[repeat]), node: item ?? null });
      return undefined;
    }
    if (values.length < (rule.minLength ?? 1)) {
      this.report('POLICY_VALUE', name, { expected, found: show(this.node(name)) });
      return undefined;
    }
    return values;
  }

  /** A plain JSON-like value (for options passed through, such as faker arguments). */
  plain(name: string): unknown {
    const node = this.node(name);
    return node === undefined ? undefined : (node as { toJSON(): unknown }).toJSON();
  }

  /** Reports every key that is not one of `known`, with the nearest known name. */
  rejectUnknown(known: readonly string[]): void {
    for (const pair of this.map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : show(pair.key as Node);
      if (!known.includes(key)) {
        const suggestion = nearest(key, known);
        this.report('POLICY_UNKNOWN_KEY', key, {
          expected: `one of ${known.join(', ')}`,
          found: JSON.stringify(key),
          node: pair.key as Node,
          ...(suggestion && { suggestion }),
        });
      }
    }
  }

  /** Exactly one of `names` must be present; returns it, or reports and returns undefined. */
  oneOf(names: readonly string[], what: string): string | undefined {
    const present = names.filter((n) => this.has(n));
    if (present.length === 1) return present[0];
    if (present.length === 0) {
      this.report('POLICY_MISSING_KEY', undefined, { expected: `${what}: one of ${names.join(', ')}` });
    } else {
      this.report('POLICY_CONFLICT', present[1], {
        expected: `only one of ${names.join(', ')}`,
        found: present.join(' and '),
      });
    }
    return undefined;
  }

  /** A reader for a nested mapping, or undefined (reported) if the value is not a mapping. */
  child(name: string, required = false): OptionReader | undefined {
    const node = this.node(name);
    const childPath = this.path ? `${this.path}.${name}` : name;
    if (node === undefined) {
      if (required) this.missing(name, 'a mapping');
      return undefined;
    }
    if (!isMap(node)) {
      this.report('POLICY_TYPE', name, { expected: 'a mapping', found: show(node) });
      return undefined;
    }
    return new OptionReader(node, childPath, this.ctx);
  }
}

function numberFits(v: number, rule: NumberRule): boolean {
  if (rule.integer && !Number.isInteger(v)) return false;
  if (rule.min !== undefined && v < rule.min) return false;
  if (rule.max !== undefined && v > rule.max) return false;
  if (rule.above !== undefined && v <= rule.above) return false;
  return true;
}

function describeNumber(rule: NumberRule): string {
  const noun = rule.integer ? 'an integer' : 'a number';
  const bounds: string[] = [];
  if (rule.above !== undefined) bounds.push(`above ${rule.above}`);
  if (rule.min !== undefined && rule.max !== undefined) bounds.push(`from ${rule.min} to ${rule.max}`);
  else if (rule.min !== undefined) bounds.push(`of at least ${rule.min}`);
  else if (rule.max !== undefined) bounds.push(`of at most ${rule.max}`);
  return [noun, ...bounds].join(' ');
}

/** How a policy node is shown in a message: policy text, short. */
export function show(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) {
    const text = JSON.stringify(node.toJSON());
    return text.length > 40 ? 'a list' : text;
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  }
  return 'an unreadable value';
}
