// person: names in free text, scored by the evidence around them (names.ts).

import { defineRecognizer } from './define.js';
import { personSpans } from './names.js';

export const person = defineRecognizer({
  kind: 'person',
  strict: false,
  spans: (text, o) => (o.dictionaries ? personSpans(text, { dictionaries: o.dictionaries }) : []),
  sql: '',
  context: ['mr', 'mrs', 'ms', 'dr', 'name', 'patient', 'spoke with'],
  score: 0.5,
});
