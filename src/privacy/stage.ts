// The k-anonymity stage of `veil apply`, without any I/O: a first pass over
// the input's rows keeps only the quasi-identifier (and sensitive) columns,
// dictionary-encoded; the recoding is computed (or a saved plan is matched);
// the writing pass (src/cli/apply.ts) then takes each row's published
// quasi-identifiers or its removal from here, and the section of the report
// is measured on what it published.

import { VeilError, ValueError, type Problem } from '../core/errors.js';
import { compilePipeline } from '../core/pipeline.js';
import { cellText } from '../lib/cell.js';
import type { SecretKey } from '../lib/key.js';
import { SUPPRESSED } from '../lib/numeric.js';
import type { Policy } from '../policy/load.js';
import { describeKAnonymity, type KAnonymity, type LVariant } from './k-anonymity.js';
import { ClassCounter, diversityOf, measure, type RiskOptions } from './measures.js';
import { partition } from './mondrian.js';
import { buildPlan, planMatcher, type Plan } from './plan.js';
import { QiCollector, type QiTable } from './qi-table.js';
import { recode, type PlanClass } from './recode.js';
import type { InputEvent } from '../io/read.js';

export interface KStage {
  readonly model: KAnonymity;
  /** Class of each input row, -1 when suppressed. */
  readonly classOf: Int32Array;
  /** Published quasi-identifier values of each class, in model order. */
  readonly outputs: readonly (readonly string[])[];
  readonly suppressed: number;
  /** The plan: built on demand (for --plan-out). */
  readonly plan: () => Plan;
  readonly fromPlan: boolean;
  readonly gcp: number;
  readonly uniquesBefore: number;
  /** Filled by the second pass: the classes as published. */
  readonly published: Published;
}

/**
 * What the writing pass actually published, counted per class and then
 * grouped by the published values themselves, so the report measures the
 * output and not the plan.
 */
export class Published {
  private readonly sizes: Int32Array;
  private readonly keys: (string | undefined)[];
  private readonly sensitive: Map<string, number>[] | undefined;

  constructor(classes: number, withSensitive: boolean) {
    this.sizes = new Int32Array(classes);
    this.keys = new Array<string | undefined>(classes);
    this.sensitive = withSensitive ? Array.from({ length: classes }, () => new Map()) : undefined;
  }

  add(c: number, out: readonly unknown[], positions: readonly number[], sensitive: string | undefined): void {
    if (this.sizes[c]!++ === 0) this.keys[c] = positions.map((p) => cellText(out[p])).join('\u0000');
    if (this.sensitive && sensitive !== undefined) {
      const m = this.sensitive[c]!;
      m.set(sensitive, (m.get(sensitive) ?? 0) + 1);
    }
  }

  classes(): ClassCounter {
    const counter = new ClassCounter();
    this.sizes.forEach((size, c) => {
      if (size > 0) counter.addClass(this.keys[c]!, size, this.sensitive?.[c]);
    });
    return counter;
  }
}

/** The model to enforce: the policy's, or the one a plan carries (with the policy's budget). */
export function stageModel(policy: Policy, plan: Plan | undefined): KAnonymity | undefined {
  const m = policy.kAnonymity;
  if (!plan) return m;
  const names = plan.quasi_identifiers.map((q) => q.name);
  if (m && m.quasiIdentifiers.join('\u0000') !== names.join('\u0000')) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: `the plan's quasi-identifiers (${names.join(', ')}) differ from the policy's (${m.quasiIdentifiers.join(', ')})` });
  }
  const ld = plan.l_diversity as { sensitive: string; l: number; variant: LVariant; c: number | null } | null;
  return (
    m ?? {
      k: plan.k,
      quasiIdentifiers: names,
      maxSuppression: 0,
      hierarchies: new Map(),
      lDiversity: ld ? { sensitive: ld.sensitive, l: ld.l, variant: ld.variant, c: ld.c ?? undefined } : undefined,
      suppressed: 'remove',
      riskThreshold: 0.2,
    }
  );
}

export interface FirstPassInput {
  readonly events: AsyncIterable<InputEvent[]>;
  readonly policy: Policy;
  readonly model: KAnonymity;
  readonly plan: Plan | undefined;
  readonly key: SecretKey | undefined;
  readonly seed: number | undefined;
  readonly sparse: boolean;
  /** Removes the rows the policy's row rules exclude (the writing pass removes the same ones). */
  readonly rowRules: (header: readonly string[]) => Promise<(row: readonly unknown[], line: number) => string | undefined>;
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
  for await (const batch of i.events) for (const event of batch) {
    if ('header' in event) {
      header = event.header;
      const missing = [...needed].filter((n) => !event.header.includes(n));
      if (missing.length > 0) throw new VeilError(missing.map((n) => ({ kind: 'input', code: 'COLUMN_MISSING', columnName: n }) as Problem));
      pipeline = await compilePipeline(i.policy, event.header, { key: i.key, seed: i.seed, sparse: i.sparse, only: needed });
      positions = model.quasiIdentifiers.map((n) => pipeline!.outputColumns.indexOf(n));
      sensitivePos = sensitive ? pipeline.outputColumns.indexOf(sensitive) : -1;
      excluded = await i.rowRules(event.header);
      continue;
    }
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
  return i.plan ? matchPlan(table, model, i.plan) : recodeTable(table, model);
}

function recodeTable(table: QiTable, model: KAnonymity): KStage {
  const r = recode(table, partition(table, model.k, model.lDiversity, Math.floor(model.maxSuppression * table.rows + 1e-9)));
  const stage = {
    model,
    classOf: r.classOf,
    outputs: r.outputs,
    suppressed: r.suppressed,
    plan: () => buildPlan(model, table.dims.map((d) => d.kind), r.classes()),
    fromPlan: false,
    gcp: r.gcp,
    uniquesBefore: r.uniquesBefore,
    published: new Published(r.outputs.length, model.lDiversity !== undefined),
  };
  checkBudget(stage, table.rows);
  return stage;
}

/**
 * A saved plan on new data: each row goes to the class it matches; then the
 * published classes (rows sharing an output) are checked for k and l, and
 * those that fall short are suppressed, within the budget.
 */
function matchPlan(table: QiTable, model: KAnonymity, plan: Plan): KStage {
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
    const key = o.join('\u0000');
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
  const stage: KStage = {
    model,
    classOf,
    outputs,
    suppressed,
    plan: () => plan,
    fromPlan: true,
    gcp: planLoss(table, plan, classOf, suppressed),
    uniquesBefore: 0,
    published: new Published(plan.classes.length, model.lDiversity !== undefined),
  };
  checkBudget(stage, table.rows);
  return stage;
}

/** GCP of a plan on new data: ranges against the new data's span; sets and nodes as the values they match over its distinct values. */
function planLoss(table: QiTable, plan: Plan, classOf: Int32Array, suppressed: number): number {
  const dims = table.dims.length;
  if (table.rows === 0) return 0;
  const classLoss = plan.classes.map((c) =>
    table.dims.reduce((sum, d) => {
      const m = c.match[d.name]!;
      const out = c.output[d.name]!;
      if (out === SUPPRESSED) return sum + 1;
      if ('in' in m) return sum + (m.in.length <= 1 ? 0 : Math.min(1, m.in.length / Math.max(1, d.cardinality)));
      const nums = d.numbers;
      const range = nums && nums.length > 1 ? nums[nums.length - 1]! - nums[0]! : 0;
      return sum + (m.max === m.min ? 0 : range > 0 ? Math.min(1, (m.max - m.min) / range) : 1);
    }, 0),
  );
  let loss = suppressed * dims;
  for (let r = 0; r < table.rows; r++) if (classOf[r] !== -1) loss += classLoss[classOf[r]!]!;
  return loss / (table.rows * dims);
}

function checkBudget(stage: KStage, rows: number): void {
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
  const a = measure(stage.published.classes().summaries(), stage.suppressed, riskOptions(model));
  if (a.violatingClasses > 0) {
    // Never publish a report (or output) that claims what the output does not hold.
    throw new VeilError({ kind: 'privacy', code: 'K_ANONYMITY_NOT_MET', required: `k=${model.k}`, found: `${a.violatingClasses} classes below it in the output` });
  }
  return {
    ...describeKAnonymity(model),
    ...(stage.fromPlan && { plan: 'applied from --plan' }),
    achieved: {
      k: a.k,
      classes: a.classes,
      class_sizes: a.classSizes,
      rows_published: a.rows,
      rows_suppressed: stage.suppressed,
      ...(model.lDiversity && { l: { [model.lDiversity.sensitive]: round(a.l ?? 0) } }),
    },
    risk: {
      prosecutor_highest: round(a.risk.prosecutor_highest),
      prosecutor_average: round(a.risk.prosecutor_average),
      records_at_risk: round(a.risk.records_at_risk),
      threshold: a.risk.threshold,
      sample_uniques_before: stage.fromPlan ? null : stage.uniquesBefore,
      sample_uniques_after: a.risk.sample_uniques,
    },
    information_loss: {
      gcp: round(stage.gcp),
      discernibility: a.discernibility,
      average_class_size_over_k: round(a.averageClassSizeOverK),
      rows: rowsIn,
    },
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
