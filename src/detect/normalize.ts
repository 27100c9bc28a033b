// Text as the recognizers read it, made once before any of them runs, with
// each character's place in the original, so that a span found in the
// normalized text covers exactly the original characters it came from:
//   - NFKC, character by character: full-width digits and letters, the
//     full-width ＠, ligatures and the like read as their plain forms;
//   - characters that show nothing are left out: zero-width spaces and
//     joiners, word joiners, the byte-order mark, soft hyphens;
//   - every dash (figure dash, en and em dash, minus, non-breaking hyphen)
//     and an underscore between two digits read as '-', every space
//     (non-breaking, thin, ideographic, line and paragraph separators) as ' ';
//   - defanged and spelled-out punctuation read as it stands for: [.] (.)
//     {.} [dot] (dot) as '.', [at] (at) {at} [@] as '@', with the spaces
//     around them;
//   - percent-encoded characters (%40, %2E) read as themselves, as a URL's
//     query (?email=ann%40x.org) means them.
// A text of plain ASCII that has none of these is read as it is, at no cost.

/** A text as the recognizers read it. */
export interface Normalized {
  readonly text: string;
  /** For each UTF-16 unit of `text`, where its source starts in the original, and where it ends (exclusive). */
  readonly from: Int32Array | undefined;
  readonly to: Int32Array | undefined;
}

/**
 * What may need normalizing: anything but plain printable ASCII and the
 * letters of Latin-1 and Latin Extended-A that NFKC leaves as they are (é, ß,
 * ø, œ, ł: names and notes in French, German or Polish; not Ĳ, ĳ, Ŀ, ŀ, ŉ or
 * ſ, which it spells otherwise), a percent escape, a defanged or spelled-out
 * dot or at, an underscore between digits. When it finds none, normalizing
 * would give the text back as it is (test/detect.test.ts tries every
 * character). No `i` flag: with one, a class's members would also stand for
 * the characters that upper-case to them.
 */
const NEEDS = /[^\t\n\r\x20-\x7e\xc0-\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e]|%[0-9A-Fa-f]{2}|[[({](?:\.|@|[Dd][Oo][Tt]|[Aa][Tt])[\])}]|\d_\d/;

/** A character that NEEDS may start at: a single class, which a long text is scanned for faster than for NEEDS's alternatives. */
const ODD = /[%[({_\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xbf\u0132\u0133\u013f\u0140\u0149\u017f-\uffff]/;

/** Whether a text may read otherwise once normalized (most texts are plain, and every kept cell is asked). */
export const needsNormalizing = (s: string): boolean => ODD.test(s) && NEEDS.test(s);

/** The normalized text alone, without the map back (the residual check's question needs no span). */
export const normalizedText = (original: string): string => (needsNormalizing(original) ? normalize(original).text : original);
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/;
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/;
/** Every space a pattern's \s reads beyond ASCII, so that the normalized text has ASCII spaces alone (the SQL screens know those). */
const SPACES = /[\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
/** Defanged and spelled-out punctuation, with the spaces around it. */
const DEFANGED = /^ ?(?:[[({](dot|\.)[\])}]|[[({](at|@)[\])}]) ?/i;

/** After a spelled-out at: a domain whose last label is a common top-level domain or a country's two letters. */
const SPELLED_DOMAIN = /^[\p{L}\p{N}-]+(?: ?[[({](?:dot|\.)[\])}] ?[\p{L}\p{N}-]+)*? ?[[({](?:dot|\.)[\])}] ?(?:com|org|net|edu|gov|mil|int|info|biz|io|app|dev|[a-z]{2})(?![\p{L}\p{N}])/iu;

/** The text as the recognizers read it, with the map back to the original. */
export function normalize(original: string): Normalized {
  if (!needsNormalizing(original)) return { text: original, from: undefined, to: undefined };
  return normalizeEvery(original);
}

/** Every character normalized, whether needsNormalizing says it needs it or not (for the test that it tells right). */
export function normalizeEvery(original: string): Normalized {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  const put = (s: string, start: number, end: number): void => {
    for (let k = 0; k < s.length; k++) {
      from.push(start);
      to.push(end);
    }
    text += s;
  };
  const n = original.length;
  for (let i = 0; i < n; ) {
    const c = original.charCodeAt(i);
    // Defanged punctuation: ann[at]example[dot]com, 10[.]0[.]0[.]1, ann (at) example (dot) com.
    if (c === 91 || c === 40 || c === 123 || (c === 32 && i + 1 < n && '[({'.includes(original[i + 1]!))) {
      const m = DEFANGED.exec(original.slice(i, i + 8));
      // "me (at) noon (dot) sharp" is prose: a spelled-out at with spaces and round or curly brackets counts only before a domain that ends like one.
      if (m && !(m[2] !== undefined && /[({]/.test(m[0]) && / /.test(m[0]) && !SPELLED_DOMAIN.test(original.slice(i + m[0].length, i + m[0].length + 200)))) {
        put(m[1] !== undefined ? '.' : '@', i, i + m[0].length);
        i += m[0].length;
        continue;
      }
    }
    if (c === 37 && i + 2 < n) {
      const hex = original.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        const code = parseInt(hex, 16);
        // Printable ASCII only: a percent-encoded byte of UTF-8 stays as written.
        if (code >= 0x20 && code < 0x7f) {
          put(String.fromCharCode(code), i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    if (c === 95 && i > 0 && i + 1 < n && isDigit(original.charCodeAt(i - 1)) && isDigit(original.charCodeAt(i + 1))) {
      put('-', i, i + 1);
      i++;
      continue;
    }
    if (c < 0x80) {
      put(original[i]!, i, i + 1);
      i++;
      continue;
    }
    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = original.slice(i, i + width);
    if (INVISIBLE.test(ch)) {
      i += width;
      continue;
    }
    if (DASHES.test(ch)) put('-', i, i + width);
    else if (SPACES.test(ch)) put(' ', i, i + width);
    else {
      const folded = ch.normalize('NFKC');
      // Full-width forms fold to ASCII; a fold that would add a space or change nothing else visible is kept as it folds.
      put(folded === '' ? ch : folded, i, i + width);
    }
    i += width;
  }
  return { text, from: Int32Array.from(from), to: Int32Array.from(to) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** A span [start, end) of the normalized text as a span of the original. */
export function originalSpan(n: Normalized, start: number, end: number): { start: number; end: number } {
  if (!n.from || !n.to) return { start, end };
  if (end <= start) {
    const at = start < n.from.length ? n.from[start]! : n.to.length > 0 ? n.to[n.to.length - 1]! : 0;
    return { start: at, end: at };
  }
  return { start: n.from[start]!, end: n.to[end - 1]! };
}
