// Person names in free text, without a neural model: a run of capitalized
// words (with the particles of names: van, de, bin, al) is scored by what a
// reader would go by. A title before it (Mr, Dr, Ms) or a phrase that
// introduces a person ("my name is", "patient", "spoke with", "Dear",
// "Regards,"), a verb of a person after it ("said", "called"), two or more
// such words together, and given names and surnames of faker's locale lists
// raise the score, and so do words that are no English words (Ogunleye,
// Papadakis: word-list's 274,000 words); a lone English word at a sentence's
// start (capitalized by its place), a run of English words (Blue Cross) and a
// word of a place or an organization after the run ("Palo Alto office")
// lower it; the words of tickets and notes that are capitalized but are no
// names (Customer, Monday, Reply) end a run. After "my name is" or "this is",
// words in lower case that are no English words are names too ("hi this is
// kwame mensah"). The policy's threshold (0.5 by default) says which runs are
// names.

import type { Dictionaries } from './dictionaries.js';
import type { Span } from './spans.js';

/** A word of a name: O'Brien, McDonald, Oyelaran-Whitby, Zoë. */
const WORD = String.raw`(?:\p{Lu}\p{Ll}*['’])?\p{Lu}[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{Lu}?[\p{Ll}\p{M}]+)*`;
const PARTICLE = String.raw`(?:van der|van den|van|von|de la|de|da|del|della|di|du|le|la|bin|binti|ibn|al|el|ter|ten|dos|das)`;
const INITIAL = String.raw`\p{Lu}\.`;
/** A run: words, initials and particles, separated by one space. */
const RUN = new RegExp(String.raw`(?<![\p{L}\p{N}'’-])(?:${WORD}|${INITIAL})(?: (?:${PARTICLE} )?(?:${WORD}|${INITIAL}))*(?![\p{L}\p{N}])`, 'gu');
/** Titles before a name (Mr, Dr., Señora), and the phrases that introduce a person, strongly ("my name is", "patient") or weakly ("with", "from"). */
const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'dame', 'rev', 'fr', 'sister', 'nurse', 'doctor', 'mister', 'madam', 'mme', 'herr', 'frau', 'sr', 'sra', 'señor', 'señora']);
const STRONG = new Set(['my name is', 'name is', 'name', 'named', 'patient', 'dear', 'hi', 'hello', 'regards', 'thanks', 'sincerely', 'signed', 'spoke to', 'spoke with', 'talked to', 'talked with', 'caller', "i'm", 'i am', 'this is']);
const WEAK = new Set([
  'client', 'customer', 'called', 'speaking to', 'speaking with', 'contact', 'contacted', 'ask for', 'asked for', 'hey', 'thank you', 'cheers', 'cc', 'attn', 'agent',
  'son', 'daughter', 'wife', 'husband', 'mother', 'father', 'brother', 'sister', 'friend', 'colleague', 'manager', 'per', 'by', 'from', 'with', 'for', 'to', 'of', 'and',
]);

/** The last one, two and three words before a run, lower case, without the punctuation around them. */
function lastWords(before: string): [string, string, string] {
  const words = before.toLowerCase().split(/\s+/).filter((w) => w !== '').slice(-3).map((w) => w.replace(/^[^\p{L}]+|[^\p{L}'’.]+$/gu, ''));
  const n = words.length;
  return [words[n - 1] ?? '', words.slice(Math.max(0, n - 2)).join(' '), words.join(' ')];
}

/** How the words before a run introduce it: 'title', 'strong', 'weak' or none. */
function introduction(before: string): 'title' | 'strong' | 'weak' | undefined {
  if (!/[\p{L}.][ ,:]*$/u.test(before)) return undefined;
  const [one, two, three] = lastWords(before);
  // "Dr." after a capitalized word is a street's (Laurel Dr.), no title.
  if (/ $/.test(before) && TITLES.has(one.replace(/\.$/, '')) && !/\p{Lu}\p{Ll}* (?:Dr|St)\. $/u.test(before)) return 'title';
  const bare = one.replace(/\.$/, '');
  if (STRONG.has(bare) || STRONG.has(two) || STRONG.has(three)) return 'strong';
  if (WEAK.has(bare) || WEAK.has(two) || WEAK.has(three)) return 'weak';
  return undefined;
}
const VERB_AFTER = /^,? (?:said|says|called|calls|phoned|rang|emailed|wrote|writes|asked|asks|mentioned|complained|confirmed|requested|reported|explained|agreed|stated|told|wants|needs|would like|is asking|was seen|was admitted|presented|denies|reports|has been|missed|will (?:call|ring|email|come|send|bring|follow|return)|who|whose|\(\d)/u;
/** A word after the run that makes it a place or an organization. */
const ORG_AFTER = /^ (?:office|branch|team|support|care|desk|services?|department|clinic|hospital|centre|center|group|inc|ltd|llc|corp|bank|university|college|school|airport|station|county|city|store|location|area|campus|headquarters|hq|plan|app|account)\b/iu;
/** Words before a place: "live in", "near". */
const PLACE_BEFORE = /\b(?:in|near|around|outside|across|visiting)\s*$/iu;
/** Words that are no name after "this is" ("this is about", "this is not"). */
const NOT_INTRO = new Set(['a', 'an', 'the', 'about', 'regarding', 'not', 'my', 'your', 'our', 'his', 'her', 'their', 'urgent', 'just', 'still', 'also', 'so', 'very', 'really', 'from', 'for', 'to', 'in', 'on', 'at', 'with', 'and', 'or', 'but', 'because', 'what', 'how', 'why', 'when', 'where', 'who', 'which', 'that', 'this', 'it', 'is', 'was', 'be', 'been', 'being', 'sorry', 'ok', 'okay', 'fine', 'good', 'great']);
/** After an introduction, one or two words in lower case. */
const LOWER_INTRO = /(?:\bmy name is|\bthis is|\bi am|\bi'm|\bname's|\bname is) ([\p{Ll}'’-]{2,})(?: ([\p{Ll}'’-]{2,}))?/gu;
/** A label and a name in lower case ("Name: john smith", "patient name - ada obi"): the label says what the words are. */
const LABELLED = /\b(?:[Ff]ull |[Pp]atient |[Cc]ustomer |[Cc]lient |[Cc]ontact )?[Nn]ame(?:\s*[:=]|\s+-)\s*(\p{Ll}[\p{Ll}'’-]+)(?: (\p{Ll}[\p{Ll}'’-]+))?/gu;
const SENTENCE_START = /(?:^|[.!?:;]\s+|\n\s*|["“(]\s*)$/u;

/** Capitalized words of notes and tickets that are no names: a run stops at them. */
const NOT_NAMES = new Set(
  (
    'A An The This That These Those There Then Than Here Hi Hello Hey Dear Thanks Thank Regards Best Kind Cheers Sincerely Please Yes No Ok Okay Sorry ' +
    'I Im I\'m We You He She It They My Our Your His Her Its Their Me Us Him Them Who What When Where Why How Which If And But Or So As At By For From In Into ' +
    'On Of Off To With Without About After Before During Since Until Via Per Re Fw Fwd Cc Attn Subject Note Notes Update Follow Called Call Spoke Sent Asked ' +
    'Mr Mrs Ms Miss Mx Dr Prof Sir Dame Rev Fr Sr Jr Nurse Doctor Patient Client Customer Caller Agent Manager Team Support Service Services Help Desk Sales ' +
    'Billing Account Accounts Order Orders Invoice Ticket Case Refund Payment Card Credit Debit Bank Plan Premium Basic Pro Plus Free Trial Subscription ' +
    'Product Products Item Items Delivery Shipping Package Return Returns Warranty Store Shop Online Website App Email Phone Mobile Address Street Road ' +
    'Avenue Lane Drive Court Hospital Clinic Pharmacy Insurance Department Ward Room Unit Floor Office Center Centre Company Inc Ltd Llc Corp Group ' +
    'Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December ' +
    'Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Today Tomorrow Yesterday Morning Afternoon Evening Night Week Month Year Christmas Easter ' +
    'North South East West New Old Great Little Upper Lower Saint St Mount Lake River Park City County State Country Republic Kingdom United States ' +
    'America American English British French German Spanish Italian Chinese Japanese Indian European Africa Asia Europe Canada London Paris Berlin ' +
    'Error Issue Problem Bug Crash Fix Fixed Login Password Reset Settings Windows Mac Linux Android Iphone Ipad Chrome Firefox Safari Google Apple ' +
    'Microsoft Amazon Visa Mastercard Paypal Stripe Galaxy Pixel Surface Kindle Prime Office Teams Zoom Slack Excel Word Version Release Build Beta ' +
    'Allergies Allergy Diagnosis History Medication Medications Dose Blood Pressure Heart Rate Pain Fever Covid Flu Mri Ct Xray Lab Labs Results Test ' +
    'Tests Urgent Emergency Discharge Admission Admitted Follow-up Referral Plan Assessment Chief Complaint Vitals Exam Normal Stable Order Priority ' +
    'Reply Send Sent See Check Checked Contact Ships Shipped Moved Mail Lives Visited Escalated Referred Forwarded Transferred Paid Book Upgraded ' +
    'Charged Appointment Tracking Regarding Later Earlier Also Again Still Now Afterwards Meanwhile However Unfortunately Finally Initially Currently Recently Apparently Branch Care Front Back Tier One Two Three Four Five First Second Third Last Next Main Total Due Status'
  ).split(' '),
);

export interface NameOptions {
  readonly dictionaries: Dictionaries;
}

/** Candidate person names in a text, each scored. */
export function personSpans(text: string, { dictionaries: d }: NameOptions): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(RUN)) {
    // The words of the run, split where a word is no name.
    const parts = m[0].split(' ');
    let offset = m.index;
    let run: { words: string[]; start: number } | undefined;
    const flush = () => {
      if (run) {
        const span = scored(text, run.words, run.start, d);
        if (span) spans.push(span);
      }
      run = undefined;
    };
    for (const word of parts) {
      const bare = word.replace(/\.$/, '');
      if (NOT_NAMES.has(bare)) flush();
      else if (!run) run = { words: [word], start: offset };
      else run.words.push(word);
      offset += word.length + 1;
    }
    flush();
  }
  for (const m of text.matchAll(LOWER_INTRO)) {
    const words = [m[1]!, m[2]].filter((w): w is string => w !== undefined);
    // The words up to the first English one ("this is kwame again": kwame); both when the second is none ("tane mccarthy").
    const isEnglish = (w: string) => d.english.has(w) || w.split(/[-'’]/).some((p) => d.english.has(p) && p.length > 3);
    if (NOT_INTRO.has(words[0]!)) continue;
    const known = words.length === 2 && !isEnglish(words[1]!) ? -1 : words.findIndex(isEnglish);
    const name = known < 0 ? words : words.slice(0, known);
    if (name.length === 0) continue;
    const start = m.index + m[0].length - words.join(' ').length;
    spans.push({ kind: 'person', start, end: start + name.join(' ').length, score: 0.7 });
  }
  for (const m of text.matchAll(LABELLED)) {
    const words = [m[1]!, m[2]].filter((w): w is string => w !== undefined && !NOT_INTRO.has(w));
    if (words.length === 0 || NOT_INTRO.has(m[1]!)) continue;
    const start = m.index + m[0].length - [m[1]!, m[2]].filter((w) => w !== undefined).join(' ').length;
    spans.push({ kind: 'person', start, end: start + words.join(' ').length, score: 0.9 });
  }
  return spans;
}

function scored(text: string, words: string[], start: number, d: Dictionaries): Span | undefined {
  // Particles and initials at the run's ends are not part of the name.
  while (words.length > 0 && /^(?:\p{Ll}+|\p{Lu}\.)$/u.test(words[words.length - 1]!)) words.pop();
  while (words.length > 0 && /^\p{Ll}+$/u.test(words[0]!)) start += words.shift()!.length + 1;
  // At a sentence's start, an English word that is no given name was capitalized by its place ("Later Kwame Ogunleye").
  while (words.length >= 2 && SENTENCE_START.test(text.slice(Math.max(0, start - 30), start)) && d.english.has(words[0]!.toLowerCase()) && !d.givenNames.has(words[0]!)) {
    start += words.shift()!.length + 1;
  }
  const names = words.filter((w) => !/^\p{Ll}+$/u.test(w) && !/^\p{Lu}\.$/u.test(w));
  if (names.length === 0) return undefined;
  const end = start + words.join(' ').length;
  const before = text.slice(Math.max(0, start - 30), start);
  const after = text.slice(end, end + 30);
  const parts = names.flatMap((w) => w.split('-'));
  const english = parts.filter((w) => d.english.has(w.toLowerCase())).length;
  let score = names.length >= 2 ? 0.45 : 0.1;
  const intro = introduction(before);
  if (intro === 'title') score += 0.6;
  else if (intro === 'strong') score += 0.5;
  else if (intro === 'weak') score += 0.15;
  if (VERB_AFTER.test(after)) score += 0.25;
  if (ORG_AFTER.test(after)) score -= 0.5;
  if (d.places.has(words.join(' '))) score -= 0.4;
  if (PLACE_BEFORE.test(before)) score -= 0.3;
  if (english === 0) score += names.length === 1 ? 0.3 : 0.2;
  else if (english === parts.length && names.length >= 2) score -= 0.15;
  if (d.givenNames.has(parts[0]!)) score += 0.3;
  if (parts.length > 1 && parts.slice(1).some((w) => d.surnames.has(w))) score += 0.2;
  else if (parts.length === 1 && d.surnames.has(parts[0]!)) score += 0.15;
  if (names.length === 1 && english > 0 && SENTENCE_START.test(before) && intro !== 'title') score -= 0.3;
  return { kind: 'person', start, end, score: Math.max(0, Math.min(1, score)) };
}
