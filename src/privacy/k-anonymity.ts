// The k-anonymity privacy model with optional l-diversity (policy section
// `k_anonymity`). k-anonymity: Sweeney, "k-anonymity: a model for protecting
// privacy" (2002); l-diversity: Machanavajjhala et al., "l-Diversity: Privacy
// Beyond k-Anonymity" (2007), in its distinct, entropy and recursive (c, l)
// variants. The recoding that reaches it is in mondrian.ts.
//
//   k_anonymity:
//     k: 5
//     quasi_identifiers: [age, sex, zip]
//     max_suppression: 0.05
//     hierarchies: { education: adult_hierarchy_education.csv }
//     l_diversity: { sensitive: diagnosis, l: 2, variant: distinct }
//     suppressed: remove
//     publish: representative                     # generalized (default) | representative
//     representative: { numbers: median, categories: mode, max_own_share: 0.2 }

import type { Hierarchy } from '../lib/hierarchy.js';
import { readHierarchyOption } from '../options/hierarchy-file.js';
import type { OptionReader } from '../options/reader.js';

export const L_VARIANTS = ['distinct', 'entropy', 'recursive'] as const;
export type LVariant = (typeof L_VARIANTS)[number];

export interface LDiversity {
  readonly sensitive: string;
  readonly l: number;
  readonly variant: LVariant;
  /** The c of recursive (c, l)-diversity. */
  readonly c: number | undefined;
}

/**
 * How a class's quasi-identifiers are published. generalized: the class's
 * range, value set or hierarchy node (what the class covers). representative:
 * one value of the input's own domain per class (what ARX calls
 * microaggregation and IBM's ai-privacy-toolkit representative values), so
 * that a model trained on the output applies to raw data: numbers as the
 * class's median (or range midpoint), categories as its most frequent value
 * (or, for a column with a hierarchy, the node when asked).
 */
export interface Publishing {
  readonly form: 'generalized' | 'representative';
  readonly numbers: 'median' | 'midpoint';
  readonly categories: 'mode' | 'node';
  /** representative.max_own_share: a class where more of its rows would carry their own tuple publishes generalized values (1: no cap). */
  readonly maxOwnShare?: number;
}

export const GENERALIZED: Publishing = { form: 'generalized', numbers: 'median', categories: 'mode' };

export interface KAnonymity {
  readonly k: number;
  readonly quasiIdentifiers: readonly string[];
  /** Largest fraction of rows that may be suppressed. */
  readonly maxSuppression: number;
  readonly hierarchies: ReadonlyMap<string, { readonly file: string; readonly hierarchy: Hierarchy }>;
  readonly lDiversity: LDiversity | undefined;
  /** remove: suppressed rows leave the output; mask: they stay with every quasi-identifier '*'. */
  readonly suppressed: 'remove' | 'mask';
  /** A record whose re-identification risk (1 / class size) exceeds this is counted as at risk. */
  readonly riskThreshold: number;
  readonly publish: Publishing;
}

/** The keys of k_anonymity, of its l_diversity and of its representative: what the loader accepts and the JSON Schema lists. */
export const K_OPTIONS = ['k', 'quasi_identifiers', 'max_suppression', 'hierarchies', 'l_diversity', 'suppressed', 'risk_threshold', 'publish', 'representative'] as const;
export const L_OPTIONS = ['sensitive', 'l', 'variant', 'c'] as const;
export const REPRESENTATIVE_OPTIONS = ['numbers', 'categories', 'max_own_share'] as const;

export function parseKAnonymity(r: OptionReader): KAnonymity | undefined {
  r.rejectUnknown(K_OPTIONS);
  const before = r.ctx.problems.length;
  const k = r.number('k', { required: true, integer: true, min: 1 });
  const quasiIdentifiers = r.stringList('quasi_identifiers', { required: true });
  const maxSuppression = r.number('max_suppression', { min: 0, max: 1 }) ?? 0;
  const suppressed = (r.string('suppressed', { oneOf: ['remove', 'mask'] }) ?? 'remove') as 'remove' | 'mask';
  const riskThreshold = r.number('risk_threshold', { above: 0, max: 1 }) ?? 0.2;
  const publish = readPublishing(r);

  const hierarchies = new Map<string, { file: string; hierarchy: Hierarchy }>();
  const h = r.child('hierarchies');
  if (h) {
    for (const name of h.keys()) {
      if (quasiIdentifiers && !quasiIdentifiers.includes(name)) {
        h.report('POLICY_REFERENCE', name, { expected: 'a quasi-identifier', found: JSON.stringify(name) });
        continue;
      }
      const read = readHierarchyOption(h, name);
      if (read) hierarchies.set(name, read);
    }
  }

  let lDiversity: LDiversity | undefined;
  const ld = r.child('l_diversity');
  if (ld) {
    ld.rejectUnknown(L_OPTIONS);
    const sensitive = ld.string('sensitive', { required: true, nonEmpty: true });
    const l = ld.number('l', { required: true, integer: true, min: 1 });
    const variant = (ld.string('variant', { oneOf: L_VARIANTS }) ?? 'distinct') as LVariant;
    const c = ld.number('c', { above: 0 });
    if (variant === 'recursive' && c === undefined) ld.report('POLICY_MISSING_KEY', 'c', { expected: 'c, a number above 0, for recursive (c, l)-diversity' });
    if (variant !== 'recursive' && c !== undefined) ld.report('POLICY_CONFLICT', 'c', { expected: 'c only with variant: recursive', found: variant });
    if (sensitive !== undefined && quasiIdentifiers?.includes(sensitive)) {
      ld.report('POLICY_CONFLICT', 'sensitive', { expected: 'a column that is not a quasi-identifier', found: JSON.stringify(sensitive) });
    }
    if (sensitive !== undefined && l !== undefined) lDiversity = { sensitive, l, variant, c };
  }
  if (r.ctx.problems.length > before || k === undefined || quasiIdentifiers === undefined || publish === undefined) return undefined;
  return { k, quasiIdentifiers, maxSuppression, hierarchies, lDiversity, suppressed, riskThreshold, publish };
}

function readPublishing(r: OptionReader): Publishing | undefined {
  const form = (r.string('publish', { oneOf: ['generalized', 'representative'] }) ?? 'generalized') as Publishing['form'];
  const rep = r.child('representative');
  if (!rep) return { ...GENERALIZED, form };
  rep.rejectUnknown(REPRESENTATIVE_OPTIONS);
  const numbers = (rep.string('numbers', { oneOf: ['median', 'midpoint'] }) ?? 'median') as Publishing['numbers'];
  const categories = (rep.string('categories', { oneOf: ['mode', 'node'] }) ?? 'mode') as Publishing['categories'];
  const maxOwnShare = rep.number('max_own_share', { min: 0, max: 1 });
  if (form !== 'representative') {
    r.report('POLICY_CONFLICT', 'representative', { expected: 'representative only with publish: representative', found: form });
    return undefined;
  }
  return { form, numbers, categories, ...(maxOwnShare !== undefined && { maxOwnShare }) };
}

/** The model's own parameters, for the report. */
export function describeKAnonymity(m: KAnonymity): Record<string, unknown> {
  return {
    model: 'k-anonymity (Sweeney 2002)',
    recoding: 'multidimensional local recoding, greedy top-down (Mondrian, LeFevre et al. 2006) on the loss measure GCP',
    k: m.k,
    quasi_identifiers: m.quasiIdentifiers,
    hierarchies: Object.fromEntries([...m.hierarchies].map(([name, h]) => [name, h.file])),
    max_suppression: m.maxSuppression,
    suppressed: m.suppressed,
    publish:
      m.publish.form === 'generalized'
        ? { form: 'generalized', as: 'ranges of numbers, sets of values, hierarchy nodes' }
        : {
            form: 'representative',
            numbers: m.publish.numbers,
            categories: m.publish.categories,
            ...(m.publish.maxOwnShare !== undefined && { max_own_share: m.publish.maxOwnShare }),
            as: 'one value of the input\'s own domain per class and quasi-identifier',
          },
    ...(m.lDiversity && {
      l_diversity: { sensitive: m.lDiversity.sensitive, l: m.lDiversity.l, variant: m.lDiversity.variant, ...(m.lDiversity.c !== undefined && { c: m.lDiversity.c }) },
    }),
  };
}
