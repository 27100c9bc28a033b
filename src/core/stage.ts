// The k-anonymity stage of `veil apply`, without any I/O: a first pass over
// the input's rows keeps only the quasi-identifier (and sensitive) columns,
// dictionary-encoded; the recoding is computed (or a saved plan is matched);
// the writing pass (src/cli/apply.ts) then takes each row's published
// quasi-identifiers or its removal from here, and the section of the report
// is measured on what it published.

import { missingColumns, VeilError, ValueError, type Problem } from '../lib/errors.js';
import { compilePipeline } from './pipeline.js';
import { cellText } from '../lib/cell.js';
import type { SecretKey } from '../lib/key.js';
import { RowRandomness } from '../lib/random.js';
import { SUPPRESSED } from '../lib/numeric.js';
import { tupleKey } from '../lib/tuple-key.js';
import type { Policy } from '../policy/load.js';
import { describeKAnonymity, GENERALIZED, type KAnonymity, type LDiversity, type LVariant } from '../privacy/k-anonymity.js';
import { ClassCounter, diversityOf, measure, type RiskOptions } from '../privacy/measures.js';
import { partition } from '../privacy/mondrian.js';
import { buildPlan, planMatcher, planNearest, type Plan } from '../privacy/plan.js';
import { inputRows, QiCollector, type QiTable } from '../privacy/qi-table.js';
import { ownTupleRows, recode, type PlanClass } from '../privacy/recode.js';
import type { InputEvent } from '../io/read.js';

export interface KStage {
  readonly model: KAnonymity;
  /** Class of each input row, -1 when suppressed. */
  readonly classOf: Int32Array;
  /** Published quasi-identifier values of each class, in model order. */
  readonly outputs: readonly (readonly string[])[];
  readonly suppressed: number;
  /**
   * With `suppressed: mask`: the suppressed rows are published with every
   * quasi-identifier '*' (true), or removed (false) because together they
   * would be a class below k or not l-diverse (`maskRefused` says which).
   */
  readonly masked: boolean;
  readonly maskRefused: string | undefined;
  /** The plan: built on demand (for --plan-out). */
  readonly plan: () => Plan;
  readonly fromPlan: boolean;
  /**
   * False when a plan featurizes (`--plan-mode featurize`): every row is
   * mapped to a class and published whatever the classes' sizes; the output
   * is not k-anonymous and the report says so.
   */
  readonly enforced: boolean;
  readonly gcp: number;
  /** GCP of each quasi-identifier alone, in model order. */
  readonly gcpByColumn: readonly number[];
  readonly uniquesBefore: number;
  /** Published rows whose every quasi-identifier is their own raw value, and of those the rows of classes of one tuple. */
  readonly ownTuples: { readonly own: number; readonly uniform: number };
  /** Classes generalized because their representatives exceeded max_own_share. */
  readonly generalizedForShare: number;
  /** Filled by the second pass: the classes as published. */
  readonly published: Published;
  /** The randomness both passes draw from, row by row, so that they see the same randomized values. */
  readonly rowRandomness: RowRandomness;
}

/**
 * What the writing pass actually published, counted per class and then
 * grouped by the published values themselves, so the report measures the
 * output and not the plan. The masked rows (`suppressed: mask`) are one more
 * class, number `classes`.
 */
export class Published {
  private readonly sizes: Int32Array;
  private readonly keys: (string | undefined)[];
  private readonly sensitive: Map<string, number>[] | undefined;

  constructor(classes: number, withSensitive: boolean) {
    this.sizes = new Int32Array(classes + 1);
    this.keys = new Array<string | undefined>(classes + 1);
    this.sensitive = withSensitive ? Array.from({ length: classes + 1 }, () => new Map()) : undefined;
  }

  /** The class number of the masked rows. */
  get maskedClass(): number {
    return this.sizes.length - 1;
  }

  add(c: number, out: readonly unknown[], positions: readonly number[], sensitive: string | undefined): void {
    if (this.sizes[c]!++ === 0) this.keys[c] = tupleKey(positions.map((p) => cellText(out[p])));
    if (this.sensitive && sensitive !== undefined) {
      const m = this.sensitive[c]!;
      m.set(sensitive, (m.get(sensitive) ?? 0) + 1);
    }
  }

  /** `rows` rows of class c at once, with their published quasi-identifiers (an engine's groups). */
  addRows(c: number, values: readonly string[], sensitive: string | undefined, rows: number): void {
    if (this.sizes[c] === 0) this.keys[c] = tupleKey(values);
    this.sizes[c]! += rows;
    if (this.sensitive && sensitive !== undefined) {
      const m = this.sensitive[c]!;
      m.set(sensitive, (m.get(sensitive) ?? 0) + rows);
    }
  }

  /** Did the writing pass publish rows of class c? */
  used(c: number): boolean {
    return this.sizes[c]! > 0;
  }

  classes(): ClassCounter {
    const counter = new ClassCounter();
    this.sizes.forEach((size, c) => {
      if (size > 0) counter.addClass(this.keys[c]!, size, this.sensitive?.[c]);
    });
    return counter;
  }
}

/**
 * The model to enforce: the policy's, or the one a plan carries (with the
 * policy's budget). A plan's own requirements are the floor: applied by a
 * policy that asks for less (a smaller k, no l-diversity), the plan's k and
 * l still hold, so that a plan made l-diverse cannot publish homogeneous
 * classes on other data.
 */
export function stageModel(policy: Policy, plan: Plan | undefined): KAnonymity | undefined {
  const m = policy.kAnonymity;
  if (!plan) return m;
  const planError = (detail: string) => new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail });
  const names = plan.quasi_identifiers.map((q) => q.name);
  if (m && (m.quasiIdentifiers.length !== names.length || m.quasiIdentifiers.some((n, i) => n !== names[i]))) {
    throw planError(`the plan's quasi-identifiers (${names.join(', ')}) differ from the policy's (${m.quasiIdentifiers.join(', ')})`);
  }
  const ld = plan.l_diversity as { sensitive: string; l: number; variant: LVariant; c: number | null } | null;
  const planL: LDiversity | undefined = ld ? { sensitive: ld.sensitive, l: ld.l, variant: ld.variant, c: ld.c ?? undefined } : undefined;
  let lDiversity = m?.lDiversity ?? planL;
  if (m?.lDiversity && planL) {
    const own = m.lDiversity;
    if (own.sensitive !== planL.sensitive || own.variant !== planL.variant) {
      throw planError(`the plan was made with ${planL.variant} l-diversity of ${planL.sensitive}; the policy asks for ${own.variant} l-diversity of ${own.sensitive}`);
    }
    // The stricter of the two: the larger l, and for recursive (c, l) the smaller c.
    lDiversity = { ...own, l: Math.max(own.l, planL.l), c: own.c === undefined || planL.c === undefined ? own.c : Math.min(own.c, planL.c) };
  }
  if (lDiversity && policy.columns.find((c) => c.name === lDiversity!.sensitive)?.configured.drops) {
    throw planError(`the plan keeps l-diversity of ${lDiversity.sensitive}, which the policy drops`);
  }
  return {
    k: Math.max(plan.k, m?.k ?? 0),
    quasiIdentifiers: names,
    maxSuppression: m?.maxSuppression ?? 0,
    hierarchies: m?.hierarchies ?? new Map(),
    lDiversity,
    suppressed: m?.suppressed ?? 'remove',
    riskThreshold: m?.riskThreshold ?? 0.2,
    // The classes publish what the plan says: the form it was made with.
    publish: plan.publish ?? GENERALIZED,
  };
}

export interface FirstPassInput {
  readonly events: AsyncIterable<InputEvent[]>;
  readonly policy: Policy;
  readonly model: KAnonymity;
  readonly plan: Plan | undefined;
  readonly key: SecretKey | undefined;
  readonly seed: number | undefined;
  readonly sparse: boolean;
  /** Map rows to the plan's classes (or the nearest) and publish without enforcing k or l. */
  readonly featurize: boolean;
  /** Removes the rows the policy's row rules exclude (the writing pass removes the same ones). */
  readonly rowRules: (header: readonly string[]) => Promise<(row: readonly unknown[], line: number) => string | undefined>;
}

/** The quasi-identifiers and the sensitive column the input must have, on every engine: COLUMN_MISSING (with the delimiter to try) otherwise. */
export function checkModelColumns(model: KAnonymity, header: readonly string[]): void {
  const wanted = [...model.quasiIdentifiers, ...(model.lDiversity ? [model.lDiversity.sensitive] : [])];
  const missing = [...new Set(wanted)].filter((n) => !header.includes(n));
  if (missing.length > 0) throw new VeilError(missingColumns(header, missing));
}

export async function firstPass(i: FirstPassInput): Promise<KStage> {
  const { model } = i;
  const sensitive = model.lDiversity?.sensitive;
  const needed = new Set([...model.quasiIdentifiers, ...(sensitive ? [sensitive] : [])]);
  const collector = new QiCollector(model.quasiIdentifiers, model.hierarchies, sensitive);
  let positions: number[] = [];
  /** One row's quasi-identifier values (the collector copies what it keeps). */
  const values = new Array<string>(model.quasiIdentifiers.length).fill('');
  let sensitivePos = -1;
  let pipeline: Awaited<ReturnType<typeof compilePipeline>> | undefined;
  let header: readonly string[] = [];
  let excluded: (row: readonly unknown[], line: number) => string | undefined = () => undefined;
  // A randomized column (noise, randomized response) is drawn here and again in the writing pass: per row, alike.
  const rowRandomness = RowRandomness.forRun(i.seed);
  for await (const batch of i.events) for (const event of batch) {
    if ('header' in event) {
      header = event.header;
      checkModelColumns(model, event.header);
      pipeline = await compilePipeline(i.policy, event.header, { key: i.key, seed: i.seed, rowRandomness, sparse: i.sparse, only: needed });
      positions = model.quasiIdentifiers.map((n) => pipeline!.outputColumns.indexOf(n));
      sensitivePos = sensitive ? pipeline.outputColumns.indexOf(sensitive) : -1;
      excluded = await i.rowRules(event.header);
      continue;
    }
    pipeline!.readAsWritten(event.row as unknown[]);
    if (excluded(event.row, event.line) !== undefined) continue;
    const out = pipeline!.row(event.row, event.line);
    for (let j = 0; j < positions.length; j++) values[j] = cellText(out[positions[j]!]);
    try {
      collector.add(values, sensitivePos >= 0 ? cellText(out[sensitivePos]) : undefined);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      const name = model.quasiIdentifiers[(e as ValueError & { dimension: number }).dimension]!;
      throw new VeilError({ kind: 'input', code: e.code, line: event.line, columnName: name, columnNumber: header.indexOf(name) + 1, expected: e.expected });
    }
  }
  pipeline?.finish();
  const table = collector.finish();
  return { ...(i.plan ? (i.featurize ? featurizePlan(table, model, i.plan) : matchPlan(table, model, i.plan)) : recodeTable(table, model)), rowRandomness };
}

/**
 * The classes of a table made by partitioning it (the first pass's, or the
 * groups an engine counted: `table.weights`); classOf is per table row.
 */
export function recodeTable(table: QiTable, model: KAnonymity): Omit<KStage, 'rowRandomness'> {
  const total = inputRows(table);
  const r = recode(table, partition(table, model.k, model.lDiversity, Math.floor(model.maxSuppression * total + 1e-9)), model.publish, model.publish.maxOwnShare);
  const stage = {
    model,
    classOf: r.classOf,
    outputs: r.outputs,
    suppressed: r.suppressed,
    ...masking(table, model, r.classOf, r.outputs),
    plan: () => buildPlan(model, table.dims.map((d) => d.kind), r.classes()),
    fromPlan: false,
    enforced: true,
    gcp: r.gcp,
    gcpByColumn: r.gcpByColumn,
    uniquesBefore: r.uniquesBefore,
    ownTuples: ownTupleRows(table, r.classOf, r.outputs),
    generalizedForShare: r.generalizedForShare,
    published: new Published(r.outputs.length, model.lDiversity !== undefined),
  };
  checkBudget(stage, total);
  return stage;
}

/**
 * A saved plan on new data: each row goes to the class it matches; then the
 * published classes (rows sharing an output) are checked for k and l, and
 * those that fall short are suppressed, within the budget.
 */
function matchPlan(table: QiTable, model: KAnonymity, plan: Plan): Omit<KStage, 'rowRandomness'> {
  const match = planMatcher(plan);
  const classOf = new Int32Array(table.rows);
  const values = new Array<string>(table.dims.length);
  for (let r = 0; r < table.rows; r++) {
    for (let j = 0; j < table.dims.length; j++) values[j] = table.dims[j]!.values[table.dims[j]!.codes[r]!]!;
    classOf[r] = match(values);
  }
  const outputs = plan.classes.map((c) => model.quasiIdentifiers.map((n) => c.output[n]!));
  // Published classes: plan classes with the same output are one class.
  const groupOf = new Map<string, number>();
  const group = outputs.map((o) => {
    const key = tupleKey(o);
    if (!groupOf.has(key)) groupOf.set(key, groupOf.size);
    return groupOf.get(key)!;
  });
  const sizes = new Int32Array(groupOf.size);
  const sens = model.lDiversity && table.sensitive ? Array.from({ length: groupOf.size }, () => new Map<number, number>()) : undefined;
  for (let r = 0; r < table.rows; r++) {
    if (classOf[r] === -1) continue;
    const g = group[classOf[r]!]!;
    sizes[g]!++;
    if (sens) sens[g]!.set(table.sensitive!.codes[r]!, (sens[g]!.get(table.sensitive!.codes[r]!) ?? 0) + 1);
  }
  const failing = Array.from(sizes, (size, g) => size > 0 && (size < model.k || (sens !== undefined && diversityOf([...sens[g]!.values()], model.lDiversity!.variant, model.lDiversity!.c) < model.lDiversity!.l)));
  let suppressed = 0;
  const used = new Int32Array(plan.classes.length);
  for (let r = 0; r < table.rows; r++) {
    if (classOf[r] !== -1 && failing[group[classOf[r]!]!]) classOf[r] = -1;
    if (classOf[r] === -1) suppressed++;
    else used[classOf[r]!]!++;
  }
  const stage: Omit<KStage, 'rowRandomness'> = {
    model,
    classOf,
    outputs,
    suppressed,
    ...masking(table, model, classOf, outputs),
    ...fromPlan(table, model, plan, classOf, outputs, suppressed, true),
  };
  checkBudget(stage, table.rows);
  return stage;
}

/** What a stage made from a saved plan reports: its loss, its own tuples, its published classes. */
function fromPlan(table: QiTable, model: KAnonymity, plan: Plan, classOf: Int32Array, outputs: string[][], suppressed: number, enforced: boolean) {
  return {
    plan: () => plan,
    fromPlan: true,
    enforced,
    ...planLoss(table, plan, classOf, suppressed),
    uniquesBefore: 0,
    ownTuples: ownTupleRows(table, classOf, outputs),
    generalizedForShare: 0,
    published: new Published(plan.classes.length, model.lDiversity !== undefined),
  };
}

/**
 * A saved plan featurizing new data that is not released (a test split, the
 * inputs of a model): every row takes the class it matches or the nearest
 * one and publishes that class's values, so that it lives in the space the
 * model was trained in. Nothing is suppressed and k is not enforced.
 */
function featurizePlan(table: QiTable, model: KAnonymity, plan: Plan): Omit<KStage, 'rowRandomness'> {
  const nearest = planNearest(plan);
  const classOf = new Int32Array(table.rows);
  const values = new Array<string>(table.dims.length);
  let suppressed = 0;
  for (let r = 0; r < table.rows; r++) {
    for (let j = 0; j < table.dims.length; j++) values[j] = table.dims[j]!.values[table.dims[j]!.codes[r]!]!;
    classOf[r] = nearest(values);
    if (classOf[r] === -1) suppressed++;
  }
  const outputs = plan.classes.map((c) => model.quasiIdentifiers.map((n) => c.output[n]!));
  return {
    model,
    classOf,
    outputs,
    suppressed,
    masked: false,
    maskRefused: undefined,
    ...fromPlan(table, model, plan, classOf, outputs, suppressed, false),
  };
}

/**
 * With `suppressed: mask`, the masked rows are published: every
 * quasi-identifier '*', the rest of the row as it is. Whoever knows that a
 * suppressed person is in the data finds them among those rows, so together
 * (with any class that itself publishes '*' everywhere, which the output
 * cannot tell apart) they must hold k rows and be l-diverse, like any class.
 * If they do not, they are removed instead, and the report says why.
 */
function masking(table: QiTable, model: KAnonymity, classOf: Int32Array, outputs: readonly (readonly string[])[]): { masked: boolean; maskRefused: string | undefined } {
  if (model.suppressed !== 'mask') return { masked: false, maskRefused: undefined };
  const allMasked = outputs.map((o) => o.every((v) => v === SUPPRESSED));
  let rows = 0;
  let masked = 0;
  const counts = new Map<number, number>();
  for (let r = 0; r < table.rows; r++) {
    const c = classOf[r]!;
    const w = table.weights ? table.weights[r]! : 1;
    if (c === -1) masked += w;
    else if (!allMasked[c]) continue;
    rows += w;
    if (table.sensitive) counts.set(table.sensitive.codes[r]!, (counts.get(table.sensitive.codes[r]!) ?? 0) + w);
  }
  if (masked === 0) return { masked: true, maskRefused: undefined };
  if (rows < model.k) return { masked: false, maskRefused: `the ${masked} masked rows would be a class of ${rows} rows, below k=${model.k}` };
  const ld = model.lDiversity;
  if (ld && diversityOf([...counts.values()], ld.variant, ld.c) < ld.l) {
    return { masked: false, maskRefused: `the ${masked} masked rows would be a class without ${ld.variant} l-diversity l=${ld.l} of ${ld.sensitive}` };
  }
  return { masked: true, maskRefused: undefined };
}

/** GCP of a plan on new data (in all and per quasi-identifier): ranges against the new data's span; sets and nodes as the values they match over its distinct values. */
function planLoss(table: QiTable, plan: Plan, classOf: Int32Array, suppressed: number): { gcp: number; gcpByColumn: number[] } {
  const dims = table.dims.length;
  if (table.rows === 0) return { gcp: 0, gcpByColumn: table.dims.map(() => 0) };
  const classLoss = plan.classes.map((c) =>
    table.dims.map((d) => {
      const m = c.match[d.name]!;
      const out = c.output[d.name]!;
      if (out === SUPPRESSED) return 1;
      if ('in' in m) return m.in.length <= 1 ? 0 : Math.min(1, m.in.length / Math.max(1, d.cardinality));
      const nums = d.numbers;
      const range = nums && nums.length > 1 ? nums[nums.length - 1]! - nums[0]! : 0;
      return m.empty ? 1 : m.max === m.min ? 0 : range > 0 ? Math.min(1, (m.max - m.min) / range) : 1;
    }),
  );
  const byColumn = table.dims.map(() => suppressed);
  for (let r = 0; r < table.rows; r++) if (classOf[r] !== -1) classLoss[classOf[r]!]!.forEach((l, j) => (byColumn[j]! += l));
  return { gcp: byColumn.reduce((a, b) => a + b, 0) / (table.rows * dims), gcpByColumn: byColumn.map((l) => l / table.rows) };
}

function checkBudget(stage: Pick<KStage, 'model' | 'suppressed'>, rows: number): void {
  const allowed = Math.floor(stage.model.maxSuppression * rows + 1e-9);
  if (stage.suppressed > allowed) {
    throw new VeilError({
      kind: 'privacy',
      code: 'SUPPRESSION_OVER_BUDGET',
      required: `at most ${allowed} of ${rows} rows suppressed (max_suppression ${stage.model.maxSuppression})`,
      found: `${stage.suppressed} rows (k=${stage.model.k}${stage.model.lDiversity ? `, l=${stage.model.lDiversity.l}` : ''})`,
    });
  }
}

export function riskOptions(model: KAnonymity): RiskOptions {
  return { k: model.k, riskThreshold: model.riskThreshold, ...(model.lDiversity && { l: model.lDiversity }) };
}

/** The report section, from what the second pass published (not from the plan's own figures). */
export function kSection(stage: KStage, rowsIn: number): Record<string, unknown> {
  const { model } = stage;
  // Masked rows are a published class (in `published`); removed ones cost a whole table each in discernibility.
  const a = measure(stage.published.classes().summaries(), stage.masked ? 0 : stage.suppressed, riskOptions(model));
  if (!stage.enforced) return featurizedSection(stage, a, rowsIn);
  // Never publish a report (or output) that claims what the output does not hold; name the requirement that failed.
  if (a.belowK > 0) {
    throw new VeilError({ kind: 'privacy', code: 'K_ANONYMITY_NOT_MET', required: `k=${model.k}`, found: `${a.belowK} classes below it in the output` });
  }
  if (a.notDiverse > 0) {
    const ld = model.lDiversity!;
    throw new VeilError({ kind: 'privacy', code: 'L_DIVERSITY_NOT_MET', required: `${ld.variant} l=${ld.l} of ${ld.sensitive}`, found: `${a.notDiverse} classes below it in the output` });
  }
  const plan = stage.fromPlan ? stage.plan() : undefined;
  return {
    ...describeKAnonymity(model),
    ...(plan && { plan: { applied: true, k: plan.k, l_diversity: plan.l_diversity, note: "the plan's k and l are the floor of what is enforced" } }),
    achieved: {
      k: a.k,
      classes: a.classes,
      class_sizes: a.classSizes,
      rows_published: a.rows,
      rows_suppressed: stage.suppressed,
      ...(model.suppressed === 'mask' && {
        suppressed_rows: stage.masked ? 'published masked (every quasi-identifier *), measured as one class' : `removed: ${stage.maskRefused ?? ''}`,
      }),
      ...(model.lDiversity && { l: { [model.lDiversity.sensitive]: round(a.l ?? 0) } }),
    },
    risk: {
      prosecutor_highest: round(a.risk.prosecutor_highest),
      prosecutor_average: round(a.risk.prosecutor_average),
      records_at_risk: round(a.risk.records_at_risk),
      threshold: a.risk.threshold,
      sample_uniques_before: stage.fromPlan ? null : stage.uniquesBefore,
      sample_uniques_after: a.risk.sample_uniques,
      own_tuple_rows: stage.ownTuples.own,
      own_tuple_share: round(a.rows === 0 ? 0 : stage.ownTuples.own / a.rows),
      own_tuple_rows_of_uniform_classes: stage.ownTuples.uniform,
      ...(model.publish.maxOwnShare !== undefined && { classes_generalized_for_max_own_share: stage.generalizedForShare }),
    },
    information_loss: {
      gcp: round(stage.gcp),
      gcp_by_quasi_identifier: Object.fromEntries(model.quasiIdentifiers.map((n, j) => [n, round(stage.gcpByColumn[j] ?? 0)])),
      discernibility: a.discernibility,
      average_class_size_over_k: round(a.averageClassSizeOverK),
      rows: rowsIn,
    },
  };
}

/** The section of a featurizing run: what it measured, under a statement that nothing was enforced. */
function featurizedSection(stage: KStage, a: ReturnType<typeof measure>, rowsIn: number): Record<string, unknown> {
  const plan = stage.plan();
  return {
    enforced: false,
    statement: 'NOT k-anonymous: the rows were mapped to the classes of a plan (--plan-mode featurize) without enforcing k or l-diversity; for data that is not released (a test split, the inputs of a model)',
    quasi_identifiers: stage.model.quasiIdentifiers,
    plan: { applied: true, mode: 'featurize', k: plan.k, l_diversity: plan.l_diversity, publish: plan.publish?.form ?? 'generalized' },
    achieved: { k: a.k, classes: a.classes, rows_published: a.rows, rows_unmapped: stage.suppressed },
    information_loss: {
      gcp: round(stage.gcp),
      gcp_by_quasi_identifier: Object.fromEntries(stage.model.quasiIdentifiers.map((n, j) => [n, round(stage.gcpByColumn[j] ?? 0)])),
      rows: rowsIn,
    },
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The quasi-identifiers published '*' in every row (nothing of them is left), when any row was published. */
export function fullySuppressed(stage: KStage): string[] {
  const { outputs, published, model } = stage;
  const used = outputs.map((_, c) => published.used(c));
  if (!used.some(Boolean) && !published.used(published.maskedClass)) return [];
  return model.quasiIdentifiers.filter((_, j) => outputs.every((o, c) => !used[c] || o[j] === SUPPRESSED));
}
