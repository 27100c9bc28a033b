// randomized-response: k-ary randomized response (Warner 1965; Kairouz,
// Oh & Viswanath 2014), local differential privacy for a categorical value:
// the true value is kept with probability e^eps / (e^eps + k - 1), else one of
// the other k - 1 listed values is published uniformly. Sampled exactly: a
// uniform candidate is accepted outright if it is the true value and with
// probability exp(-eps) otherwise (an exact Bernoulli, Canonne et al. 2020).
// Example: `smoker: { transform: randomized-response, epsilon: 1.0, values: [yes, no] }`.

import { ValueError } from '../lib/errors.js';
import { bernoulliExp, decimalFraction, MAX_RATIONAL } from '../lib/discrete-laplace.js';
import { sourceFor, uniform } from '../lib/random.js';
import { defineTransform } from './define.js';

interface ResponseOptions {
  epsilon: number;
  values: string[];
  other: string | undefined;
  en: number;
  ed: number;
}

export const randomizedResponse = defineTransform<ResponseOptions>({
  name: 'randomized-response',
  summary: 'k-ary randomized response over listed values (local DP)',
  example: 'smoker: { transform: randomized-response, epsilon: 1.0, values: [yes, no] }',
  options: ['epsilon', 'values', 'other'],
  keyed: false,
  epsilon: (o) => o.epsilon,
  parse(r) {
    const epsilon = r.number('epsilon', { required: true, above: 0 });
    const values = r.stringList('values', { required: true, minLength: 2 });
    const other = r.string('other');
    if (epsilon === undefined || values === undefined) return undefined;
    if (other !== undefined && !values.includes(other)) {
      r.report('POLICY_VALUE', 'other', { expected: `one of the listed values (${values.join(', ')})`, found: JSON.stringify(other) });
      return undefined;
    }
    const e = decimalFraction(epsilon);
    if (!e || e.n > MAX_RATIONAL || e.d > MAX_RATIONAL) {
      r.report('POLICY_VALUE', 'epsilon', { expected: 'an epsilon with fewer decimal digits', found: String(epsilon) });
      return undefined;
    }
    return { epsilon, values, other, en: e.n, ed: e.d };
  },
  describe: (o) => ({
    mechanism: 'randomized response (k-ary)',
    epsilon: o.epsilon,
    values: o.values,
    ...(o.other !== undefined && { other: o.other }),
    keep_probability: Math.exp(o.epsilon) / (Math.exp(o.epsilon) + o.values.length - 1),
    sampler: 'uniform candidate accepted by an exact Bernoulli(exp(-epsilon)) (Canonne, Kamath & Steinke 2020)',
  }),
  async create(o, ctx) {
    const rng = await sourceFor(ctx, 'randomized-response');
    const index = new Map(o.values.map((v, i) => [v, i]));
    const otherIndex = o.other === undefined ? undefined : index.get(o.other);
    return (value) => {
      const truth = index.get(value) ?? otherIndex;
      if (truth === undefined) throw new ValueError('VALUE_NOT_LISTED', `one of ${o.values.length} values, or set other:`);
      for (;;) {
        const c = uniform(rng, o.values.length);
        if (c === truth || bernoulliExp(rng, o.en, o.ed)) return o.values[c]!;
      }
    };
  },
});
