// The HIPAA Safe Harbor preset (45 CFR 164.514(b)(2)), `extends:
// hipaa-safe-harbor`: input columns are recognized by their header as one of
// the 18 kinds of identifiers the rule lists (A-R), or as free text.
//   - A column the policy does not name gets the preset's rule for its kind.
//   - A column the policy names must do at least what that rule does: `keep`
//     on an `age` column, or a `hash` of a name, is refused (exit 2), unless
//     the policy declares that the column holds no such identifier
//     (`safe_harbor.not_identifiers`).
//   - Direct identifiers are dropped, not hashed: 164.514(c) allows a
//     re-identification code only if it is "not derived from or related to
//     information about the individual", and an HMAC of a name or an SSN is
//     derived from it. A fake drawn afresh per cell (`fake` with
//     `consistent: false`) is not a function of the value and is accepted.
//   - The report's attestation says, kind by kind, which column covered it and
//     how, and which kinds no header matched (the user confirms those).
// What it cannot cover stays with the user (README): identifiers under headers
// it does not recognize, inside kept values (the residual-PII check helps,
// and under the preset any finding fails the run), and the "no actual
// knowledge" condition.

import defaults from './restricted-zip3.json' with { type: 'json' };

/** The 18 identifiers of 164.514(b)(2)(i), by their letter. */
export const SAFE_HARBOR_KINDS = {
  A: 'names',
  B: 'geographic subdivisions smaller than a state (street address, city, county, precinct, ZIP code)',
  C: 'elements of dates (except year) directly related to an individual, and ages over 89',
  D: 'telephone numbers',
  E: 'fax numbers',
  F: 'email addresses',
  G: 'social security numbers',
  H: 'medical record numbers',
  I: 'health plan beneficiary numbers',
  J: 'account numbers',
  K: 'certificate or license numbers',
  L: 'vehicle identifiers and serial numbers, including license plates',
  M: 'device identifiers and serial numbers',
  N: 'web URLs',
  O: 'IP addresses',
  P: 'biometric identifiers, including finger and voice prints',
  Q: 'full-face photographs and comparable images',
  R: 'any other unique identifying number, characteristic, or code',
} as const;
export type SafeHarborKind = keyof typeof SAFE_HARBOR_KINDS;

/** The 3-digit ZIP areas of 20,000 people or fewer, as HHS lists them (2000 Census): published as 000. */
export const RESTRICTED_ZIP3: readonly string[] = defaults.restricted;
export const RESTRICTED_ZIP3_SOURCE: string = defaults.source;

/** What the preset needs to know besides the header. */
export interface PresetSettings {
  /** Ages are measured in this year (as_of_year). */
  readonly asOfYear: number;
  /** The restricted 3-digit ZIP areas (the HHS list, or the policy's own). */
  readonly restrictedZip3: readonly string[];
}

/** A column's transform as the policy configured it: its name and its described parameters. */
export interface ColumnTransform {
  readonly transform: string;
  readonly params: Readonly<Record<string, unknown>>;
}

interface Rule {
  readonly header: RegExp;
  /** The identifier kind, or free text (which may hold any). */
  readonly kind: SafeHarborKind | 'free_text';
  /** The policy entry the preset gives a column it recognizes. */
  spec(s: PresetSettings): string;
  why(s: PresetSettings): string;
  /** Does a transform the policy names for such a column do at least what the rule does? (drop and redact always do.) */
  accepts(t: ColumnTransform, s: PresetSettings): boolean;
  /** What an accepted transform does, for the message that refuses another. */
  needs(s: PresetSettings): string;
}

const number = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);

const IDENTIFIERS: readonly [RegExp, SafeHarborKind][] = [
  [/e-?mail/i, 'F'],
  [/fax/i, 'E'],
  [/phone|mobile|(^|_)tel($|_)|telephone/i, 'D'],
  [/ssn|social.?sec/i, 'G'],
  [/mrn|medical.?record/i, 'H'],
  [/health.?plan|beneficiary|member.?id|insurance.?id/i, 'I'],
  [/account|acct/i, 'J'],
  [/licen[cs]e|certificate/i, 'K'],
  [/vehicle|vin$|plate/i, 'L'],
  [/device|serial|imei/i, 'M'],
  [/url|web/i, 'N'],
  [/(^|_)ip($|_)|ip.?addr/i, 'O'],
  [/biometric|finger|voice|retina|iris/i, 'P'],
  [/photo|image|face/i, 'Q'],
  [/name/i, 'A'],
  [/(^|_)(id|uuid|guid)$|identifier/i, 'R'],
];

const dropped = (why: string): Pick<Rule, 'spec' | 'why' | 'accepts' | 'needs'> => ({
  spec: () => 'drop',
  why: () => why,
  accepts: () => false,
  needs: () => 'drop or redact',
});

/** The rules, first match first; built once (their texts take the settings as arguments). */
const RULES: readonly Rule[] = rules();

function rules(): readonly Rule[] {
  return [
    {
      header: /zip|postal|postcode/i,
      kind: 'B',
      spec: (s) => `{ transform: generalize, prefix: 3, zip: true, restricted: [${s.restrictedZip3.map((z) => `"${z}"`).join(', ')}] }`,
      why: () => 'ZIP code to its first 3 digits, 000 for the restricted areas (B)',
      accepts: (t, s) => {
        const prefix = number(t.params.prefix);
        if (t.transform !== 'generalize' || t.params.zip !== true || prefix === undefined || prefix > 3) return false;
        // Every 2-digit area holds far more than 20,000 people; 3-digit areas need the restricted list.
        const restricted = (t.params.restricted as string[] | undefined) ?? [];
        return prefix < 3 || s.restrictedZip3.every((z) => restricted.includes(z));
      },
      needs: () => 'generalize with prefix: 3 (or fewer), zip: true and the restricted areas',
    },
    {
      header: /(^|_)age$/i,
      kind: 'C',
      spec: () => '{ transform: generalize, over: 89 }',
      why: () => 'ages over 89 (89.5 too) as >89 (C)',
      accepts: (t) => {
        if (t.transform !== 'generalize') return false;
        const { over, top, width, bins } = t.params;
        if (number(over) !== undefined) return number(over)! <= 89;
        // Width buckets and bins publish ranges below their top: a top at 90 or below leaves no age over 89 on its own.
        if (number(width) !== undefined) return (number(top) ?? Infinity) <= 90;
        if (Array.isArray(bins)) return (bins.at(-1) as number) <= 90;
        // Top coding alone keeps the values below the top as they are: 89.5 stays unless the top is 89 or below.
        return (number(top) ?? Infinity) <= 89;
      },
      needs: () => 'generalize with over: 89 (the preset\'s rule), or buckets (width, bins) whose top is 90 or below',
    },
    {
      header: /birth|dob/i,
      kind: 'C',
      spec: (s) => `{ transform: generalize, to: year, before: ${s.asOfYear - 89} }`,
      why: (s) => `birth dates to the year, years implying an age over 89 in ${s.asOfYear} aggregated (C)`,
      accepts: (t, s) => t.transform === 'generalize' && t.params.to === 'year' && (number(t.params.before) ?? 0) >= s.asOfYear - 89,
      needs: (s) => `generalize with to: year and before: ${s.asOfYear - 89} or later`,
    },
    {
      header: /date|admission|admit|discharge|death|visit|_at$/i,
      kind: 'C',
      spec: () => '{ transform: generalize, to: year }',
      why: () => 'dates to the year (C)',
      accepts: (t) => t.transform === 'generalize' && t.params.to === 'year',
      needs: () => 'generalize with to: year',
    },
    { header: /note|comment|text|description|narrative/i, kind: 'free_text', ...dropped('free text dropped: it may hold any identifier') },
    // Before addresses: an email_address or ip_address is an email or an IP.
    ...IDENTIFIERS.filter(([, kind]) => kind === 'F' || kind === 'O').map(identifierRule),
    { header: /street|address|city|county|town|precinct/i, kind: 'B', ...dropped('address below the state dropped (B)') },
    ...IDENTIFIERS.filter(([, kind]) => kind !== 'F' && kind !== 'O').map(identifierRule),
  ];
}

function identifierRule([header, kind]: readonly [RegExp, SafeHarborKind]): Rule {
  return {
      header,
    kind,
    ...dropped(`direct identifier dropped (${kind}): a pseudonym derived from it is not allowed (164.514(c))`),
    // A fake drawn afresh for every cell is a surrogate that is no function of the value.
    accepts: (t) => t.transform === 'fake' && t.params.consistent === false,
    needs: () => 'drop, redact, or fake with consistent: false (a hash or a consistent fake is derived from the value, which 164.514(c) forbids)',
  };
}

function ruleFor(column: string): Rule | undefined {
  return RULES.find((r) => r.header.test(column));
}

/** The policy entry the preset gives a column, by its header, or undefined when it does not recognize it. */
export function hipaaRule(column: string, settings: PresetSettings = { asOfYear: new Date().getUTCFullYear(), restrictedZip3: RESTRICTED_ZIP3 }): { spec: string; why: string; kind: SafeHarborKind | 'free_text' } | undefined {
  const rule = ruleFor(column);
  return rule && { spec: rule.spec(settings), why: rule.why(settings), kind: rule.kind };
}

/**
 * Why a column the policy names does less than the preset's rule for its
 * header (undefined when it does enough, or the preset does not recognize
 * it): the text of the refusal.
 */
export function weakerThanPreset(column: string, t: ColumnTransform, s: PresetSettings): string | undefined {
  const rule = ruleFor(column);
  if (!rule || t.transform === 'drop' || t.transform === 'redact' || rule.accepts(t, s)) return undefined;
  const what = rule.kind === 'free_text' ? 'free text' : `${SAFE_HARBOR_KINDS[rule.kind]} (${rule.kind})`;
  return `a column Safe Harbor treats as ${what} to be handled at least as the preset does: ${rule.needs(s)}; or list it in safe_harbor.not_identifiers if it holds no such identifier`;
}

/** How a transform is described in the attestation. */
function how(t: ColumnTransform): string {
  const params = Object.entries(t.params)
    .filter(([k]) => !['preset', 'rule', 'faker_version', 'levels'].includes(k))
    .map(([k, v]) => `${k}: ${Array.isArray(v) && v.length > 6 ? `[${v.length} values]` : JSON.stringify(v)}`);
  return params.length > 0 ? `${t.transform} (${params.join(', ')})` : t.transform;
}

/**
 * The attestation of the report's `privacy.hipaa_safe_harbor` section: for
 * each of the 18 identifier kinds, the input columns recognized as such and
 * what was done to them; the kinds no header matched, which the user must
 * confirm the data does not hold; the columns declared not identifiers; the
 * columns not recognized at all.
 */
export function safeHarborSection(
  columns: readonly (ColumnTransform & { readonly name: string; readonly preset: boolean })[],
  notIdentifiers: readonly string[],
  s: PresetSettings,
): Record<string, unknown> {
  const identifiers: Record<string, unknown> = {};
  const unmatched: string[] = [];
  const freeText: Record<string, string> = {};
  const unrecognized: Record<string, string> = {};
  const declared: Record<string, string> = {};
  const byKind = new Map<string, Record<string, string>>();
  for (const c of columns) {
    const rule = ruleFor(c.name);
    const text = `${how(c)}${c.preset ? ' (the preset\'s rule)' : ' (named by the policy)'}`;
    if (notIdentifiers.includes(c.name)) declared[c.name] = `${how(c)}: declared to hold no identifier (safe_harbor.not_identifiers)`;
    else if (!rule) unrecognized[c.name] = how(c);
    else if (rule.kind === 'free_text') freeText[c.name] = text;
    else byKind.set(rule.kind, { ...byKind.get(rule.kind), [c.name]: text });
  }
  for (const [kind, description] of Object.entries(SAFE_HARBOR_KINDS)) {
    const found = byKind.get(kind);
    if (found) identifiers[kind] = { kind: description, columns: found };
    else {
      identifiers[kind] = { kind: description, columns: {}, status: 'no column header matched: confirm that no column holds it' };
      unmatched.push(kind);
    }
  }
  return {
    standard: 'HIPAA Safe Harbor, 45 CFR 164.514(b)(2)',
    // A run with a residual-PII finding fails under the preset (SAFE_HARBOR_NOT_MET): a written attestation is one that was met.
    met: true,
    as_of_year: s.asOfYear,
    restricted_zip3: { areas: s.restrictedZip3.length, source: s.restrictedZip3 === RESTRICTED_ZIP3 ? RESTRICTED_ZIP3_SOURCE : 'the policy (safe_harbor.restricted_zip3)' },
    identifiers,
    free_text: freeText,
    not_identifiers: declared,
    unrecognized_columns: unrecognized,
    you_must_confirm: [
      `that no column holds identifiers of the kinds no header matched: ${unmatched.join(', ') || 'none'}`,
      'that the unrecognized columns hold no identifier of any kind, in their values either',
      'that years of other dates do not imply an age over 89',
      'that you have no actual knowledge that the information could identify an individual (164.514(b)(2)(ii))',
    ],
  };
}
