// The report's `utility` section: what the anonymization cost, measured on
// the bounded sample (sample.ts) of input rows and what was published for
// them. Per column: the share of values changed, generalized and suppressed,
// and, where the output is made of the input's own kind of values, the
// distance between the two distributions (total variation for categories,
// Kolmogorov-Smirnov and the relative change of mean and standard deviation
// for numbers) and both distributions binned for the HTML report's charts.
// Per pair of columns: the association in the input and in the output
// (Pearson's r for two numbers, Cramér's V otherwise, numbers binned by
// decile): the pairs named, else those of the first 8 comparable columns that
// are numbers or hold at most 100 values. Per noised column: the noise's standard deviation against the
// column's. Optionally, a model's accuracy (model.ts).
//
// It is computed from the raw input and is meant for whoever holds it: no
// cell is quoted except category values shared by at least `minCount` rows of
// the sample, every count shown is of none or at least `minCount` rows (the
// lumps too, so none is recovered by subtraction), number bins are cut at
// quantiles with open ends (no edge has fewer than `minCount` rows on either
// side), and the noised columns' input is summarized by its spread alone.

import { VeilError } from '../lib/errors.js';
import type { ColumnReport } from '../core/pipeline.js';
import { binEdges, binOf, codesOf, cramersVCodes, frequencies, isNumberText, kolmogorovSmirnov, moments, numberOf, pearson, totalVariation } from './measures.js';
import { modelUtility, type ModelResult } from './model.js';
import type { SampledRow } from './sample.js';

/** Transforms whose output is made of the input's kind of values (so distributions compare). */
const COMPARABLE = new Set(['keep', 'noise', 'randomized-response', 'generalize']);
/** Pairs measured when none are named: all pairs of the first this many comparable columns... */
const MAX_PAIR_COLUMNS = 8;
/** ...that are numbers or have at most this many values in the sample (Cramér's V says little of sparser tables). */
const MAX_PAIR_VALUES = 100;
/** Category values shown in a distribution (the most frequent in the input). */
const TOP_VALUES = 12;
/** Bins of a number's histogram. */
const BINS = 16;
/** Noise is said to dwarf a column when its standard deviation exceeds the column's. */
export const NOISE_DWARFS = 1;

export interface UtilityInput {
  readonly rows: readonly SampledRow[];
  /** Rows offered to the sample (every row that reached the pipeline). */
  readonly seen: number;
  readonly header: readonly string[];
  readonly outputColumns: readonly string[];
  readonly columns: readonly ColumnReport[];
  readonly quasiIdentifiers: readonly string[];
  /** Counts shown in distributions are of at least this many rows of the sample (smaller ones are lumped or withheld). */
  readonly minCount: number;
  readonly pairs: readonly (readonly [string, string])[] | undefined;
  readonly target: string | undefined;
}

interface ColumnView {
  readonly name: string;
  readonly transform: string;
  readonly qi: boolean;
  readonly numeric: boolean;
  readonly comparable: boolean;
  readonly input: string[];
  /** Output cell of each sampled row, undefined when the row was suppressed. */
  readonly output: (string | undefined)[];
}

export function utilitySection(u: UtilityInput): { section: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  const views = columnViews(u);
  const columns: Record<string, unknown> = {};
  const noise: Record<string, unknown> = {};
  for (const v of views.values()) {
    columns[v.name] = columnMeasures(v, u.minCount);
    if (v.transform === 'noise') {
      const n = noiseMeasures(v, u.columns.find((c) => c.name === v.name)!);
      noise[v.name] = n;
      if (n.dwarfs) warnings.push(noiseWarning(v.name, n));
    }
  }
  let model: ModelResult | undefined;
  if (u.target !== undefined) model = modelUtility(u.rows, [...views.values()], u.target);
  return {
    section: {
      sample: {
        rows: u.rows.length,
        of: u.seen,
        how: 'the rows of lowest hash of their line number (bottom-k sampling: uniform, without replacement, the same rows on every run); at most 10,000',
        min_count: u.minCount,
      },
      columns,
      pairs: pairMeasures(views, u.pairs),
      ...(Object.keys(noise).length > 0 && { noise }),
      ...(model && { model }),
    },
    warnings,
  };
}

function columnViews(u: UtilityInput): Map<string, ColumnView> {
  const views = new Map<string, ColumnView>();
  for (const c of u.columns) {
    const i = u.header.indexOf(c.name);
    const o = u.outputColumns.indexOf(c.name);
    if (i < 0) continue;
    const input = u.rows.map((r) => r.input[i] ?? '');
    const output = u.rows.map((r) => (r.output === undefined || o < 0 ? undefined : (r.output[o] ?? '')));
    const filled = input.filter((x) => x !== '');
    const numeric = filled.length > 0 && filled.every(isNumberText);
    const qi = u.quasiIdentifiers.includes(c.name);
    views.set(c.name, { name: c.name, transform: c.transform, qi, numeric, comparable: o >= 0 && (qi || COMPARABLE.has(c.transform)), input, output });
  }
  return views;
}

function columnMeasures(v: ColumnView, minCount: number): Record<string, unknown> {
  const published = v.output.filter((x): x is string => x !== undefined);
  const pairs = v.input.map((x, i) => [x, v.output[i]] as const).filter((p): p is readonly [string, string] => p[1] !== undefined);
  const base = {
    kind: v.numeric ? 'number' : 'category',
    transform: v.transform,
    ...(v.qi && { quasi_identifier: true }),
    changed: share(pairs.filter(([a, b]) => a !== b).length, pairs.length),
  };
  if (v.transform === 'drop') return { ...base, changed: 1, compared: false, why: 'dropped' };
  if (!v.comparable) return { ...base, compared: false, why: 'the output is not made of the input\'s values (pseudonyms, masks, fakes, shifted dates)' };
  const suppressedRows = v.output.length - published.length;
  const starred = published.filter((x) => x === '*').length;
  const generalized = pairs.filter(([a, b]) => a !== b && b !== '*' && (v.numeric ? !isPlainNumber(b) : b.includes('|') || !inputValues(v).has(b))).length;
  const measures: Record<string, unknown> = {
    ...base,
    generalized: share(generalized, v.output.length),
    suppressed: share(suppressedRows + starred, v.output.length),
  };
  if (v.numeric) {
    const a = v.input.map(numberOf).filter((x): x is number => x !== undefined);
    const b = published.map(numberOf).filter((x): x is number => x !== undefined);
    const ma = moments(a);
    const mb = moments(b);
    Object.assign(measures, {
      ks: round(kolmogorovSmirnov(a, b)),
      mean_change: round(relative(mb.mean, ma.mean)),
      std_change: round(relative(mb.std, ma.std)),
      ...(b.length < published.length && { read_as_midpoints: 'published ranges were read as their midpoints' }),
    });
    if (v.transform !== 'noise') withheldOr(measures, histogram(a, b, minCount));
  } else {
    measures.tv = round(totalVariation(v.input, published));
    withheldOr(measures, categories(v.input, published, minCount));
  }
  return measures;
}

function withheldOr(measures: Record<string, unknown>, distribution: Record<string, unknown> | undefined): void {
  if (distribution) measures.distribution = distribution;
  else measures.distribution_withheld = 'the sample cannot show it in groups of at least min_count rows';
}

const inputSets = new WeakMap<ColumnView, Set<string>>();
function inputValues(v: ColumnView): Set<string> {
  let s = inputSets.get(v);
  if (!s) inputSets.set(v, (s = new Set(v.input)));
  return s;
}

const isPlainNumber = isNumberText;

/** A count the report may show: none, or at least minCount rows. */
const showable = (n: number, minCount: number) => n === 0 || n >= minCount;

/**
 * The most frequent values whose counts, in the input and in the output, are
 * each none or at least minCount, the rest lumped as "(other values)". The
 * lump obeys the same rule (the least frequent shown values join it until it
 * does), so no count of fewer than minCount rows can be read off or
 * subtracted out. Withheld (undefined) when even the whole sample cannot.
 */
function categories(input: readonly string[], output: readonly string[], minCount: number): Record<string, unknown> | undefined {
  const p = frequencies(input);
  const q = frequencies(output);
  const shown = [...new Set([...p.keys(), ...q.keys()])]
    .filter((v) => showable(p.get(v) ?? 0, minCount) && showable(q.get(v) ?? 0, minCount))
    .sort((a, b) => Math.max(p.get(b) ?? 0, q.get(b) ?? 0) - Math.max(p.get(a) ?? 0, q.get(a) ?? 0) || (a < b ? -1 : 1))
    .slice(0, TOP_VALUES);
  const other = () => {
    let i = input.length;
    let o = output.length;
    for (const v of shown) {
      i -= p.get(v) ?? 0;
      o -= q.get(v) ?? 0;
    }
    return { input: i, output: o };
  };
  let rest = other();
  while (!(showable(rest.input, minCount) && showable(rest.output, minCount))) {
    if (shown.length === 0) return undefined;
    shown.pop();
    rest = other();
  }
  return { values: shown, input: shown.map((v) => p.get(v) ?? 0), output: shown.map((v) => q.get(v) ?? 0), other: rest };
}

/**
 * Counts in bins cut at the input's quantiles: at most 16 bins, each holding
 * at least minCount rows of the input and none or at least minCount of the
 * output (neighbours are merged until they do). The cuts are rounded, and the
 * first and last bins are open (below the first edge, from the last edge
 * up), so neither an extreme nor a lone value is shown. Withheld (undefined)
 * when the input cannot fill two such bins.
 */
function histogram(a: readonly number[], b: readonly number[], minCount: number): Record<string, unknown> | undefined {
  const bins = Math.min(BINS, Math.floor(a.length / minCount));
  if (bins < 2) return undefined;
  const s = Float64Array.from(a).sort();
  const at = (j: number) => s[Math.min(s.length - 1, Math.floor((j * s.length) / bins))]!;
  // Rounded to a step of the inner quantiles' span (that of the whole would be set by the extremes).
  const span = at(bins - 1) - at(1);
  const step = span > 0 ? niceStep(span / bins) : 0;
  const cut = (x: number) => (step > 0 ? Math.round(x / step) * step : x);
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, j) => cut(at(j + 1))))].sort((x, y) => x - y);
  const count = (xs: readonly number[]) => {
    const c = new Array<number>(edges.length + 1).fill(0);
    for (const x of xs) {
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x >= edges[mid]!) lo = mid + 1;
        else hi = mid;
      }
      c[lo]!++;
    }
    return c;
  };
  const ci = count(a);
  const co = count(b);
  // Merge, left to right: a bin closes once it is showable on both sides; what is left joins the last one closed.
  const kept: number[] = [];
  const input: number[] = [];
  const output: number[] = [];
  let accI = 0;
  let accO = 0;
  for (let i = 0; i < ci.length; i++) {
    accI += ci[i]!;
    accO += co[i]!;
    const last = i === ci.length - 1;
    if (accI >= minCount && showable(accO, minCount)) {
      input.push(accI);
      output.push(accO);
      if (!last) kept.push(edges[i]!);
      accI = accO = 0;
    }
  }
  if (accI > 0 || accO > 0) {
    if (input.length === 0) return undefined;
    input[input.length - 1]! += accI;
    output[output.length - 1]! += accO;
    kept.pop();
  }
  if (!showable(output[output.length - 1]!, minCount) || input.length < 2) return undefined;
  return { edges: kept.map(round), open: 'the first bin holds the values below the first edge, the last those from the last edge up', input, output };
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function noiseMeasures(v: ColumnView, c: ColumnReport): NoiseFigures {
  const both = v.input.map((x, i) => [numberOf(x), v.output[i] === undefined ? undefined : numberOf(v.output[i]!)] as const).filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
  return noiseFigures(c, moments(both.map((p) => p[0])).std, pearson(both.map((p) => p[0]), both.map((p) => p[1])));
}

export interface NoiseFigures {
  noise_std: number;
  column_std: number;
  ratio: number;
  correlation: number;
  dwarfs: boolean;
}

/** A noised column's noise against its spread (population standard deviation of the input), and the output's correlation with the input. */
export function noiseFigures(c: ColumnReport, columnStd: number, correlation: number): NoiseFigures {
  // Discrete Laplace of scale b: standard deviation b * sqrt(2) (to within the grid's rounding).
  const noiseStd = Number(c.params.scale) * Math.SQRT2;
  const ratio = noiseStd / columnStd;
  return { noise_std: round(noiseStd), column_std: round(columnStd), ratio: round(ratio), correlation: round(correlation), dwarfs: !(ratio <= NOISE_DWARFS) };
}

export function noiseWarning(name: string, n: NoiseFigures): string {
  return `the noise of ${name} dwarfs its spread (its standard deviation is ${fmt(n.ratio)} times the column's; the output's correlation with the input ${fmt(n.correlation)}): little of the column is left (a larger epsilon or narrower bounds keep more)`;
}

function pairMeasures(views: Map<string, ColumnView>, named: readonly (readonly [string, string])[] | undefined): Record<string, unknown>[] {
  const comparable = [...views.values()].filter((v) => v.comparable && (v.numeric || inputValues(v).size <= MAX_PAIR_VALUES));
  const pairs: [ColumnView, ColumnView][] = [];
  if (named) {
    for (const [a, b] of named) {
      const pair = [views.get(a)!, views.get(b)!] as [ColumnView, ColumnView];
      const hidden = pair.find((v) => !v.comparable);
      if (hidden) throw new VeilError({ kind: 'usage', code: 'USAGE_UTILITY', detail: `--utility-pairs ${a}:${b}: ${hidden.name} is not published as values (keep, noise, randomized-response, generalize or a quasi-identifier)` });
      pairs.push(pair);
    }
  }
  else {
    const first = comparable.slice(0, MAX_PAIR_COLUMNS);
    for (let i = 0; i < first.length; i++) for (let j = i + 1; j < first.length; j++) pairs.push([first[i]!, first[j]!]);
  }
  // Each column's cells once per side: as numbers, and as categories (numbers by the input's deciles).
  const numbers = new Map<string, Float64Array>();
  const coded = new Map<string, ReturnType<typeof codesOf>>();
  const numbersOf = (x: ColumnView, side: 'input' | 'output') => {
    const key = `${side}:${x.name}`;
    let v = numbers.get(key);
    if (!v) numbers.set(key, (v = Float64Array.from(x[side], (t) => (t === undefined ? NaN : (numberOf(t) ?? NaN)))));
    return v;
  };
  const categoriesOf = (x: ColumnView, side: 'input' | 'output') => {
    const key = `${side}:${x.name}`;
    let v = coded.get(key);
    if (!v) {
      const edges = x.numeric ? binEdges(x.input.map(numberOf).filter((n): n is number => n !== undefined)) : [];
      const text = (x[side] as (string | undefined)[]).map((t) => {
        if (t === undefined || !x.numeric) return t ?? '';
        const n = numberOf(t);
        return n === undefined ? t : binOf(n, edges);
      });
      coded.set(key, (v = codesOf(text)));
    }
    return v;
  };
  return pairs.map(([a, b]) => {
    // Rows published in both columns.
    const rows: number[] = [];
    for (let i = 0; i < a.input.length; i++) if (a.output[i] !== undefined && b.output[i] !== undefined) rows.push(i);
    const all = rows.length === a.input.length;
    const both = a.numeric && b.numeric;
    const assoc = (side: 'input' | 'output') => {
      if (both) {
        const [x, y] = [numbersOf(a, side), numbersOf(b, side)];
        const kept = rows.filter((i) => !Number.isNaN(x[i]!) && !Number.isNaN(y[i]!));
        return pearson(kept.map((i) => x[i]!), kept.map((i) => y[i]!));
      }
      const pick = (c: ReturnType<typeof codesOf>) => {
        if (all) return c;
        const codes = new Int32Array(rows.length);
        for (let j = 0; j < rows.length; j++) codes[j] = c.codes[rows[j]!]!;
        return { codes, size: c.size };
      };
      return cramersVCodes(pick(categoriesOf(a, side)), pick(categoriesOf(b, side)));
    };
    const input = assoc('input');
    const output = assoc('output');
    return { columns: [a.name, b.name], measure: both ? 'pearson' : 'cramers_v', input: round(input), output: round(output), change: round(output - input) };
  });
}

const share = (n: number, of: number) => (of === 0 ? 0 : round(n / of));
const relative = (after: number, before: number) => (before === 0 ? (after === 0 ? 0 : NaN) : (after - before) / Math.abs(before));
/** Six decimals; NaN (undefined: a constant column) as null. */
function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : (null as unknown as number);
}
const fmt = (x: number) => (x === null ? 'n/a' : String(Math.round(x * 1000) / 1000));
