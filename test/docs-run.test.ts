// Every example in README.md, docs/ and examples/README.md, run as written
// (test/doc-blocks.ts says how a page marks them): each command exits as the
// page says and prints what the page shows, so no example can go stale. A
// synopsis is compared with the command's --help, option for option.

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blocksOf, commandsOf, DOC_PAGES, outputMatches, scriptFor, type Block } from './doc-blocks.js';
import { messyExport } from './messy-export.js';
import { BIN, REPO, tempDir, veil } from './helpers.js';

const LANGS = new Set(['sh', 'console', 'yaml', 'json', 'text', 'setup']);

/** Files a page's reader is told how to make, that no shell line makes. */
const PREPARE: Record<string, (dir: string) => void> = {
  'docs/walkthrough.md': (dir) => writeFileSync(join(dir, 'customers.csv'), messyExport(2000)),
};

interface PageRun {
  readonly dir: string;
  readonly results: string;
  readonly status: number | null;
  readonly stderr: string;
}

/** Runs a page's blocks in a fresh folder with copies of examples/ and fixtures/, veil on the PATH and no key. */
const VENV_BIN = join(REPO, '.ci/venv/bin');
const PATH = `${existsSync(VENV_BIN) ? `${VENV_BIN}:` : ''}${process.env.PATH}`;
/** Whether a program is on the PATH the pages run with. */
const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH }, stdio: 'ignore' }).status === 0;
/** Whether a block runs here: not marked as not run, and the program it needs is here. */
const runsHere = (block: Block) => !block.notRun && (!block.needs || onPath(block.needs));

function runPage(page: string, blocks: readonly Block[]): PageRun {
  const dir = tempDir();
  const results = tempDir();
  cpSync(join(REPO, 'examples'), join(dir, 'examples'), { recursive: true });
  cpSync(join(REPO, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
  PREPARE[page]?.(dir);
  const bin = join(results, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'veil'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'veil'), 0o755);
  const script = join(results, 'page.sh');
  writeFileSync(script, scriptFor(blocks, runsHere));
  const env: NodeJS.ProcessEnv = { PATH: `${bin}:${PATH}`, HOME: dir, LANG: 'C.UTF-8', TMPDIR: process.env.TMPDIR ?? '/tmp' };
  const run = spawnSync('bash', [script, dir, results], { env, encoding: 'utf8', timeout: 240_000 });
  return { dir, results, status: run.status, stderr: run.stderr };
}

/** The options a text names, long and short (`--policy`, `-o`). */
const optionWords = (text: string): string[] => text.match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? [];

/** The options a command's --help lists, each by its long and short name (--help aside). */
function helpOptions(command: string): { long: string; short?: string }[] {
  const help = veil([command, '--help']);
  expect(help.status).toBe(0);
  return help.stdout.split('\n').flatMap((l) => {
    const m = /^ {2}(?:(-\w), )?(--[a-z][a-z-]*)/.exec(l);
    return m && m[2] !== '--help' ? [{ long: m[2]!, ...(m[1] && { short: m[1] }) }] : [];
  });
}

/** What a page says of the files its commands wrote, checked after they ran. */
const AFTER: Record<string, (dir: string) => void> = {
  'docs/walkthrough.md': (dir) => {
    const page = readFileSync(join(REPO, 'docs/walkthrough.md'), 'utf8');
    // The export's first lines as the page shows them (read as cp1252).
    const head = /```text\n(customer_id;[^\n]*\n[^\n]*)\n```/.exec(page)![1]!;
    expect(messyExport(2000).toString('latin1').split('\r\n').slice(0, 2).join('\n')).toBe(head);
    // The draft as the page shows it, the comments after each column aside.
    const draft = readFileSync(join(dir, 'draft.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).map((l) => (l.startsWith('  ') && !l.startsWith('   ') && !l.startsWith('  k:') ? l.replace(/ +#.*$/, '') : l)).join('\n').trim();
    const shownDraft = /```yaml\n(version: 1\n[\s\S]*?)```/.exec(page)![1]!.trim();
    expect(draft).toBe(shownDraft);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.rows).toMatchObject({ in: 2000, out: 1980, removed: { malformed: 20 } });
    expect(report.columns.lifetime_value.values.missing_markers).toBeGreaterThan(0);
    expect(report.columns.signup_date.values.read_by_format).toBeGreaterThan(0);
    expect(report.columns.notes.spans.replaced.email).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n')).toHaveLength(20);
    const safe = readFileSync(join(dir, 'safe.csv'), 'utf8');
    expect(safe).toContain('Zürich');
    expect(safe).not.toMatch(/@example\.com|555-\d{4}/);
  },
};

describe('the examples in the documentation', () => {
  it('the runner notices a wrong output, a wrong exit code and a missing line', () => {
    const page = ['```console', '$ echo one; echo two', 'one', 'three', '```', '```sh', 'false', 'true   # exit 1', '```', '```console', '$ printf "a\\nb\\nc\\n"', 'a', '...', '```'].join('\n');
    const blocks = blocksOf('self-test.md', page);
    const run = runPage('self-test.md', blocks);
    expect(run.status).toBe(0);
    const got = (b: number, c: number) => [readFileSync(join(run.results, `${b}-${c}.out`), 'utf8').split('\n'), Number(readFileSync(join(run.results, `${b}-${c}.rc`), 'utf8'))] as const;
    expect(outputMatches(commandsOf(blocks[0]!)[0]!.expected!, got(0, 0)[0])).toBe(false);
    expect(outputMatches(['one', 'two'], got(0, 0)[0])).toBe(true);
    expect([got(1, 0)[1], got(1, 1)[1]]).toEqual([1, 0]);
    expect(commandsOf(blocks[1]!).map((c) => c.exit)).toEqual([0, 1]);
    expect(outputMatches(commandsOf(blocks[2]!)[0]!.expected!, got(2, 0)[0])).toBe(true);
    expect(outputMatches(['a', 'c'], got(2, 0)[0])).toBe(false);
    expect(outputMatches(['a', 'b ...', 'c'], ['a', 'b and more', 'c'])).toBe(true);
  });

  for (const page of DOC_PAGES) {
    const blocks = blocksOf(page, readFileSync(join(REPO, page), 'utf8'));
    const runnable = blocks.filter((b) => commandsOf(b).length > 0);
    describe(page, () => {
      let run: PageRun | undefined;
      beforeAll(() => {
        if (runnable.some(runsHere)) run = runPage(page, blocks);
      }, 300_000);

      it('every block says what it is (sh, console, yaml, json, text)', () => {
        expect(blocks.filter((b) => !LANGS.has(b.lang)).map((b) => `${page}:${b.line}: \`\`\`${b.lang}`)).toEqual([]);
      });

      for (const [b, block] of blocks.entries()) {
        if (block.notRun) {
          it(`line ${block.line} is not run: ${block.notRun}`, () => {
            console.log(`${page}:${block.line}: not run: ${block.notRun}`);
            expect(['sh', 'console']).toContain(block.lang);
          });
          continue;
        }
        const commands = commandsOf(block);
        if (commands.length > 0) {
          // A block whose program is missing here is skipped at run time, with the reason printed.
          const here = runsHere(block);
          if (!here) console.log(`${page}:${block.line}: skipped: it needs ${block.needs}, which is not on the PATH here${block.needs === 'spark-submit' ? ' (.ci/run installs PySpark into .ci/venv)' : ''}`);
          it.skipIf(!here)(`line ${block.line}: ${commands.map((c) => c.text.split(' ').slice(0, 2).join(' ')).join('; ')}`, () => {
            expect(run!.stderr).toBe('');
            for (const [c, command] of commands.entries()) {
              const printed = readFileSync(join(run!.results, `${b}-${c}.out`), 'utf8');
              const status = Number(readFileSync(join(run!.results, `${b}-${c}.rc`), 'utf8'));
              expect(status, `${page}:${block.line}: ${command.text}\n${printed}`).toBe(command.exit);
              if (command.expected) expect(outputMatches(command.expected, printed.split('\n')), `${page}:${block.line}: ${command.text} printed:\n${printed}`).toBe(true);
            }
          });
        }
        const synopsis = block.lang === 'text' ? /^veil ([a-z-]+) /.exec(block.body) : null;
        if (synopsis) {
          it(`line ${block.line}: the synopsis of veil ${synopsis[1]} has the options --help lists`, () => {
            // Every option --help lists, by its long or its short name; no option --help does not list.
            const listed = helpOptions(synopsis[1]!);
            const words = new Set(optionWords(block.body));
            expect(listed.filter((o) => !words.has(o.long) && !(o.short && words.has(o.short))).map((o) => o.long)).toEqual([]);
            expect([...words].filter((w) => !listed.some((o) => o.long === w || o.short === w))).toEqual([]);
          });
        }
      }
      if (page in AFTER) it('what the page says of its outputs', () => AFTER[page]!(run!.dir));
    });
  }
});

describe('the examples in --help', () => {
  const commands = [...veil(['--help']).stdout.matchAll(/^ {2}([a-z-]+) .*$/gm)].map((m) => m[1]!).filter((c) => c !== 'help');

  it('name commands and options that exist, and files of the repository that do', () => {
    expect(commands).toEqual(expect.arrayContaining(['apply', 'check', 'scan', 'init', 'validate', 'schema', 'report', 'hash', 'spark-job']));
    let seen = 0;
    for (const command of commands) {
      const help = veil([command, '--help']).stdout;
      const example = /\nExamples?:\n([\s\S]*?)(?:\n\n|$)/.exec(help)?.[1] ?? '';
      for (const use of example.matchAll(/\bveil ([a-z-]+)((?:[^|&;#\n>])*)/g)) {
        const [, sub, args] = use;
        expect(commands, `${command} --help: ${use[0]}`).toContain(sub);
        const known = helpOptions(sub!).flatMap((o) => [o.long, o.short ?? []].flat());
        for (const option of optionWords(args!)) expect(known, `${command} --help: ${use[0]}: ${option}`).toContain(option);
        for (const path of args!.match(/\bexamples\/\S+/g) ?? []) {
          const r = spawnSync('sh', ['-c', `ls -d ${path}`], { cwd: REPO });
          expect(r.status, `${command} --help names ${path}, which the repository lacks`).toBe(0);
        }
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(10);
  });
});
