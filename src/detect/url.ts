// url: http(s)://, ftp:// and www. addresses, without the sentence's last
// punctuation (a closing parenthesis it did not open).

import { defineRecognizer, type Found } from './define.js';

const URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/giu;

/** A URL's length without the punctuation that ends the sentence around it. */
function urlLength(url: string): number {
  let n = url.length;
  for (;;) {
    const c = url[n - 1]!;
    if ('.,;:!?\'"'.includes(c)) n--;
    else if (')]}'.includes(c) && count(url.slice(0, n), '([{'[')]}'.indexOf(c)]!) < count(url.slice(0, n), c)) n--;
    else return n;
  }
}

const count = (s: string, c: string) => s.split(c).length - 1;

export const url = defineRecognizer({
  kind: 'url',
  strict: false,
  spans: (text) => [...text.matchAll(URL)].map((m): Found => ({ start: m.index, end: m.index + urlLength(m[0]), score: 1 })),
  sql: '(?i)https?://|ftp://|www\\.',
  score: 1,
});
