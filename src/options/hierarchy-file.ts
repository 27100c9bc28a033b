// Reads an ARX hierarchy file named by a policy option, relative to the
// policy file; problems are reported on the option.

import { parseHierarchy, type Hierarchy } from '../lib/hierarchy.js';
import type { OptionReader } from './reader.js';

export function readHierarchyOption(r: OptionReader, name: string): { file: string; hierarchy: Hierarchy } | undefined {
  const file = r.string(name, { required: true, nonEmpty: true });
  if (file === undefined) return undefined;
  const read = r.ctx.readFile(file);
  if ('errno' in read) {
    r.report('POLICY_HIERARCHY', name, { expected: 'a readable ARX hierarchy file', found: `${file} (${read.errno})` });
    return undefined;
  }
  const parsed = parseHierarchy(read.text);
  if ('error' in parsed) {
    r.report('POLICY_HIERARCHY', name, { expected: 'an ARX hierarchy (leaf;level1;...;*)', found: `${file}: ${parsed.error}` });
    return undefined;
  }
  return { file, hierarchy: parsed.hierarchy };
}
