// Model utility (--utility-target COLUMN): does a model trained on the output
// predict as well as one trained on the input? On the utility sample (at
// most 10,000 rows, sample.ts): the 70 % of lowest priority train, the other
// 30 % are held out. Two naive Bayes classifiers (ml-naivebayes'
// MultinomialNB over one-hot features: categorical naive Bayes) learn the
// target from the same feature columns, one on the training rows' input, one
// on what was published for them (suppressed rows left out); both predict
// the held-out rows' raw input, and the report gives both accuracies beside
// the majority class's share.
//
// Features: the columns whose output is made of the input's kind of values
// (keep, noise, randomized-response, generalize, quasi-identifiers), the
// target excepted. A number falls in one of ten bins (deciles of the model's
// own training values; a published range is read as its midpoint, '*' is
// a value of its own); a category is one-hot over the 30 most frequent
// values of the model's own training rows (an unseen value is all zeros), so
// generalized text costs what it costs.
//
// Logistic regression (ml-logistic-regression) was tried first: its plain
// gradient descent needed 20 s on 7,000 rows and still underfit.

import { MultinomialNB } from 'ml-naivebayes';
import { VeilError } from '../lib/errors.js';
import { binEdges, binOf, frequencies, numberOf } from './measures.js';
import type { SampledRow } from './sample.js';

const TRAIN_SHARE = 0.7;
const MAX_CATEGORIES = 30;

interface FeatureColumn {
  readonly name: string;
  readonly numeric: boolean;
  readonly comparable: boolean;
  readonly input: readonly string[];
  readonly output: readonly (string | undefined)[];
}

export interface ModelResult {
  readonly target: string;
  readonly model: string;
  readonly features: readonly string[];
  readonly train_rows: number;
  readonly train_rows_published: number;
  readonly held_out_rows: number;
  readonly accuracy_trained_on_input: number;
  readonly accuracy_trained_on_output: number;
  readonly change_in_points: number;
  readonly majority_class_share: number;
}

export function modelUtility(rows: readonly SampledRow[], columns: readonly FeatureColumn[], target: string): ModelResult {
  const t = columns.find((c) => c.name === target);
  if (!t || !t.comparable) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_UTILITY', detail: `--utility-target ${target}: ${t ? 'the target must be published as values (keep, noise, randomized-response, generalize or a quasi-identifier)' : 'no such column'}` });
  }
  const features = columns.filter((c) => c.comparable && c.name !== target);
  // Sample rows by priority: the lowest 70 % train, the rest are held out.
  const byPriority = rows.map((r, i) => [r.priority, r.line, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
  const cut = Math.floor(byPriority.length * TRAIN_SHARE);
  const train = byPriority.slice(0, cut);
  const held = byPriority.slice(cut);
  const labels = [...new Set(train.map((i) => t.input[i]!))].sort();
  const labelOf = new Map(labels.map((l, i) => [l, i]));
  const heldLabels = held.map((i) => labelOf.get(t.input[i]!) ?? -1);
  const published = train.filter((i) => t.output[i] !== undefined);
  const fit = (side: 'input' | 'output', trainRows: number[]) => {
    const cell = (c: FeatureColumn, i: number) => (side === 'input' ? c.input[i]! : c.output[i]!);
    const y = trainRows.map((i) => labelOf.get(side === 'input' ? t.input[i]! : t.output[i]!) ?? -1);
    const keep = trainRows.filter((_, j) => y[j]! >= 0);
    const encode = encoder(features, keep.map((i) => (c: FeatureColumn) => cell(c, i)));
    const classes = new Set(y.filter((v) => v >= 0)).size;
    if (keep.length === 0 || classes < 2) return held.map(() => labels.length === 0 ? -1 : (y.find((v) => v >= 0) ?? -1));
    const model = new MultinomialNB();
    // Labels must run 0..n-1 among those present.
    const present = [...new Set(y.filter((v) => v >= 0))].sort((a, b) => a - b);
    const dense = new Map(present.map((l, i) => [l, i]));
    model.train(keep.map((i) => encode((c) => cell(c, i))), y.filter((v) => v >= 0).map((v) => dense.get(v)!));
    const predicted = model.predict(held.map((i) => encode((c) => c.input[i]!)));
    return predicted.map((p: number) => present[p]!);
  };
  const accuracy = (predicted: number[]) => (held.length === 0 ? 0 : predicted.filter((p, j) => p === heldLabels[j]).length / held.length);
  const a = accuracy(fit('input', train));
  const b = accuracy(fit('output', published));
  const counts = frequencies(held.map((i) => t.input[i]!));
  const majority = held.length === 0 ? 0 : Math.max(...counts.values()) / held.length;
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    target,
    model: `naive Bayes (ml-naivebayes MultinomialNB over one-hot categories and number deciles), trained on ${Math.round(TRAIN_SHARE * 100)} % of the sample, tested on the raw input of the other ${100 - Math.round(TRAIN_SHARE * 100)} %`,
    features: features.map((c) => c.name),
    train_rows: train.length,
    train_rows_published: published.length,
    held_out_rows: held.length,
    accuracy_trained_on_input: r(a),
    accuracy_trained_on_output: r(b),
    change_in_points: r(100 * (b - a)),
    majority_class_share: r(majority),
  };
}

/** Fits the features' encoding on training rows: one-hot number deciles and categories. */
function encoder(columns: readonly FeatureColumn[], rows: readonly ((c: FeatureColumn) => string)[]): (cell: (c: FeatureColumn) => string) => number[] {
  const parts = columns.map((c) => {
    const texts = rows.map((get) => get(c));
    const edges = c.numeric ? binEdges(texts.map(numberOf).filter((x): x is number => x !== undefined)) : [];
    const value = (text: string) => {
      if (!c.numeric) return text;
      const x = numberOf(text);
      return x === undefined ? text : binOf(x, edges);
    };
    const top = [...frequencies(texts.map(value))].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CATEGORIES).map((e) => e[0]);
    const index = new Map(top.map((v, i) => [v, i]));
    return (text: string, out: number[]) => {
      const at = out.length;
      for (let i = 0; i < top.length; i++) out.push(0);
      const i = index.get(value(text));
      if (i !== undefined) out[at + i] = 1;
    };
  });
  return (cell) => {
    const out: number[] = [];
    columns.forEach((c, j) => parts[j]!(cell(c), out));
    return out;
  };
}
