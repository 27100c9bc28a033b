// email: ann@x.org, in any script's letters; percent-encoded (ann%40x.org in
// a URL) and defanged (ann[at]x[dot]org) forms are read as plain by the
// normalization before any recognizer runs.

import { defineRecognizer, matches } from './define.js';

export const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const ONE = new RegExp(EMAIL.source, 'u');

export const email = defineRecognizer({
  kind: 'email',
  strict: true,
  screen: (c) => c.at,
  spans: (text) => matches(text, EMAIL, 1),
  holds: (text) => ONE.test(text),
  sql: '@|%40',
  score: 1,
});
