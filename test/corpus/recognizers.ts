// The labelled corpus of the recognizer registry (src/detect/): per kind,
// texts with the exact span a recognizer must find (positives, and variants
// that only the normalization makes readable), and texts that hold none of
// that kind (negatives). Every consumer is tested against this one corpus:
// the registry's spans (scrub), the residual check's kinds on both engines,
// scan's column kinds (test/detect.test.ts).
//
// A case is a text with its span marked by ⟦ ⟧.

export interface Case {
  readonly text: string;
  /** The span, [start, end) in UTF-16 units of `text`. */
  readonly start: number;
  readonly end: number;
}

/** A text with ⟦ ⟧ around its span. */
function marked(source: string): Case {
  const start = source.indexOf('⟦');
  const end = source.indexOf('⟧') - 1;
  if (start < 0 || end < start) throw new Error(`no ⟦span⟧ in ${source}`);
  return { text: source.replace('⟦', '').replace('⟧', ''), start, end };
}

export interface KindCorpus {
  readonly positives: readonly Case[];
  /** Written so that only the normalization reads them: full-width forms, invisible characters, other separators, defanged punctuation, percent escapes. */
  readonly variants: readonly Case[];
  readonly negatives: readonly string[];
}

const corpus = (positives: string[], variants: string[], negatives: string[]): KindCorpus => ({ positives: positives.map(marked), variants: variants.map(marked), negatives });

export const CORPUS = {
  email: corpus(
    ['write to ⟦ann.lee@example.com⟧ today', 'cc ⟦Zoë.Ngata+billing@mail.example.co.nz⟧.'],
    [
      'mail ⟦ann＠example.com⟧ please',
      'reach me at ⟦ann[at]example[dot]com⟧',
      'reach me at ⟦ann (at) example (dot) com⟧ please',
      'reach me at ⟦ann{at}example{dot}org⟧',
      'link ?u=⟦ann.lee%40example.com⟧&x=1',
      'mail ⟦ann\u200b.lee@example.com⟧ now',
    ],
    ['the @ sign and user@localhost', 'meet me (at) noon (dot) sharp', 'price 5 @ 10 dollars'],
  ),
  ssn: corpus(
    ['SSN ⟦123-45-6789⟧ on file', 'ssn: ⟦123 45 6789⟧.', 'social security number ⟦123456789⟧'],
    [
      'ssn ⟦１２３－４５－６７８９⟧ given',
      'ssn ⟦123—45—6789⟧ given',
      'ssn ⟦123–45–6789⟧ given',
      'ssn ⟦123_45_6789⟧ given',
      'ssn ⟦123/45/6789⟧ given',
      'ssn ⟦123.45.6789⟧ given',
      'ssn ⟦123\u00ad45\u00ad6789⟧ given',
      'ssn ⟦123\u200b-45-6789⟧ given',
    ],
    ['part 666-12-3456', 'order 123-00-4567', 'serial 123-45-0000', 'number 123456789 shipped', 'mixed 123-45 6789'],
  ),
  phone: corpus(
    ['call ⟦(617) 555-0134⟧ today', 'mobile ⟦+44 7911 123456⟧.', 'office ⟦617.555.0134⟧ or'],
    ['call ⟦６１７－５５５－０１３４⟧ now', 'call ⟦617_555_0134⟧ now', 'call ⟦617–555–0134⟧ now', 'call ⟦617/555/0134⟧ now', 'call ⟦+44\u00a020\u00a07946\u00a00958⟧ now'],
    ['ISBN 978-0-306-40615-7', 'build 2024.03.12.1234 shipped', 'order 0612345678 shipped', 'on 2024-03-12 at 10'],
  ),
  credit_card: corpus(
    ['paid with ⟦4111-1111-1111-1111⟧ twice', 'card ⟦4111 1111 1111 1111⟧.'],
    ['card ⟦４１１１ １１１１ １１１１ １１１１⟧ used', 'card ⟦4111_1111_1111_1111⟧ used', 'card ⟦4111.1111.1111.1111⟧ used', 'card ⟦4111—1111—1111—1111⟧ used'],
    ['tracking 1Z6000889743591 sent', 'card 4111111111111112 declined'],
  ),
  iban: corpus(
    ['to ⟦DE89 3704 0044 0532 0130 00⟧ please', 'iban ⟦de89370400440532013000⟧.'],
    ['to ⟦ＤＥ89 3704 0044 0532 0130 00⟧ please', 'to ⟦DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000⟧ please'],
    ['code DE89 3704 0044 0532 0130 01', 'ref AB12 3456 7890 1234'],
  ),
  ip: corpus(
    ['from ⟦192.168.10.4⟧, and', 'host ⟦2001:db8::7⟧ too'],
    ['from ⟦010.000.000.001⟧ today', 'ioc ⟦10[.]0[.]0[.]1⟧ seen', 'ioc ⟦10(.)0(.)0(.)1⟧ seen', 'from ⟦１９２．１６８．１．４⟧ today', 'ioc ⟦192.168[.]1.4⟧ seen'],
    ['version 10.4.1.2 and v1.2.3.4', 'released 2024.03.12.1234', 'ratio 3:2 at 10:30'],
  ),
  date: corpus(
    ['DOB: ⟦March 14, 1985⟧.', 'born on ⟦14.3.1985⟧ in Leeds'],
    ['she was born in ⟦March 1985⟧ in Leeds', 'DOB: ⟦1985/03/14⟧.', 'date of birth ⟦14.03.1985⟧ noted', 'DOB ⟦１９８５－０３－１４⟧ noted'],
    ['seen on 2024-03-12 at 10:30', 'in March 2024 the plan changed'],
  ),
  person: corpus(
    ['Spoke with ⟦Oluwaseun Adebayo⟧ about it', 'Referred by Dr. ⟦Okonkwo⟧.'],
    ['Name: ⟦john smith⟧', 'patient name - ⟦ada obi⟧, seen', 'full name: ⟦kwame mensah⟧'],
    ['the name: is missing', 'Call the Blue Cross office'],
  ),
} as const satisfies Record<string, KindCorpus>;

export type CorpusKind = keyof typeof CORPUS;

/** The kinds the residual-PII check counts (strict), of the corpus. */
export const STRICT: readonly CorpusKind[] = ['email', 'ssn', 'phone', 'credit_card', 'iban', 'ip'];

/**
 * The row's own values and the texts that must show them, each with the span
 * of the value as written there.
 */
export const OWN: readonly { readonly values: readonly string[]; readonly cases: readonly Case[] }[] = [
  {
    values: ['John Smith', 'john.smith@example.com'],
    cases: [
      'user ⟦john_smith⟧ logged in',
      'user ⟦johnsmith⟧ logged in',
      'from ⟦john-smith⟧ again',
      'signed ⟦J O H N⟧ today',
      'caller ⟦SMITH, JOHN⟧ rang',
      'mailto:⟦john.smith%40example.com⟧',
      'mailto:⟦john.smith@example.com⟧',
      'reply ⟦ｊｏｈｎ．ｓｍｉｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ⟧ ok',
    ].map(marked),
  },
];
