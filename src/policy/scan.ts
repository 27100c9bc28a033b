// What a column holds, from its header and a sample of its values: personal
// data (email, phone, US SSN, credit card with Luhn check, IBAN with its
// mod-97 check, IP address, dates and birth dates, ZIP codes, person names,
// street addresses,
// free text carrying any of these), its role (direct identifier: near-unique;
// quasi-identifier: low-cardinality demographics, dates, locations) and its
// type. Pure: the CLI feeds it rows. It keeps only counts and at most one
// short masked example per column, never a value as it was.

import { parseDate } from '../lib/dates.js';
import { BUILT_IN_REGISTRY, type Registry } from '../detect/index.js';
import { schemaLine } from './json-schema.js';
import { looksLikeFormula } from '../lib/formula.js';
import { hipaaRule } from '../governance/hipaa.js';
import { fromDecimalComma, parseNumber } from '../lib/numeric.js';
import { STREET_ABBREVIATIONS, STREET_NAMES } from '../lib/streets.js';

export const KINDS = ['email', 'phone', 'ssn', 'credit_card', 'iban', 'ip', 'birth_date', 'date', 'zip', 'person_name', 'street_address', 'free_text'] as const;
/** One of KINDS, or a kind a recognizers file declares (`veil scan --recognizers`). */
export type Kind = string;
export type Role = 'direct_identifier' | 'quasi_identifier' | 'other';

const ZIP = /^\d{5}(?:-\d{4})?$/;
const NAME = /^\p{Lu}[\p{L}'-]+(?: \p{Lu}[\p{L}'.-]*){1,3}$/u;
/** A street address written whole: a house number, one to four words and a street suffix (also plural), then a unit or the rest of the address. */
const STREET = new RegExp(String.raw`^\d{1,6}[A-Za-z]?(?:-\d{1,4})? (?:[NSEW]\.? )?(?:[\p{L}\p{N}'.-]+ ){1,4}(?:${[...STREET_NAMES, ...STREET_ABBREVIATIONS].join('|')})s?\.?(?: (?:[NSEW]|NE|NW|SE|SW))?(?:,? ?(?:Apt|Suite|Unit|Ste|Flat|#)\.? ?[\w-]+)?(?:,.*)?$`, 'iu');

/** An extension after a number: x23, ext. 5, extension 120. */
const EXTENSION = /\s*(?:x|ext\.?|extension)\s*\d{1,6}$/i;

/** The strict kind (the registry's: built-in or declared) of the whole value, declared kinds first; a phone may carry an extension. */
function wholeKind(v: string, registry: Registry): string | undefined {
  const kind = registry.covering(v)[0];
  if (kind !== undefined) return kind;
  const number = v.trim().replace(EXTENSION, '');
  return number !== v.trim() && registry.covering(number).includes('phone') ? 'phone' : undefined;
}

/**
 * A whole value of digits in groups (10 to 15, with spaces, dashes, dots or
 * parentheses, or a leading +): in a column, a phone number of a plan the
 * registry's phone rules do not know (120 7946 0958); in free text such a run
 * is not enough to call it one.
 */
const PHONE_CELL = /^\+?[\d\s().-]{7,20}$/;
const phoneCell = (v: string): boolean => {
  const number = v.replace(EXTENSION, '');
  const d = number.replace(/\D/g, '').length;
  return PHONE_CELL.test(number) && d >= 10 && d <= 15 && !/^\d+$/.test(number.trim());
};

/** Kinds a single value shows (its own shape, not the header). */
export function valueKinds(v: string, registry: Registry = BUILT_IN_REGISTRY): Kind[] {
  const kinds: Kind[] = [];
  const whole = registry.screen(v) ? wholeKind(v, registry) : undefined;
  if (whole !== undefined) kinds.push(whole);
  else if (phoneCell(v)) kinds.push('phone');
  else if (ZIP.test(v)) kinds.push('zip');
  else if (parseDate(v)?.day) kinds.push('date');
  else if (STREET.test(v)) kinds.push('street_address');
  else if (NAME.test(v)) kinds.push('person_name');
  else if (v.length >= 25 && v.includes(' ') && registry.kindsIn(v).length > 0) kinds.push('free_text');
  return kinds;
}

const HINTS: readonly [RegExp, Kind][] = [
  [/e-?mail/i, 'email'],
  [/phone|mobile|fax|tel/i, 'phone'],
  [/ssn|social.?security/i, 'ssn'],
  [/card|ccn|pan\b/i, 'credit_card'],
  [/iban/i, 'iban'],
  [/\bip\b|ip.?addr/i, 'ip'],
  [/birth|dob/i, 'birth_date'],
  [/zip|postal|postcode/i, 'zip'],
  [/(^|[_.])(full_?)?name$|first.?name|last.?name|surname/i, 'person_name'],
  // After email and IP (email_address, ip_address); a city or a country of an address object is not a street.
  [/street|addr(?:ess)?.?line|(^|[_.])address$/i, 'street_address'],
  [/note|comment|text|description|remark|ticket|message|body|summary|transcript/i, 'free_text'],
];
/** A nested field's path counts its dot as a separator: `user.id` is named like an identifier. */
const ID_HINT = /(^|[_.])id$|(^|\.)id_|identifier|account|mrn|record.?number/i;
/** Names of measures (money, counts, scores): numbers to learn from, not identifiers, however unique their values. */
const MEASURE_HINT = /price|amount|amt|value|total|cost|revenue|income|salary|wage|balance|spend|spent|fee|payment|score|rating|count|qty|quantity|weight|height|bmi|duration|minutes|seconds|hours|days|percent|pct|ratio|rate|avg|mean|sum/i;
/** Values that mean "missing" in exports: read as empty by a draft that names them. */
const NA_MARKERS = new Set(['N/A', 'n/a', 'NA', '#N/A', '-', '--', 'null', 'NULL', 'None', 'none', 'nan', 'NaN', '?']);
const SLASHED_DATE = /^(\d{1,2})\/(\d{1,2})\/\d{4}$/;
const DOTTED_DATE = /^\d{1,2}\.\d{1,2}\.\d{4}$/;
/** A column name as a policy writes it: plain when YAML reads it so (paths of nested fields too), else quoted. */
const yamlName = (name: string): string => (/^[A-Za-z_][\w.-]*$/.test(name) ? name : JSON.stringify(name));
const QI_HINT = /age|sex|gender|race|ethnic|marital|education|zip|postal|city|state|country|region|birth|dob|occupation|job|religion|nationality/i;

export interface ColumnFinding {
  readonly name: string;
  readonly kinds: { readonly kind: Kind; readonly share: number }[];
  readonly role: Role;
  readonly type: 'integer' | 'number' | 'date' | 'datetime' | 'boolean' | 'string';
  readonly values: number;
  readonly empty: number;
  readonly distinct: number;
  /** A short masked example, never a whole value: the shape only for a direct identifier, else the first character and the shape. */
  readonly example: string | undefined;
  /** Values a spreadsheet would run as formulas (=, +, -, @ first, not a number): CSV injection. */
  readonly formulas: number;
  /** Missing-value markers seen (N/A, -, null...): the draft names them (`na:`), and the type is read without them. */
  readonly na: readonly string[];
  /** The numbers are written with a decimal comma (1.234,56): the draft says `decimal: ","`. */
  readonly decimalComma: boolean;
  /** Date formats other than YYYY-MM-DD that some values use (MM/DD/YYYY): the draft lists them (`format:`). */
  readonly dateFormats: readonly string[];
}

/**
 * A value's shape (digits 9, letters x, the rest as it is, 12 characters at
 * most); with `first`, its first character as it is. A direct identifier
 * shows its shape only: a first letter narrows down whom a name or an email
 * belongs to.
 */
export function maskExample(v: string, first = true): string {
  const chars = [...v];
  if (chars.length <= 2) return '*'.repeat(chars.length);
  const shape = (c: string) => (/\d/.test(c) ? '9' : /\p{L}/u.test(c) ? 'x' : c);
  const shown = first ? chars[0]! : shape(chars[0]!);
  const masked = chars.slice(1, 12).map(shape).join('');
  return `${shown}${masked}${chars.length > 12 ? '…' : ''}`;
}

/** Accumulates one column's sample; counts only, plus distinct values up to a cap. */
export class ColumnScan {
  private values = 0;
  private empty = 0;
  private readonly kindCounts = new Map<Kind, number>();
  private readonly distinct = new Set<string>();
  private ints = 0;
  private numbers = 0;
  private dates = 0;
  private datetimes = 0;
  private booleans = 0;
  /** The first value seen (to mask when the column's role is known). */
  private first: string | undefined;
  private formulas = 0;
  /** ZIP-shaped values that a number would not write as they are: a leading zero, or ZIP+4. */
  private zipOnly = 0;
  private readonly markers = new Set<string>();
  private commaNumbers = 0;
  private slashed = 0;
  /** A slashed date whose first number is above 12: the day comes first. */
  private dayFirst = false;
  private dotted = 0;
  /** Values of 7 to 15 digits and nothing else, or phones: all of them, under a phone-like header, make a phone column. */
  private phoneDigits = 0;

  constructor(
    readonly name: string,
    private readonly registry: Registry = BUILT_IN_REGISTRY,
  ) {}

  add(v: string): void {
    this.values++;
    if (v === '') {
      this.empty++;
      return;
    }
    if (NA_MARKERS.has(v)) {
      this.markers.add(v);
      this.empty++;
      return;
    }
    if (this.distinct.size < 100_000) this.distinct.add(v);
    // A number with a decimal comma (1.234,56, 12,5): not one JavaScript reads, but `decimal: ","` does.
    if (v.includes(',') && fromDecimalComma(v) !== undefined) this.commaNumbers++;
    const slashed = SLASHED_DATE.exec(v);
    if (slashed) {
      this.slashed++;
      if (Number(slashed[1]) > 12) this.dayFirst = true;
    } else if (DOTTED_DATE.test(v)) this.dotted++;
    if (looksLikeFormula(v)) this.formulas++;
    const kinds = valueKinds(v, this.registry);
    for (const k of kinds) this.kindCounts.set(k, (this.kindCounts.get(k) ?? 0) + 1);
    if (kinds.includes('phone') || /^\+?\d{7,15}$/.test(v)) this.phoneDigits++;
    if (/^[+-]?\d+$/.test(v) && !/^[+-]?0\d/.test(v)) this.ints++;
    if (parseNumber(v) !== undefined && !/^[+-]?0\d/.test(v)) this.numbers++;
    const d = parseDate(v);
    if (d?.day && d.rest === '') this.dates++;
    if (d?.day && d.rest !== '') this.datetimes++;
    if (/^(true|false|yes|no)$/i.test(v)) this.booleans++;
    if (kinds.includes('zip') && (v.startsWith('0') || v.length === 10)) this.zipOnly++;
    this.first ??= v;
  }

  finish(): ColumnFinding {
    const filled = this.values - this.empty;
    const share = (n: number) => (filled > 0 ? n / filled : 0);
    const kinds = [...this.kindCounts]
      .map(([kind, n]) => ({ kind, share: share(n) }))
      .filter((k) => k.share >= 0.5)
      .sort((a, b) => b.share - a.share);
    // The header can name what the values suggest: birth dates are dates with a birth-like name, names need one too.
    const hint = HINTS.find(([re]) => re.test(this.name))?.[1];
    if (hint === 'birth_date' && kinds[0]?.kind === 'date') kinds[0] = { kind: 'birth_date', share: kinds[0].share };
    if (hint && hint !== 'birth_date' && !kinds.some((k) => k.kind === hint) && filled > 0) {
      // Under a phone-like header, national numbers written as plain digits (0612345678) are phones too.
      const shaped = hint === 'person_name' ? kinds.length === 0 || kinds[0]!.kind === 'person_name' : hint === 'free_text' || (hint === 'phone' && this.phoneDigits === filled);
      if (shaped) kinds.unshift({ kind: hint, share: 1 });
    }
    // Five digits are not enough to call a column ZIP codes (an income, a count): a ZIP-like header, or values a
    // number would not write as they are (02139, 02139-4307) and a name that is not a measure's, say so.
    const zip = kinds.findIndex((k) => k.kind === 'zip');
    if (zip >= 0 && hint !== 'zip' && (this.zipOnly === 0 || MEASURE_HINT.test(this.name))) kinds.splice(zip, 1);
    const personName = kinds.findIndex((k) => k.kind === 'person_name');
    if (personName >= 0 && hint !== 'person_name') kinds.splice(personName, 1); // capitalized words alone are not enough
    // Numbers with a decimal comma, and dates in another format, count as what they are once read so.
    const decimalComma = this.commaNumbers > 0 && this.numbers + this.commaNumbers === filled;
    const otherDates = this.slashed + this.dotted;
    const dateFormats = otherDates > 0 && this.dates + otherDates === filled ? ['YYYY-MM-DD', ...(this.slashed > 0 ? [this.dayFirst ? 'DD/MM/YYYY' : 'MM/DD/YYYY'] : []), ...(this.dotted > 0 ? ['DD.MM.YYYY'] : [])] : [];
    const type = filled === 0 ? 'string' : this.ints === filled ? 'integer' : this.numbers === filled || decimalComma ? 'number' : this.dates === filled || dateFormats.length > 0 ? 'date' : this.datetimes + this.dates === filled && this.datetimes > 0 ? 'datetime' : this.booleans === filled ? 'boolean' : 'string';
    const distinct = this.distinct.size;
    const main = kinds[0]?.kind;
    // A number with decimals, or one named like a measure, is a measure (lifetime_value, price): unique values do not make it an identifier.
    const measure = (type === 'number' || (type === 'integer' && MEASURE_HINT.test(this.name))) && !ID_HINT.test(this.name) && main === undefined;
    const nearUnique = filled >= 20 && distinct / filled >= 0.9 && !measure;
    const role: Role =
      main === 'zip' || main === 'birth_date' || main === 'date' || (QI_HINT.test(this.name) && !nearUnique)
        ? 'quasi_identifier'
        : nearUnique || ID_HINT.test(this.name) || (main !== undefined && main !== 'free_text')
          ? 'direct_identifier'
          : 'other';
    const example = this.first === undefined ? undefined : maskExample(this.first, role !== 'direct_identifier');
    return { name: this.name, kinds, role, type, values: this.values, empty: this.empty, distinct, example, formulas: this.formulas, na: [...this.markers].sort(), decimalComma, dateFormats };
  }
}

const TRANSFORM_OF: Record<string, string> = {
  email: '{ transform: hash, normalize: email }',
  phone: '{ transform: hash, normalize: digits }',
  ssn: '{ transform: hash }',
  credit_card: '{ transform: hash, normalize: digits }',
  iban: '{ transform: hash }',
  ip: '{ transform: hash }',
  birth_date: '{ transform: generalize, to: year }',
  date: '{ transform: generalize, to: month }',
  zip: '{ transform: generalize, prefix: 3 }',
  person_name: '{ transform: fake, as: person.fullName }',
  street_address: '{ transform: hash }',
  free_text: '{ transform: scrub }',
};

/** The kinds whose columns a draft protects: their values are looked for in the row's free text (scrub's `own`). */
const OWN_KINDS: ReadonlySet<Kind> = new Set(['email', 'phone', 'ssn', 'credit_card', 'iban', 'person_name', 'street_address']);
/** A declared kind (`--recognizers`): an identifier, hashed, and looked for in the row's free text. */
const DECLARED_TRANSFORM = '{ transform: hash }';

/**
 * A commented draft policy: identifiers hashed, names faked, free text
 * scrubbed (with the row's protected columns as its own values), quasi-identifiers generalized where a generalization is natural
 * and listed for k-anonymity, everything else kept with its inferred type.
 * It runs as it is (`veil apply --policy draft.yaml`), and is meant to be read
 * and edited: the scan saw a sample.
 */
/**
 * What a column found by its values (its header unrecognized) gets in a
 * draft that extends the Safe Harbor preset: the preset's rule for that kind
 * (identifiers dropped, dates to the year, ZIP codes to 3 digits).
 */
function safeHarborTransform(kind: Kind): string {
  const header: Partial<Record<Kind, string>> = { birth_date: 'birth_date', date: 'date', zip: 'zip', street_address: 'address', free_text: 'notes' };
  return hipaaRule(header[kind] ?? 'name')!.spec;
}

/** How the draft reads a column's values as the scan saw them written: its missing-value markers, decimal comma, date formats. */
function withReading(spec: string, f: ColumnFinding): string {
  const options = [
    ...(f.na.length > 0 ? [`na: [${f.na.map((m) => JSON.stringify(m)).join(', ')}]`] : []),
    ...(f.decimalComma ? ['decimal: ","'] : []),
    ...(f.dateFormats.length > 0 ? [`format: [${f.dateFormats.join(', ')}]`] : []),
  ];
  if (options.length === 0) return spec;
  const body = spec.startsWith('{') ? spec.slice(1, -1).trim() : `transform: ${spec}`;
  return `{ ${body}, ${options.join(', ')} }`;
}

function readingWhy(f: ColumnFinding): string {
  const said = [
    ...(f.na.length > 0 ? ['missing values marked'] : []),
    ...(f.decimalComma ? ['decimal comma'] : []),
    ...(f.dateFormats.length > 1 ? [`dates in ${f.dateFormats.length} formats`] : []),
  ];
  return said.length > 0 ? `; ${said.join(', ')}` : '';
}

/** The policy's input line for a delimiter other than the comma and an encoding other than UTF-8, so that `apply` needs no flag. */
function inputLine(delimiter: string | undefined, encoding?: string): string[] {
  const parts = [
    ...(delimiter !== undefined && delimiter !== ',' ? [`delimiter: ${delimiter === '\t' ? 'tab' : JSON.stringify(delimiter)}`] : []),
    ...(encoding !== undefined && encoding !== 'utf-8' ? [`encoding: ${encoding}`] : []),
  ];
  return parts.length === 0 ? [] : [`input: { ${parts.join(', ')} }   # how the input is written, so that apply needs no flag`];
}

export function draftPolicy(findings: readonly ColumnFinding[], source: string, sampled: number, preset?: 'hipaa-safe-harbor', delimiter?: string, encoding?: string, malformed = false): string {
  const lines = [
    schemaLine(),
    `# Draft policy written by veil scan from ${sampled} sampled rows of ${source}.`,
    '# Review every line: the scan sees a sample, and only you know what the data means.',
    'version: 1',
    ...inputLine(delimiter, encoding),
    ...(malformed ? ['on_invalid: quarantine       # records of the wrong number of fields were seen: set aside with --rejects FILE', 'max_invalid: 0.05'] : []),
    ...(preset ? [`extends: ${preset}              # the columns it recognizes by header get its rule (see the README)`] : []),
    'unlisted: error',
    'columns:',
  ];
  const presetCovers = (name: string) => preset === 'hipaa-safe-harbor' && hipaaRule(name) !== undefined;
  const qis: string[] = [];
  let typed = false;
  // The columns the draft protects, whose values free text is searched for.
  const own = findings
    .filter((f) => !presetCovers(f.name) && ((f.kinds[0] && (OWN_KINDS.has(f.kinds[0].kind) || !(KINDS as readonly string[]).includes(f.kinds[0].kind))) || (!f.kinds[0] && f.role === 'direct_identifier' && ID_HINT.test(f.name))))
    .map((f) => f.name);
  for (const f of findings) {
    if (presetCovers(f.name)) {
      lines.push(`  # ${f.name}: left to the preset (${hipaaRule(f.name)!.why})`);
      continue;
    }
    const kind = f.kinds[0]?.kind;
    const name = yamlName(f.name);
    let spec: string;
    let why: string;
    if (kind === 'free_text' && !preset) {
      spec = own.length > 0 ? `{ transform: scrub, own: [${own.map(yamlName).join(', ')}] }` : TRANSFORM_OF.free_text!;
      why = `free text with personal data (${Math.round(f.kinds[0]!.share * 100)}% of values): scrub replaces what it finds`;
    } else if (kind) {
      spec = preset ? safeHarborTransform(kind) : (TRANSFORM_OF[kind] ?? DECLARED_TRANSFORM);
      why = `${kind} (${Math.round(f.kinds[0]!.share * 100)}% of values)`;
    } else if (f.role === 'direct_identifier') {
      // Under the preset a pseudonym derived from an identifier is not Safe Harbor (164.514(c)).
      spec = preset ? 'drop' : '{ transform: hash }';
      why = 'near-unique or named like an identifier';
    } else {
      const type = f.type === 'string' ? '' : `, type: ${f.type}`;
      spec = `{ transform: keep${type} }`;
      typed ||= type !== '';
      why = f.role === 'quasi_identifier' ? 'quasi-identifier, generalized by k-anonymity below' : `kept${type ? ` as ${f.type}` : ''}`;
    }
    if (f.role === 'quasi_identifier' && kind !== 'free_text') qis.push(f.name);
    lines.push(`  ${name}: ${withReading(spec, f)}`.padEnd(60) + ` # ${why}${readingWhy(f)}`);
  }
  if (typed && !malformed) lines.push('on_invalid: drop              # rows that break an inferred type are removed (counted in the report)', 'max_invalid: 0.01             # but more than 1% of them fails the run');
  if (lines.at(-1) === 'columns:' || lines.every((l) => !l.startsWith('  ') || l.startsWith('  #'))) lines.push('  {}');
  if (qis.length > 0) {
    lines.push('k_anonymity:', '  k: 5', `  quasi_identifiers: [${qis.map(yamlName).join(', ')}]`, '  max_suppression: 0.05');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A starter policy from a header alone (`veil init`): each column's transform
 * guessed from its name (an email hashed, a name faked, notes scrubbed, a ZIP
 * code to 3 digits, anything else kept but marked for review), and the list
 * of every transform with an example, as comments. Fails closed as it stands:
 * `unlisted: error`, and a column the names say nothing of is a `keep` the
 * reader must confirm.
 */
export function starterPolicy(header: readonly string[], source: string, transforms: readonly { name: string; summary: string; example: string }[], delimiter?: string): string {
  const width = Math.max(...header.map((h) => yamlName(h).length), 4) + 2;
  const lines = [
    schemaLine(),
    `# Starter policy written by veil init from the header of ${source}.`,
    '# Every column has a transform guessed from its name: read each line, then check it with',
    '#   veil validate policy.yaml',
    '# and run it with a report: veil apply <input> --policy policy.yaml -o safe.csv --report report.json',
    '# For a draft from the values themselves (what each column holds), run veil scan <input> --policy-out draft.yaml.',
    'version: 1',
    ...inputLine(delimiter),
    'unlisted: error              # a column the policy does not name stops the run',
    'columns:',
  ];
  const qis: string[] = [];
  const keyOf = yamlName;
  const hintOf = (name: string) => HINTS.find(([re]) => re.test(name))?.[1];
  // The columns it protects, whose values free text is searched for.
  const own = header.filter((h) => {
    const hint = hintOf(h);
    return (hint !== undefined && OWN_KINDS.has(hint)) || (hint === undefined && ID_HINT.test(h));
  });
  for (const name of header) {
    const key = keyOf(name);
    const hint = hintOf(name);
    let spec: string;
    let why: string;
    if (hint === 'free_text' && own.length > 0) {
      spec = `{ transform: scrub, own: [${own.map(keyOf).join(', ')}] }`;
      why = 'named like free text: personal data in it replaced';
    } else if (hint) {
      spec = TRANSFORM_OF[hint] ?? DECLARED_TRANSFORM;
      why = `named like ${hint.replace('_', ' ')}`;
    } else if (ID_HINT.test(name)) {
      spec = '{ transform: hash }';
      why = 'named like an identifier: a keyed pseudonym';
    } else {
      spec = '{ transform: keep }';
      why = QI_HINT.test(name) ? 'REVIEW: a quasi-identifier? generalize it, or list it under k_anonymity' : 'REVIEW: published as it is';
    }
    if (QI_HINT.test(name) && hint !== 'free_text' && !ID_HINT.test(name)) qis.push(key);
    lines.push(`  ${`${key}:`.padEnd(width)}${spec.padEnd(44)} # ${why}`);
  }
  if (qis.length > 0) lines.push('# k_anonymity:                # every combination of these shared by k rows (see docs/k-anonymity.md)', '#   k: 5', `#   quasi_identifiers: [${qis.join(', ')}]`);
  lines.push('', '# The transforms (veil transforms; docs/policy.md):');
  for (const t of transforms) lines.push(`#   ${t.name.padEnd(20)} ${t.summary}`, `#   ${' '.repeat(20)} e.g. ${t.example}`);
  return `${lines.join('\n')}\n`;
}
