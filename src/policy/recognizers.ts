// `recognizers:`: the kinds of personal data a policy (or a file given to
// `veil scan --recognizers`) declares beside the built-in ones, each a name
// with its patterns, context words and exact terms (src/detect/custom.ts).
// Every pattern is checked here, when the policy is loaded: it must compile,
// and one that can backtrack catastrophically is refused.

import { isMap, LineCounter, parseDocument } from 'yaml';
import { VeilError } from '../lib/errors.js';
import { customRecognizer, KIND_NAME, patternProblem } from '../detect/custom.js';
import type { Recognizer } from '../detect/define.js';
import { Registry } from '../detect/index.js';
import { TEXT_KINDS } from '../detect/spans.js';
import { OptionReader, type PolicyContext } from '../options/reader.js';

export const RECOGNIZER_OPTIONS = ['pattern', 'patterns', 'context', 'words'] as const;

/** The registry of a policy: the built-in recognizers and those under `recognizers:` (problems are reported on the reader). */
export function readRecognizers(root: OptionReader): Registry {
  const r = root.child('recognizers');
  if (!r) return new Registry();
  const declared: Recognizer[] = [];
  for (const kind of r.keys()) {
    if (!KIND_NAME.test(kind)) {
      r.report('POLICY_VALUE', kind, { expected: 'a kind name of lower-case letters, digits and _ (it becomes the tag <NAME>)', found: JSON.stringify(kind) });
      continue;
    }
    if ((TEXT_KINDS as readonly string[]).includes(kind) || kind === 'protected_value') {
      r.report('POLICY_CONFLICT', kind, { expected: `a kind other than the built-in ones (${TEXT_KINDS.join(', ')})`, found: JSON.stringify(kind) });
      continue;
    }
    const spec = r.child(kind);
    if (!spec) continue;
    spec.rejectUnknown(RECOGNIZER_OPTIONS);
    const one = spec.string('pattern', { nonEmpty: true });
    const many = spec.stringList('patterns');
    if (one !== undefined && many !== undefined) spec.report('POLICY_CONFLICT', 'patterns', { expected: 'pattern or patterns, not both', found: 'both' });
    const patterns = one !== undefined ? [one] : (many ?? []);
    const words = spec.stringList('words') ?? [];
    const context = spec.stringList('context') ?? [];
    if (patterns.length === 0 && words.length === 0) {
      spec.report('POLICY_MISSING_KEY', undefined, { expected: 'pattern, patterns or words: what the recognizer finds' });
      continue;
    }
    let ok = true;
    patterns.forEach((p, i) => {
      const problem = patternProblem(p);
      if (problem === undefined) return;
      ok = false;
      const node = one !== undefined ? spec.node('pattern') : ((spec.node('patterns') as { items?: unknown[] } | undefined)?.items?.[i] as never);
      spec.report('POLICY_VALUE', one !== undefined ? 'pattern' : 'patterns', { expected: problem, found: JSON.stringify(p), node });
    });
    if (ok) declared.push(customRecognizer(kind, { patterns, context, words }));
  }
  return new Registry(declared);
}

/** A file of `recognizers:` alone (veil scan --recognizers FILE): its registry, or a coded error naming each problem. */
export function recognizersFile(text: string): Registry {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: PolicyContext['problems'] = [];
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    throw new VeilError({ kind: 'policy', code: 'POLICY_TYPE', path: '', expected: 'a YAML mapping with recognizers:', found: doc.errors[0]?.message.split('\n')[0] ?? 'another value' });
  }
  const ctx: PolicyContext = { problems, lineCounter, readFile: () => ({ errno: 'ENOENT' }) };
  const root = new OptionReader(doc.contents, '', ctx);
  root.rejectUnknown(['version', 'recognizers']);
  if (!root.has('recognizers')) root.report('POLICY_MISSING_KEY', 'recognizers', { expected: 'a mapping of kinds to their patterns' });
  const registry = readRecognizers(root);
  if (problems.length > 0) throw new VeilError(problems);
  return registry;
}
