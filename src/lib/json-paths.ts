// Nested JSON objects as columns by path. `{"address": {"zip": "02139"}}` has
// the column `address.zip`, as Miller flattens records and DuckDB names struct
// fields, so that a policy gives each field its own transform and the
// residual check reads each field alone. The paths are the first record's
// (as JSONL's columns are); JSON output nests them again. Arrays and empty
// objects are values, and an object the policy names whole (`address: drop`)
// stays one value.

import { VeilError } from './errors.js';
import { JsonNumber } from './json.js';

/** A nested column: the keys from the record down to the field. */
export type JsonPath = readonly string[];

export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);

/**
 * The columns of a record: its keys, and for each non-empty object the
 * fields inside it by path, unless `whole(name)` keeps that object one value.
 * `nested` holds the paths of the columns found inside objects. `line` is
 * the record's, for the error of a column named twice.
 */
export function jsonColumns(object: Record<string, unknown>, line: number, whole: (name: string) => boolean = () => false): { names: string[]; nested: JsonPath[] } {
  const names: string[] = [];
  const nested: JsonPath[] = [];
  const seen = new Set<string>();
  const walk = (o: Record<string, unknown>, path: string[]): void => {
    for (const key in o) {
      const at = [...path, key];
      const name = at.join('.');
      const v = o[key];
      if (!whole(name) && isJsonObject(v) && Object.keys(v).length > 0) {
        walk(v, at);
        continue;
      }
      // {"a.b": 1, "a": {"b": 2}} would name one column twice.
      if (seen.has(name)) throw new VeilError({ kind: 'input', code: 'INPUT_DUPLICATE_COLUMN', line, columnName: name, columnNumber: names.length + 1 });
      seen.add(name);
      names.push(name);
      if (path.length > 0) nested.push(at);
    }
  };
  walk(object, []);
  return { names, nested };
}

/**
 * Maps records onto a header whose nested columns are `nested`: each field to
 * its column; a missing or null object leaves its fields empty; anything else
 * where the first record had an object is an error (JSON_FIELD_NOT_OBJECT,
 * naming the path). A key of no column goes to `unknown` with its path.
 */
export function jsonRowMapper(
  header: readonly string[],
  nested: readonly JsonPath[],
  unknown: (name: string, line: number) => void,
): (object: Record<string, unknown>, line: number) => unknown[] {
  const index = new Map(header.map((name, i) => [name, i]));
  const branches = new Set(nested.flatMap((p) => p.slice(1).map((_, i) => p.slice(0, i + 1).join('.'))));
  const fill = (o: Record<string, unknown>, prefix: string, row: unknown[], line: number): void => {
    for (const key in o) {
      const name = prefix + key;
      const v = o[key];
      const at = index.get(name);
      if (at !== undefined) row[at] = v;
      else if (!branches.has(name)) unknown(name, line);
      else if (isJsonObject(v)) fill(v, `${name}.`, row, line);
      else if (v !== null) throw new VeilError({ kind: 'input', code: 'JSON_FIELD_NOT_OBJECT', line, columnName: name });
    }
  };
  return (object, line) => {
    const row = new Array<unknown>(header.length);
    fill(object, '', row, line);
    return row;
  };
}

/** A column of the output (`at`: its position), or an object of columns. */
export type OutputNode = { readonly key: string; readonly at: number } | { readonly key: string; readonly children: OutputNode[] };
type Node = OutputNode;

/** The output's columns as a tree: nested columns under their objects, in the order each object first appears. */
export function outputTree(columns: readonly string[], nested: readonly JsonPath[]): Node[] {
  const paths = new Map(nested.map((p) => [p.join('.'), p]));
  const root: Node[] = [];
  for (const [at, name] of columns.entries()) {
    const path = paths.get(name) ?? [name];
    let level = root;
    for (const key of path.slice(0, -1)) {
      let branch = level.find((n): n is Extract<Node, { children: Node[] }> => n.key === key && 'children' in n);
      if (!branch) level.push((branch = { key, children: [] }));
      level = branch.children;
    }
    level.push({ key: path.at(-1)!, at });
  }
  return root;
}
