// Reads a YAML policy into its canonical form, or into the full list of its
// problems (each with code, policy path, line and column). Nothing about the
// data is known here: facts that depend on the input (a column the input
// lacks) are checked when the pipeline meets the header.

import { isMap, isScalar, LineCounter, parseDocument, visit, YAMLMap, type Document, type Node } from 'yaml';
import type { PolicyProblem } from '../lib/errors.js';
import { nearest } from '../lib/suggest.js';
import { checkRowRules, parseRowRules, type RowRules } from '../governance/row-rules.js';
import { hipaaRule, RESTRICTED_ZIP3, weakerThanPreset, type PresetSettings } from '../governance/hipaa.js';
import { parseSchema, type ColumnSchema } from '../options/schema.js';
import { parseKAnonymity, type KAnonymity } from '../privacy/k-anonymity.js';
import type { Configured } from '../transforms/define.js';
import { findTransform, TRANSFORM_NAMES } from '../transforms/index.js';
import { parseDelimiter, parseEncoding, type Encoding } from '../io/formats.js';
import type { PolicyInput } from '../io/settings.js';
import type { Registry } from '../detect/index.js';
import { readRecognizers } from './recognizers.js';
import { dateFormat, type DateFormat } from '../lib/date-formats.js';
import { OptionReader, show, type PolicyContext, type PolicyFileReader } from '../options/reader.js';

export const UNLISTED_MODES = ['error', 'drop', 'keep'] as const;
export type UnlistedMode = (typeof UNLISTED_MODES)[number];

export interface PolicyColumn {
  readonly name: string;
  readonly transform: string;
  readonly configured: Configured;
  /** `na:` the values that mean "missing" in this column (N/A, -), read as empty. */
  readonly na?: ReadonlySet<string>;
  /** `format:` how the column's dates are written, read as YYYY-MM-DD. */
  readonly dateFormats?: readonly DateFormat[];
  /** `decimal: ","`: the column's numbers use a decimal comma (and '.' or a space between thousands). */
  readonly decimalComma?: boolean;
  /** The declared type, checked on input values, if any. */
  readonly schema: ColumnSchema | undefined;
}

export interface Policy {
  readonly version: 1;
  readonly unlisted: UnlistedMode;
  readonly columns: readonly PolicyColumn[];
  /** Some transform needs the secret key. */
  readonly needsKey: boolean;
  /** The dataset-level privacy model, when the policy asks for one. */
  readonly kAnonymity: KAnonymity | undefined;
  /** privacy_budget.epsilon_per_record: the most the differentially private columns of one record may spend. */
  readonly epsilonPerRecord: number | undefined;
  /** Which rows may be used at all (consent, forget lists). */
  readonly rows: RowRules | undefined;
  /** What a row that breaks a declared type does: stop the run, be dropped, or be quarantined. */
  readonly onInvalid: 'error' | 'drop' | 'quarantine';
  /** The largest fraction of invalid rows before the run fails. */
  readonly maxInvalid: number;
  /** `extends: hipaa-safe-harbor`: columns the policy does not name get the preset's rule, if it recognizes them. */
  readonly preset: 'hipaa-safe-harbor' | undefined;
  /** The year the preset measures ages against (as_of_year; default: the year of the run), and its restricted ZIP areas. */
  readonly presetSettings: PresetSettings;
  /** safe_harbor.not_identifiers: columns whose header looks like an identifier but which, the policy says, hold none. */
  readonly notIdentifiers: readonly string[];
  /** `input:` what the policy's inputs are (format, CSV delimiter), for apply and check when no flag says. */
  readonly input: PolicyInput;
  /** report.min_count: the fewest rows any count the report shows from the input may be of (default: k, at least 10). */
  readonly reportMinCount: number | undefined;
  /** The recognizers of scrub and the residual check: the built-in ones and those under `recognizers:`. */
  readonly recognizers: Registry;
}

export type { PolicyInput };

/** The preset's policy entries for columns the policy does not name (those it recognizes). */
export async function presetColumns(policy: Policy, names: readonly string[]): Promise<PolicyColumn[]> {
  if (policy.preset !== 'hipaa-safe-harbor') return [];
  const rules = names.filter((name) => !policy.notIdentifiers.includes(name)).map((name) => ({ name, rule: hipaaRule(name, policy.presetSettings) })).filter((x) => x.rule);
  if (rules.length === 0) return [];
  const text = `version: 1\ncolumns:\n${rules.map((x) => `  ${JSON.stringify(x.name)}: ${x.rule!.spec}\n`).join('')}`;
  const loaded = await loadPolicy(text, () => ({ errno: 'ENOENT' }));
  if (!loaded.policy) throw new Error(`the hipaa-safe-harbor preset is invalid: ${JSON.stringify(loaded.problems)}`);
  return loaded.policy.columns.map((c) => ({ ...c, configured: { ...c.configured, params: { ...c.configured.params, preset: 'hipaa-safe-harbor', rule: hipaaRule(c.name, policy.presetSettings)!.why } } }));
}

export type PolicyResult = { policy: Policy; problems: [] } | { policy?: undefined; problems: PolicyProblem[] };

export const TOP_LEVEL = ['version', 'input', 'extends', 'as_of_year', 'safe_harbor', 'unlisted', 'rows', 'columns', 'on_invalid', 'max_invalid', 'k_anonymity', 'privacy_budget', 'report', 'recognizers'] as const;

/** A column's `format: MM/DD/YYYY` (or a list of formats, tried in order): its dates as they are written. */
function readDateFormats(r: OptionReader): DateFormat[] | undefined {
  if (!r.has('format')) return undefined;
  const node = r.node('format');
  const texts = isScalar(node) && typeof node.value === 'string' ? [node.value] : r.stringList('format');
  if (!texts) return undefined;
  const formats: DateFormat[] = [];
  for (const text of texts) {
    const f = dateFormat(text);
    if (typeof f === 'string') r.report('POLICY_VALUE', 'format', { expected: `a date format with ${f.includes('twice') ? 'each token once' : f} (MM/DD/YYYY, DD.MM.YYYY, YYYYMMDD)`, found: JSON.stringify(text) });
    else formats.push(f);
  }
  return formats.length === texts.length ? formats : undefined;
}

/** `input: { format: csv, delimiter: ";" }`: what the policy's exports are, so that no run has to say it again. */
function readInput(root: OptionReader): PolicyInput {
  const r = root.child('input');
  if (!r) return {};
  r.rejectUnknown(INPUT_OPTIONS);
  const format = r.string('format', { oneOf: ['csv', 'jsonl', 'parquet'] }) as PolicyInput['format'];
  const text = r.string('delimiter');
  const delimiter = text === undefined ? undefined : parseDelimiter(text);
  if (text !== undefined && delimiter === undefined) r.report('POLICY_VALUE', 'delimiter', { expected: 'one character (not a quote or a line end), or tab', found: JSON.stringify(text) });
  if (delimiter !== undefined && format !== undefined && format !== 'csv') r.report('POLICY_CONFLICT', 'delimiter', { expected: `no delimiter with format ${format}`, found: JSON.stringify(text) });
  const encodingText = r.string('encoding');
  const encoding = encodingText === undefined ? undefined : parseEncoding(encodingText);
  if (encodingText !== undefined && encoding === undefined) r.report('POLICY_VALUE', 'encoding', { expected: 'utf-8, latin1 or cp1252', found: JSON.stringify(encodingText) });
  return { ...(format && { format }), ...(delimiter !== undefined && { delimiter }), ...(encoding && { encoding }) };
}

/** The keys of input, privacy_budget, report and safe_harbor: what the loader accepts and the JSON Schema lists. */
export const INPUT_OPTIONS = ['format', 'delimiter', 'encoding'] as const;
export const BUDGET_OPTIONS = ['epsilon_per_record'] as const;
export const REPORT_OPTIONS = ['min_count'] as const;
export const SAFE_HARBOR_OPTIONS = ['restricted_zip3', 'not_identifiers'] as const;

export async function loadPolicy(text: string, readFile: PolicyFileReader): Promise<PolicyResult> {
  const lineCounter = new LineCounter();
  // Duplicate keys are found below: yaml's own check compares each key with every key before it,
  // which took 99 s for a policy of 100,000 columns.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const problems: PolicyProblem[] = [];
  const syntax = [...doc.errors.map((e) => ({ at: e.pos[0], message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, ''), code: e.code as string })), ...duplicateKeys(doc)];
  if (syntax.length > 0) {
    for (const e of syntax.sort((a, b) => a.at - b.at)) {
      const pos = lineCounter.linePos(e.at);
      problems.push({ kind: 'policy', code: 'POLICY_YAML_SYNTAX', path: '', line: pos.line, column: pos.col, expected: 'valid YAML', found: `${e.message} (${e.code})` });
    }
    return { problems };
  }
  if (!isMap(doc.contents)) {
    problems.push({ kind: 'policy', code: 'POLICY_TYPE', path: '', expected: 'a mapping with version and columns', found: show(doc.contents as Node | null) });
    return { problems };
  }
  const ctx: PolicyContext = { problems, lineCounter, readFile };
  const root = new OptionReader(doc.contents, '', ctx);
  root.rejectUnknown(TOP_LEVEL);

  const version = root.number('version', { required: true, integer: true });
  if (version !== undefined && version !== 1) root.report('POLICY_VALUE', 'version', { expected: '1', found: String(version) });
  const unlisted = (root.string('unlisted', { oneOf: UNLISTED_MODES }) ?? 'error') as UnlistedMode;
  const onInvalid = (root.string('on_invalid', { oneOf: ['error', 'drop', 'quarantine'] }) ?? 'error') as Policy['onInvalid'];
  const maxInvalid = root.number('max_invalid', { min: 0, max: 1 }) ?? 1;
  const preset = root.string('extends', { oneOf: ['hipaa-safe-harbor'] }) as Policy['preset'];
  const asOfYear = root.number('as_of_year', { integer: true, min: 1900, max: 9999 }) ?? new Date().getUTCFullYear();
  const safeHarbor = readSafeHarbor(root, preset);
  const presetSettings: PresetSettings = { asOfYear, restrictedZip3: safeHarbor.restrictedZip3 };

  const input = readInput(root);
  // Read before the columns: scrub's `kinds:` names the declared kinds too.
  const recognizers = readRecognizers(root);
  ctx.registry = recognizers;
  const columns: PolicyColumn[] = [];
  const columnsReader = root.child('columns', true);
  if (columnsReader) {
    if (columnsReader.map.items.length === 0 && !root.has('extends')) {
      columnsReader.report('POLICY_VALUE', undefined, { expected: 'at least one column', found: 'an empty mapping' });
    }
    for (const pair of columnsReader.map.items) {
      const name = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof name !== 'string' || name === '') {
        columnsReader.report('POLICY_TYPE', show(pair.key as Node), { expected: 'a column name', found: show(pair.key as Node), node: pair.key as Node });
        continue;
      }
      const column = await readColumn(columnsReader, name, pair.value as Node | null);
      if (!column) continue;
      columns.push(column);
      // Under the preset, a column it recognizes must be handled at least as its rule handles it.
      const weaker = preset && !safeHarbor.notIdentifiers.includes(name) ? weakerThanPreset(name, { transform: column.transform, params: column.configured.params }, presetSettings) : undefined;
      if (weaker) columnsReader.report('POLICY_CONFLICT', name, { expected: `under extends: ${preset}, ${weaker}`, found: column.transform });
    }
  }
  const rowsReader = root.child('rows');
  const rows = rowsReader && parseRowRules(rowsReader);
  if (rowsReader && rows) checkRowRules(rowsReader, rows, (name) => columns.find((c) => c.name === name)?.transform);

  const kReader = root.child('k_anonymity');
  const kAnonymity = kReader && parseKAnonymity(kReader);
  if (kReader && kAnonymity) checkAgainstColumns(kReader, kAnonymity, columns);

  const budgetReader = root.child('privacy_budget');
  budgetReader?.rejectUnknown(BUDGET_OPTIONS);
  const epsilonPerRecord = budgetReader?.number('epsilon_per_record', { required: true, above: 0 });
  const spent = columns.reduce((sum, c) => sum + (c.configured.epsilon ?? 0), 0);
  if (budgetReader && epsilonPerRecord !== undefined && spent > epsilonPerRecord * (1 + 1e-12)) {
    const detail = columns.filter((c) => c.configured.epsilon !== undefined).map((c) => `${c.name} ${c.configured.epsilon}`);
    budgetReader.report('POLICY_BUDGET', 'epsilon_per_record', { expected: `at least the sum of the columns' epsilon (${detail.join(' + ')} = ${Number(spent.toPrecision(12))})`, found: String(epsilonPerRecord) });
  }

  const reportReader = root.child('report');
  reportReader?.rejectUnknown(REPORT_OPTIONS);
  const reportMinCount = reportReader?.number('min_count', { integer: true, min: 1 });
  if (reportReader && reportMinCount !== undefined && kAnonymity && reportMinCount < kAnonymity.k) {
    reportReader.report('POLICY_CONFLICT', 'min_count', { expected: `at least k (${kAnonymity.k}): the report would show counts of fewer rows than the output's classes hold`, found: String(reportMinCount) });
  }

  if (problems.length > 0) return { problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)) };
  return {
    policy: { version: 1, unlisted, columns, needsKey: columns.some((c) => c.configured.keyed), kAnonymity, epsilonPerRecord, rows, onInvalid, maxInvalid, preset, presetSettings, notIdentifiers: safeHarbor.notIdentifiers, input, reportMinCount, recognizers },
    problems: [],
  };
}

/**
 * The `safe_harbor` section, only with `extends: hipaa-safe-harbor`:
 *   restricted_zip3: FILE       a newer list of restricted 3-digit ZIP areas (one per line, # comments)
 *   not_identifiers: [a, b]     columns whose header looks like an identifier but which hold none
 */
function readSafeHarbor(root: OptionReader, preset: Policy['preset']): { restrictedZip3: readonly string[]; notIdentifiers: readonly string[] } {
  const r = root.child('safe_harbor');
  const defaults = { restrictedZip3: RESTRICTED_ZIP3, notIdentifiers: [] };
  if (!r) return defaults;
  if (preset === undefined) {
    root.report('POLICY_CONFLICT', 'safe_harbor', { expected: 'safe_harbor only with extends: hipaa-safe-harbor', found: 'no extends' });
    return defaults;
  }
  r.rejectUnknown(SAFE_HARBOR_OPTIONS);
  const notIdentifiers = r.stringList('not_identifiers') ?? [];
  const file = r.string('restricted_zip3', { nonEmpty: true });
  if (file === undefined) return { ...defaults, notIdentifiers };
  const read = r.ctx.readFile(file);
  if ('errno' in read) {
    r.report('POLICY_REFERENCE', 'restricted_zip3', { expected: 'a readable file of 3-digit ZIP areas', found: `${file} (${read.errno})` });
    return { ...defaults, notIdentifiers };
  }
  const areas = read.text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
  const bad = areas.findIndex((a) => !/^\d{3}$/.test(a));
  if (bad >= 0 || areas.length === 0) {
    r.report('POLICY_VALUE', 'restricted_zip3', { expected: 'one 3-digit ZIP area per line', found: areas.length === 0 ? `${file}: no areas` : `${file}: entry ${bad + 1}` });
    return { ...defaults, notIdentifiers };
  }
  return { restrictedZip3: [...new Set(areas)], notIdentifiers };
}

/** The keys that repeat one before them in the same mapping, with where they are: each mapping's keys in a Set. */
function duplicateKeys(doc: Document.Parsed): { at: number; message: string; code: string }[] {
  const found: { at: number; message: string; code: string }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) found.push({ at: (pair.key as Node | null)?.range?.[0] ?? 0, message: 'Map keys must be unique', code: 'DUPLICATE_KEY' });
        seen.add(key);
      }
    },
  });
  return found;
}

/** A quasi-identifier or sensitive column that its column transform drops cannot be measured. */
function checkAgainstColumns(r: OptionReader, m: KAnonymity, columns: readonly PolicyColumn[]): void {
  const dropped = new Set(columns.filter((c) => c.configured.drops).map((c) => c.name));
  for (const name of [...m.quasiIdentifiers, ...(m.lDiversity ? [m.lDiversity.sensitive] : [])]) {
    if (dropped.has(name)) r.report('POLICY_CONFLICT', 'quasi_identifiers', { expected: `columns that are kept, not dropped`, found: `${name} (transform: drop)` });
  }
}

async function readColumn(parent: OptionReader, name: string, node: Node | null): Promise<PolicyColumn | undefined> {
  const path = `${parent.path}.${name}`;
  let options: OptionReader;
  let transformName: unknown;
  let transformNode: Node | null = node;
  if (isScalar(node) && typeof node.value === 'string') {
    // Shorthand: `notes: drop` is `notes: { transform: drop }`.
    const map = new YAMLMap();
    map.range = node.range;
    options = new OptionReader(map, path, parent.ctx);
    transformName = node.value;
  } else if (isMap(node)) {
    options = new OptionReader(node, path, parent.ctx);
    transformNode = options.node('transform') ?? node;
    if (!options.has('transform')) {
      options.report('POLICY_MISSING_KEY', 'transform', { expected: `a transform: ${TRANSFORM_NAMES.join(', ')}`, node });
      return undefined;
    }
    transformName = isScalar(transformNode) ? transformNode.value : undefined;
  } else {
    parent.report('POLICY_TYPE', name, { expected: 'a mapping with a transform, or a transform name', found: show(node), node });
    return undefined;
  }
  const transform = typeof transformName === 'string' ? findTransform(transformName) : undefined;
  if (!transform) {
    const suggestion = typeof transformName === 'string' ? nearest(transformName, TRANSFORM_NAMES) : undefined;
    options.report('POLICY_UNKNOWN_TRANSFORM', isMap(node) ? 'transform' : undefined, {
      expected: `one of ${TRANSFORM_NAMES.join(', ')}`,
      found: show(transformNode),
      node: transformNode,
      ...(suggestion && { suggestion }),
    });
    return undefined;
  }
  await transform.preload(options);
  const configured = transform.configure(options);
  const schema = parseSchema(options, transform.options.includes('values'));
  // Missing-value markers (`na: ["N/A", "-"]`): read as empty before anything else looks at the value.
  const na = options.has('na') ? options.stringList('na') : undefined;
  const formats = readDateFormats(options);
  // `decimal: ","`: numbers written 1.234,56, read as 1234.56.
  const decimal = options.string('decimal', { oneOf: [',', '.'] });
  return configured && { name, transform: transform.name, configured, schema, ...(na && { na: new Set(na) }), ...(formats && { dateFormats: formats }), ...(decimal === ',' && { decimalComma: true }) };
}
