// The HIPAA Safe Harbor preset (45 CFR 164.514(b)(2)), `extends:
// hipaa-safe-harbor`: input columns the policy does not name are recognized
// by their header and given the Safe Harbor rule for what they hold. Columns
// the policy names keep the policy's transform. What it does not cover is in
// the README: the "no actual knowledge" condition, identifiers under headers
// it does not recognize, and identifiers inside free text, stay with you.

/** 3-digit ZIP areas of 20,000 people or fewer (HHS, 2000 Census): published as 000. */
export const RESTRICTED_ZIP3 = ['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893'];

/**
 * Birth years that imply an age of 90 or more in `asOf` (the policy's
 * as_of_year, else the year of the run) are aggregated too (`<YEAR`).
 */
function rules(asOf: number): readonly [RegExp, string, string][] {
  return [
  [/zip|postal|postcode/i, `{ transform: generalize, prefix: 3, restricted: [${RESTRICTED_ZIP3.map((z) => `"${z}"`).join(', ')}] }`, 'ZIP code to its first 3 digits, 000 for the 17 small areas (B)'],
  [/(^|_)age$/i, '{ transform: generalize, top: 90 }', 'ages of 90 and over as 90+ (C)'],
  [/birth|dob/i, `{ transform: generalize, to: year, before: ${asOf - 89} }`, `birth dates to the year, years implying an age of 90 or more in ${asOf} aggregated (C)`],
  [/birth|dob|date|admission|admit|discharge|death|visit|_at$/i, '{ transform: generalize, to: year }', 'dates to the year (C)'],
  [/note|comment|text|description|narrative/i, 'drop', 'free text dropped: it may hold any identifier'],
  [/street|address|city|county|town|precinct/i, 'drop', 'address below the state dropped (B)'],
  [
    /name|e-?mail|phone|fax|ssn|social.?sec|mrn|medical.?record|health.?plan|beneficiary|account|licen[cs]e|vehicle|vin$|plate|device|serial|url|web|(^|_)ip($|_)|ip.?addr|biometric|finger|photo|image|certificate/i,
    '{ transform: hash }',
    'direct identifier hashed (A, D-R)',
  ],
  ];
}

/** The policy entry the preset gives a column, by its header, or undefined when it does not recognize it. */
export function hipaaRule(column: string, asOf = new Date().getUTCFullYear()): { spec: string; why: string } | undefined {
  const rule = rules(asOf).find(([re]) => re.test(column));
  return rule && { spec: rule[1], why: rule[2] };
}
