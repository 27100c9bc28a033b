// `veil k-classes`: the middle step of k-anonymity on Spark. Reads the
// quasi-identifier combinations and their rows that the job's --counts phase
// wrote, makes the classes with the same partitioner and recoding as every
// other engine (src/core/stage-groups.ts), checks what they publish (k, l: exit
// 1 when not met), and writes the classes file the job's --classes phase
// joins: each combination with whether its rows are published and the
// values its class publishes. Both files hold quasi-identifier values of the
// input: the classes file is created readable by its owner only.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { VeilError } from '../lib/errors.js';
import { cellText } from '../lib/cell.js';
import { SUPPRESSED } from '../lib/numeric.js';
import { openInput, openSink, stageFile, type Staged } from '../io/files.js';
import { readRows } from '../io/read.js';
import { csvSerializer } from '../io/write.js';
import { readPolicy } from '../policy/file.js';
import { GroupCollector } from '../core/stage-groups.js';
import { kSection, type KStage } from '../core/stage.js';
import type { Streams } from '../engines/request.js';

export interface KClassesFlags {
  readonly policy: string;
  readonly counts: string;
  readonly output: string;
  readonly report?: string;
  readonly planOut?: string;
}

/** The counts files: one file, or the part files of the folder Spark wrote, in name order. */
async function countFiles(path: string): Promise<string[]> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `the counts the job's --counts phase wrote (${path})` });
  if (!st.isDirectory()) return [path];
  return (await fsp.readdir(path)).filter((f) => f.startsWith('part-') && f.endsWith('.csv')).sort().map((f) => join(path, f));
}

async function readGroups(files: readonly string[], qis: number, withSensitive: boolean, groups: GroupCollector): Promise<void> {
  const strip = (v: unknown): string => cellText(v).slice(1);
  for (const file of files) {
    const input = await openInput(file, false);
    try {
      for await (const batch of readRows('csv', ',', input.stream)) {
        for (const event of batch) {
          if ('header' in event) {
            const expected = [...Array.from({ length: qis }, (_, j) => `q${j}`), ...(withSensitive ? ['s'] : []), 'n', 'veil_first'];
            if (event.header.join(',') !== expected.join(',')) throw new VeilError({ kind: 'input', code: 'INPUT_HEADERS_DIFFER', expected: `the columns ${expected.join(',')} (the counts of this policy's job)` });
            continue;
          }
          const r = event.row;
          groups.add(r.slice(0, qis).map(strip), withSensitive ? strip(r[qis]) : undefined, Number(cellText(r[qis + (withSensitive ? 1 : 0)])));
        }
      }
    } finally {
      input.close();
    }
  }
}

export async function runKClasses(flags: KClassesFlags, io: Streams): Promise<number> {
  const { policy } = await readPolicy(flags.policy);
  const model = policy.kAnonymity;
  if (!model) throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: `${flags.policy} has no k_anonymity section` });
  const n = model.quasiIdentifiers.length;
  const collector = new GroupCollector(model);
  await readGroups(await countFiles(flags.counts), n, model.lDiversity !== undefined, collector);
  const { stage, rows, removed, groups, combinations } = collector.classes();
  // What the classes publish, measured from the groups: refused (exit 1) when it falls short of k or l.
  const section = kSection(stage as KStage, rows);
  const csv = csvSerializer(',');
  const sink = await openSink(flags.output, false, io.stdout, { private: true });
  const staged: Staged[] = [];
  try {
    await sink.write(csv.header([...model.quasiIdentifiers.map((_, j) => `q${j}`), 'keep', ...model.quasiIdentifiers.map((_, j) => `o${j}`)]));
    const masked = new Array<string>(n).fill(SUPPRESSED);
    let chunk = '';
    for (const c of combinations()) {
      const published = c.cls >= 0 || stage.masked;
      const out = c.cls >= 0 ? stage.outputs[c.cls]! : masked;
      chunk += csv.row([...c.values.map((v) => `.${v}`), published ? '1' : '0', ...out.map((v) => `.${v}`)]);
      if (chunk.length >= 1 << 16) {
        await sink.write(chunk);
        chunk = '';
      }
    }
    await sink.write(chunk);
    await sink.end();
    if (flags.report !== undefined) staged.push(await stageFile(flags.report, `${JSON.stringify({ command: 'k-classes', rows: { in: rows, out: rows - removed, removed: removed > 0 ? { k_anonymity: removed } : {} }, privacy: { k_anonymity: section } }, null, 2)}\n`));
    if (flags.planOut !== undefined) staged.push(await stageFile(flags.planOut, `${JSON.stringify(stage.plan(), null, 1)}\n`));
    await sink.commit();
    for (const s of staged) await s.commit();
  } catch (e) {
    await sink.abort();
    for (const s of staged) await s.abort();
    throw e;
  }
  const achieved = section.achieved as { k: number; classes: number };
  io.stderr.write(`veil k-classes: ${rows} rows in ${groups} combinations: ${achieved.classes} classes, the smallest of ${achieved.k} rows; ${removed} rows suppressed\n`);
  return 0;
}
