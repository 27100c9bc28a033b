// ARX generalization hierarchies: one line per original value,
// `leaf;level1;level2;...;*`, every line with the same number of levels
// (see the ARX documentation and ../shared/datasets/adult).

export interface Hierarchy {
  /** Number of columns per line: the leaf is level 0, the last level is the most general. */
  readonly levels: number;
  /** Leaf value -> its value at every level (index 0 is the leaf itself). */
  readonly rows: ReadonlyMap<string, readonly string[]>;
}

export type HierarchyResult = { hierarchy: Hierarchy } | { error: string };

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f;
}

export function parseHierarchy(text: string, delimiter = ';'): HierarchyResult {
  const rows = new Map<string, string[]>();
  let levels = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = line.split(delimiter).map(unquote);
    if (levels === 0) levels = fields.length;
    if (fields.length !== levels) return { error: `line ${i + 1} has ${fields.length} levels, line 1 has ${levels}` };
    if (levels < 2) return { error: `line ${i + 1} has a single level; expected leaf;level1;...` };
    if (rows.has(fields[0]!)) return { error: `line ${i + 1} repeats a leaf of an earlier line` };
    rows.set(fields[0]!, fields);
  }
  if (rows.size === 0) return { error: 'the file holds no lines' };
  return { hierarchy: { levels, rows } };
}
