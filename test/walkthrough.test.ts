// docs/walkthrough.md, run as written on the messy export it describes
// (test/messy-export.ts): each command marked with its exit code, the draft
// the scan writes compared with the one the page shows, and the outputs it
// quotes.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messyExport } from './messy-export.js';
import { REPO, splitWords, tempDir, veil } from './helpers.js';

const page = readFileSync(join(REPO, 'docs/walkthrough.md'), 'utf8');

describe('docs/walkthrough.md', () => {
  it('works as written: every command exits as marked, the draft is the one shown, the outputs are the ones quoted', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'customers.csv'), messyExport(2000));
    // The export's first lines as the page shows them (read as cp1252).
    const head = /```\n(customer_id;[^\n]*\n[^\n]*)\n```/.exec(page)![1]!;
    expect(messyExport(2000).toString('latin1').split('\r\n').slice(0, 2).join('\n')).toBe(head);
    const steps = [...page.matchAll(/<!-- walkthrough: exit (\d) -->\n```\n(veil [^\n]+)\n```\n(?:\n[^`]*?```\n([\s\S]*?)```)?/g)];
    expect(steps.map((s) => s[2]!.split(' ')[1])).toEqual(['scan', 'scan', 'apply', 'check']);
    for (const [, code, line, shown] of steps) {
      const r = veil(splitWords(line!).slice(1), { cwd: dir });
      expect(r.status, `${line}\n${r.stderr}`).toBe(Number(code));
      // The output the page quotes right after the command, when it does (up to "...").
      if (shown && !shown.startsWith('version: 1')) {
        const quoted = shown.trimEnd().replace(/\.\.\.$/, '');
        expect(`${r.stderr}${r.stdout}`, line).toContain(quoted);
      }
    }
    // The draft as the page shows it, comments after each column aside.
    const draft = readFileSync(join(dir, 'draft.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).map((l) => (l.startsWith('  ') && !l.startsWith('   ') && !l.startsWith('  k:') ? l.replace(/ +#.*$/, '') : l)).join('\n').trim();
    const shownDraft = /```\n(version: 1\n[\s\S]*?)```/.exec(page)![1]!.trim();
    expect(draft).toBe(shownDraft);
    // What the page says of the run.
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.rows).toMatchObject({ in: 2000, out: 1980, removed: { malformed: 20 } });
    expect(report.columns.lifetime_value.values.missing_markers).toBeGreaterThan(0);
    expect(report.columns.signup_date.values.read_by_format).toBeGreaterThan(0);
    expect(report.columns.notes.spans.replaced.email).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n')).toHaveLength(20);
    const safe = readFileSync(join(dir, 'safe.csv'), 'utf8');
    expect(safe).toContain('Zürich');
    expect(safe).not.toMatch(/@example\.com|555-\d{4}/);
  });
});
