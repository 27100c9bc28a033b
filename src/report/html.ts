// The HTML report: one self-contained page made from a JSON report (that of
// this run, or one made earlier: `veil report report.json -o report.html`).
// A plain-language summary first (what was protected, what k, l and epsilon
// mean for this file, what was lost, the warnings), then charts where a
// person would rather look than read, then the numbers behind them.
//
// The charts are drawn here, at render time, by Observable Plot into static
// SVG (with linkedom as the DOM), so the page holds no script, loads no
// font, image or style sheet, and asks nothing of the network: its Content
// Security Policy forbids it anyway. It shows only what the JSON report
// holds: no cell of the data, and category values only where the utility
// sample counted at least `min_count` rows of them.

import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

type Json = Record<string, any>;

const INPUT_COLOR = '#4e79a7';
const OUTPUT_COLOR = '#f28e2b';

export function renderHtml(report: Json): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  // Plot's options name the browser's Document type; linkedom's document stands in for it.
  const plot = (options: Plot.PlotOptions) => (Plot.plot({ document, style: { fontSize: '12px' }, ...options } as Plot.PlotOptions) as unknown as { outerHTML: string }).outerHTML;
  const k = report.privacy?.k_anonymity as Json | undefined;
  const utility = report.utility as Json | undefined;
  const sections = [summary(report), warningsSection(report), kSection(k, plot), columnsSection(utility, plot), pairsSection(utility), modelSection(utility), noiseSection(utility), filesSection(report)];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>veil privacy report: ${esc(report.input?.path ?? 'standard input')}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>veil privacy report</h1>
<p class="meta">${esc(report.command ?? 'apply')} of ${esc(report.input?.path ?? 'standard input')} to ${esc(report.output?.path ?? 'standard output')}, ${esc(report.started_at ?? '')}, veil ${esc(report.tool?.version ?? '')}</p>
${sections.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

function summary(r: Json): string {
  const items: string[] = [];
  const k = r.privacy?.k_anonymity as Json | undefined;
  const qis = new Set<string>(k?.quasi_identifiers ?? []);
  const byTransform = new Map<string, string[]>();
  for (const [name, c] of Object.entries((r.columns ?? {}) as Record<string, Json>)) {
    const t = qis.has(name) ? (k?.enforced === false ? 'featurized' : 'k-anonymity') : c.transform;
    byTransform.set(t, [...(byTransform.get(t) ?? []), name]);
  }
  const said: Record<string, string> = {
    hash: 'replaced by keyed pseudonyms (the same value, the same pseudonym; not reversible without the key)',
    fake: 'replaced by consistent fake values',
    mask: 'masked',
    redact: 'redacted',
    drop: 'dropped',
    generalize: 'generalized',
    'date-shift': 'date-shifted (one offset per subject)',
    noise: 'noised for differential privacy',
    'randomized-response': 'randomized (randomized response)',
    keep: 'kept as they are',
    'k-anonymity': 'generalized by k-anonymity (below)',
    featurized: 'mapped to the classes of a plan (not k-anonymous)',
  };
  const protectedCols = [...byTransform].filter(([t]) => t !== 'keep').map(([t, names]) => `${list(names)} ${said[t] ?? t}`);
  items.push(`<li><b>Protected:</b> ${protectedCols.length > 0 ? protectedCols.join('; ') : 'no column was transformed'}.${byTransform.has('keep') ? ` Kept as they are: ${list(byTransform.get('keep')!)}.` : ''}</li>`);
  if (k && k.enforced === false) {
    items.push(`<li class="bad"><b>Not k-anonymous.</b> The rows were mapped to the classes of a plan made at k=${esc(k.plan?.k)} without enforcing it (featurizing a test split or a model's inputs). Do not release this output.</li>`);
  } else if (k) {
    const a = k.achieved as Json;
    items.push(`<li><b>k-anonymity, k=${esc(k.k)}:</b> every combination of ${list(k.quasi_identifiers)} is shared by at least ${esc(a.k)} rows. Whoever knows a person's ${k.quasi_identifiers.length > 2 ? 'quasi-identifiers' : list(k.quasi_identifiers)} can narrow them down to no fewer than ${esc(a.k)} rows: at most a 1 in ${esc(a.k)} (${pct(1 / a.k)}) chance of picking theirs. ${esc(a.classes)} classes; the values were published as ${k.publish?.form === 'representative' ? `one representative value per class (numbers: the class's ${esc(k.publish.numbers)}, categories: ${k.publish.categories === 'mode' ? 'the most frequent' : 'the hierarchy node'}), so a model trained on them applies to raw data` : 'ranges, sets of values and hierarchy nodes'}.</li>`);
    const l = k.l_diversity as Json | undefined;
    if (l) items.push(`<li><b>l-diversity:</b> every class holds at least ${esc(l.l)} well-represented values of ${esc(l.sensitive)} (${esc(l.variant)}): knowing someone's class does not tell their ${esc(l.sensitive)}.</li>`);
  }
  const dp = r.privacy?.differential_privacy as Json | undefined;
  if (dp) {
    const cols = Object.entries((dp.columns ?? {}) as Record<string, Json>).map(([n, c]) => `${n} (epsilon ${esc(c.epsilon)})`);
    items.push(`<li><b>Differential privacy:</b> ${cols.length > 0 ? list(cols) : 'noised columns'}. Each noised value tells little about the true one (the smaller epsilon, the less); totals over many rows stay close to the truth. ${r.seeded ? '<b class="bad">This run was seeded: the noise can be regenerated, so it is NOT differentially private.</b>' : ''}</li>`);
  }
  const removed = Object.entries((r.rows?.removed ?? {}) as Record<string, number>);
  const lost: string[] = [`${esc(r.rows?.in)} rows in, ${esc(r.rows?.out)} out${removed.length > 0 ? ` (removed: ${removed.map(([why, n]) => `${n} ${why.replace(/_/g, ' ')}`).join(', ')})` : ''}`];
  if (k?.information_loss?.gcp !== undefined) lost.push(`the quasi-identifiers lost ${pct(k.information_loss.gcp)} of their detail (GCP: 0 % is the input, 100 % every value suppressed)`);
  const model = r.utility?.model as Json | undefined;
  if (model) lost.push(`a model predicting ${esc(model.target)} trained on the output scored ${pct(model.accuracy_trained_on_output)} on raw rows against ${pct(model.accuracy_trained_on_input)} trained on the input (${signed(model.change_in_points)} points)`);
  items.push(`<li><b>What was lost:</b> ${lost.join('; ')}.</li>`);
  return `<section id="summary"><h2>Summary</h2><ul>${items.join('\n')}</ul></section>`;
}

function warningsSection(r: Json): string {
  const warnings = (r.warnings ?? []) as string[];
  if (warnings.length === 0) return '';
  return `<section id="warnings" class="warnings"><h2>Warnings</h2><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`;
}

type PlotFn = (options: Plot.PlotOptions) => string;

function kSection(k: Json | undefined, plot: PlotFn): string {
  if (!k || k.enforced === false || !k.achieved?.class_sizes) return '';
  const sizes = Object.entries(k.achieved.class_sizes as Record<string, number>).map(([size, classes]) => ({ size, classes, risk: 1 / Number(size.split(/[-+]/)[0]) }));
  const sizeChart = plot({
    title: 'Classes by size',
    height: 220,
    marginLeft: 60,
    x: { label: 'rows in the class', domain: sizes.map((s) => s.size) },
    y: { label: 'classes', grid: true },
    marks: [Plot.barY(sizes, { x: 'size', y: 'classes', fill: INPUT_COLOR }), Plot.ruleY([0])],
  });
  const riskChart = plot({
    title: 'Highest re-identification risk (1 / class size) by class size',
    height: 220,
    marginLeft: 60,
    x: { label: 'rows in the class', domain: sizes.map((s) => s.size) },
    y: { label: 'risk (%)', grid: true, domain: [0, 100 / Math.max(1, Number(k.k))] },
    marks: [Plot.barY(sizes, { x: 'size', y: (d: { risk: number }) => d.risk * 100, fill: OUTPUT_COLOR }), Plot.ruleY([0])],
  });
  const gcp = Object.entries((k.information_loss?.gcp_by_quasi_identifier ?? {}) as Record<string, number>).map(([name, loss]) => ({ name, loss: loss * 100 }));
  const gcpChart = gcp.length === 0 ? '' : plot({
    title: 'Detail lost per quasi-identifier (GCP)',
    height: 40 + 24 * gcp.length,
    marginLeft: 120,
    x: { label: 'GCP (%)', domain: [0, 100], grid: true },
    y: { label: null, domain: gcp.map((g) => g.name) },
    marks: [Plot.barX(gcp, { y: 'name', x: 'loss', fill: INPUT_COLOR }), Plot.ruleX([0])],
  });
  const risk = k.risk as Json;
  return `<section id="k-anonymity"><h2>k-anonymity</h2>
<div class="charts"><figure>${sizeChart}</figure><figure>${riskChart}</figure>${gcpChart && `<figure>${gcpChart}</figure>`}</div>
${table(['measure', 'value'], [
  ['smallest class (k achieved)', k.achieved.k],
  ['classes', k.achieved.classes],
  ['rows published', k.achieved.rows_published],
  ['rows suppressed', k.achieved.rows_suppressed],
  ['highest prosecutor risk', pct(risk?.prosecutor_highest)],
  ['average prosecutor risk', pct(risk?.prosecutor_average)],
  [`records above the risk threshold ${pct(risk?.threshold)}`, pct(risk?.records_at_risk)],
  ['sample uniques before / after', `${risk?.sample_uniques_before ?? 'n/a'} / ${risk?.sample_uniques_after}`],
  ['rows published with their own quasi-identifiers (of them in classes of one tuple)', risk?.own_tuple_rows === undefined ? 'n/a' : `${pct(risk.own_tuple_share)} (${risk.own_tuple_rows_of_uniform_classes} of ${risk.own_tuple_rows} rows)`],
  ['GCP', pct(k.information_loss?.gcp)],
  ['discernibility', k.information_loss?.discernibility],
])}</section>`;
}

function columnsSection(u: Json | undefined, plot: PlotFn): string {
  if (!u) return '';
  const charts: string[] = [];
  const rows: unknown[][] = [];
  for (const [name, c] of Object.entries(u.columns as Record<string, Json>)) {
    rows.push([name, c.transform + (c.quasi_identifier ? ' (quasi-identifier)' : ''), pct(c.changed), c.compared === false ? 'n/a' : pct(c.generalized), c.compared === false ? 'n/a' : pct(c.suppressed), c.tv ?? c.ks ?? (c.compared === false ? c.why : ''), c.mean_change === undefined ? '' : `${signedPct(c.mean_change)} / ${signedPct(c.std_change)}`]);
    const d = c.distribution as Json | undefined;
    if (!d) continue;
    if (d.values) {
      const data = (d.values as string[]).flatMap((v, i) => [{ value: v, side: 'input', n: d.input[i] }, { value: v, side: 'output', n: d.output[i] }]);
      if (d.other.input > 0 || d.other.output > 0) data.push({ value: '(other values)', side: 'input', n: d.other.input }, { value: '(other values)', side: 'output', n: d.other.output });
      const values = [...new Set(data.map((x) => x.value))];
      charts.push(plot({
        title: `${name}: input and output (total variation ${c.tv})`,
        height: 60 + 30 * values.length,
        marginLeft: 150,
        x: { label: 'rows of the sample', grid: true },
        y: { label: null, domain: ['input', 'output'], axis: null },
        fy: { label: null, domain: values },
        color: { domain: ['input', 'output'], range: [INPUT_COLOR, OUTPUT_COLOR], legend: true },
        marks: [Plot.barX(data, { fy: 'value', y: 'side', x: 'n', fill: 'side' }), Plot.ruleX([0])],
      }));
    } else if (d.edges) {
      // The first and last bins are open (below the first edge, from the last edge up): bars by label, not by position.
      // (Reports made before bins were open gave one edge more than bins, all closed.)
      const edges = d.edges as number[];
      const closed = edges.length === d.input.length + 1;
      const inner = edges.slice(1).map((e, i) => `${edges[i]} to ${e}`);
      const labels = closed ? inner : [`< ${edges[0]}`, ...inner, `≥ ${edges[edges.length - 1]}`];
      const bins = labels.flatMap((label, i) => [
        { bin: label, side: 'input', n: d.input[i] ?? 0 },
        { bin: label, side: 'output', n: d.output[i] ?? 0 },
      ]);
      charts.push(plot({
        title: `${name}: input and output (Kolmogorov-Smirnov ${c.ks}${c.read_as_midpoints ? '; ranges read as midpoints' : ''})`,
        height: 240,
        marginLeft: 60,
        marginBottom: 50,
        x: { label: name, domain: labels, tickRotate: -30 },
        y: { label: 'rows of the sample', grid: true },
        color: { domain: ['input', 'output'], range: [INPUT_COLOR, OUTPUT_COLOR], legend: true },
        marks: [Plot.barY(bins, { x: 'bin', y: 'n', fill: 'side', fillOpacity: 0.55, mixBlendMode: 'multiply' } as Plot.BarYOptions), Plot.ruleY([0])],
      }));
    }
  }
  return `<section id="columns"><h2>Columns: input against output</h2>
<p>Measured on ${esc(u.sample.rows)} of ${esc(u.sample.of)} rows: ${esc(u.sample.how)}. No count of fewer than ${esc(u.sample.min_count)} rows is shown (smaller groups are merged or left out); the first and last bins of a number are open.</p>
<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('\n')}</div>
${table(['column', 'transform', 'changed', 'generalized', 'suppressed', 'distance (TV or KS)', 'mean / std change'], rows)}</section>`;
}

function pairsSection(u: Json | undefined): string {
  const pairs = (u?.pairs ?? []) as Json[];
  if (pairs.length === 0) return '';
  return `<section id="pairs"><h2>Associations between columns</h2>
<p>Pearson's r for two numbers, Cramér's V otherwise (numbers in deciles); the change is output minus input.</p>
${table(['columns', 'measure', 'input', 'output', 'change'], pairs.map((p) => [p.columns.join(' × '), p.measure === 'pearson' ? "Pearson's r" : "Cramér's V", p.input, p.output, p.change]))}</section>`;
}

function modelSection(u: Json | undefined): string {
  const m = u?.model as Json | undefined;
  if (!m) return '';
  return `<section id="model"><h2>Model utility</h2><p>${esc(m.model)}.</p>
${table(['trained on', `accuracy predicting ${m.target}`], [['the input', pct(m.accuracy_trained_on_input)], ['the output', pct(m.accuracy_trained_on_output)], ['(always the most frequent class)', pct(m.majority_class_share)]])}</section>`;
}

function noiseSection(u: Json | undefined): string {
  const noise = Object.entries((u?.noise ?? {}) as Record<string, Json>);
  if (noise.length === 0) return '';
  return `<section id="noise"><h2>Noise against spread</h2>
${table(['column', 'noise std', 'column std', 'ratio', 'correlation of output with input'], noise.map(([n, x]) => [x.dwarfs ? `${n} (noise dwarfs it)` : n, x.noise_std, x.column_std, x.ratio, x.correlation]))}</section>`;
}

function filesSection(r: Json): string {
  return `<section id="files"><h2>Files</h2>${table(['', 'path', 'SHA-256'], [
    ['policy', r.policy?.path, r.policy_sha256],
    ['input', r.input?.path ?? 'standard input', r.input_sha256],
    ['output', r.output?.path ?? 'standard output', r.output_sha256],
    ['key fingerprint', r.key?.source ?? 'no key', r.key?.fingerprint ?? ''],
  ])}</section>`;
}

function table(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function esc(x: unknown): string {
  return String(x ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const list = (xs: readonly unknown[]) => xs.map((x) => `<code>${esc(x)}</code>`).join(', ');
const pct = (x: unknown) => (typeof x === 'number' ? `${Math.round(x * 1000) / 10} %` : 'n/a');
const signed = (x: unknown) => (typeof x === 'number' ? `${x >= 0 ? '+' : ''}${Math.round(x * 100) / 100}` : 'n/a');
const signedPct = (x: unknown) => (typeof x === 'number' ? `${x >= 0 ? '+' : ''}${Math.round(x * 1000) / 10} %` : 'n/a');

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { margin-bottom: 0; } .meta { color: #666; margin-top: 4px; }
section > h2 { border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
figure h2 { font-size: 14px; font-weight: 600; margin: 8px 0; }
#summary ul { padding-left: 20px; } #summary li { margin: 6px 0; }
.bad { color: #b00020; }
.warnings { background: #fff4e5; border-left: 4px solid #f28e2b; padding: 4px 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; flex: 1 1 480px; min-width: 320px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
code { font-size: 13px; }
`;
