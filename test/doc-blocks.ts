// The documentation's examples as the tests read them. Every fenced block in
// README.md, docs/ and examples/README.md says what it is:
//
//   ```sh       commands, run; each must exit 0, or the code a trailing
//               `# exit N` names
//   ```console  a session: `$ ` commands and the output they print (stdout
//               and stderr as a terminal shows them); a line `...` stands for
//               any lines, a line ending in `...` for the rest of that line
//   ```yaml     a policy (or a fragment), loaded by test/docs.test.ts
//   ```json     a report, a plan or a fragment of one (not run)
//   ```text     a synopsis or other text (not run; a synopsis is compared with
//               the command's --help)
//
// A page's runnable blocks run in order, as one reader's shell would run
// them: in a fresh folder holding copies of examples/ and fixtures/, with
// `veil` on the PATH and no key in the environment. Each block starts in that
// folder; what a block exports stays for the next. Two HTML comments, which
// GitHub does not show, help a page: `<!-- setup ... -->` holds commands run
// before the next block (files an example needs that the reader is told of
// in prose); `<!-- file: NAME -->` before a block writes the block, as shown,
// to that file; `<!-- needs: TOOL -->` runs the block only where TOOL is on
// the PATH (with .ci/venv/bin, where .ci/run installs PySpark), and prints why
// it is skipped elsewhere; `<!-- not run: reason -->` leaves a block out with
// the reason printed (installation, a benchmark of minutes).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers.js';

/** The pages whose examples the tests load and run. */
export const DOC_PAGES = ['README.md', 'examples/README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

export type Lang = 'sh' | 'console' | 'yaml' | 'json' | 'text' | 'setup';

export interface Command {
  /** The command as written (continuation lines joined). */
  readonly text: string;
  /** The exit code it must end with. */
  readonly exit: number;
  /** For a console block: the lines it must print. */
  readonly expected?: readonly string[];
}

export interface Block {
  readonly page: string;
  /** The 1-based line of the opening fence (or of the setup comment). */
  readonly line: number;
  readonly lang: Lang | string;
  readonly body: string;
  /** Why the block is not run, when it is not. */
  readonly notRun?: string;
  /** The file the block is written to before the next block runs. */
  readonly file?: string;
  /** A program the block needs on the PATH. */
  readonly needs?: string;
}

export function blocksOf(page: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let marks: { notRun?: string; file?: string; needs?: string } = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const mark = /^<!-- (not run|file|needs): (.+?) -->$/.exec(line);
    if (mark) {
      marks = { ...marks, [mark[1] === 'not run' ? 'notRun' : mark[1]!]: mark[2] };
      continue;
    }
    if (line === '<!-- setup') {
      const end = lines.indexOf('-->', i);
      if (end < 0) throw new Error(`${page}:${i + 1}: a setup comment is not closed`);
      blocks.push({ page, line: i + 1, lang: 'setup', body: lines.slice(i + 1, end).join('\n') });
      i = end;
      continue;
    }
    const fence = /^```(\S*)$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l === '```');
    if (end < 0) throw new Error(`${page}:${i + 1}: a fenced block is not closed`);
    blocks.push({ page, line: i + 1, lang: fence[1]!, body: lines.slice(i + 1, end).join('\n'), ...marks });
    marks = {};
    i = end;
  }
  return blocks;
}

/** Joins lines continued with a trailing backslash. */
function logicalLines(body: string): string[] {
  return body.replace(/\\\n\s*/g, ' ').split('\n');
}

const exitOf = (command: string): number => Number(/#\s*exit (\d+)\s*$/.exec(command)?.[1] ?? 0);

/** The commands a runnable block holds, each with the exit code and output it must give. */
export function commandsOf(block: Block): Command[] {
  if (block.lang === 'setup') return [{ text: block.body, exit: 0 }];
  if (block.lang === 'sh') {
    return logicalLines(block.body)
      .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
      .map((text) => ({ text, exit: exitOf(text) }));
  }
  if (block.lang === 'console') {
    const commands: { text: string; exit: number; expected: string[] }[] = [];
    for (const line of logicalLines(block.body)) {
      if (line.startsWith('$ ')) commands.push({ text: line.slice(2), exit: exitOf(line), expected: [] });
      else if (commands.length === 0) throw new Error(`${block.page}:${block.line}: a console block starts with output, not a $ command`);
      else commands.at(-1)!.expected.push(line);
    }
    for (const c of commands) while (c.expected.at(-1) === '') c.expected.pop();
    return commands;
  }
  return [];
}

/**
 * Whether the printed lines are the expected ones: equal after trailing
 * spaces, where an expected line `...` stands for any number of lines and an
 * expected line ending in `...` for any line that starts as it does.
 */
export function outputMatches(expected: readonly string[], printed: readonly string[]): boolean {
  const e = expected.map((l) => l.trimEnd());
  const p = printed.map((l) => l.trimEnd());
  while (p.at(-1) === '') p.pop();
  const memo = new Map<string, boolean>();
  const at = (i: number, j: number): boolean => {
    const memoKey = `${i},${j}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === e.length) result = j === p.length;
    else if (e[i] === '...') result = at(i + 1, j) || (j < p.length && at(i, j + 1));
    else if (j === p.length) result = false;
    else if (e[i]!.endsWith('...')) result = p[j]!.startsWith(e[i]!.slice(0, -3)) && at(i + 1, j + 1);
    else result = e[i] === p[j] && at(i + 1, j + 1);
    memo.set(memoKey, result);
    return result;
  };
  return at(0, 0);
}

/**
 * One bash script for a page's runnable blocks: each command's output (stdout
 * and stderr, in the order printed) and exit code go to files named by block
 * and command, under the folder the script is given as $2.
 */
export function scriptFor(blocks: readonly Block[], runs: (block: Block) => boolean): string {
  const out = ['set -u', 'S=$1; T=$2', 'cd "$S"'];
  for (const [b, block] of blocks.entries()) {
    if (!runs(block)) continue;
    if (block.file) out.push(`cat > "$S/${block.file}" <<'VEIL_DOC_EOF'`, block.body, 'VEIL_DOC_EOF');
    const commands = commandsOf(block);
    if (commands.length === 0) continue;
    out.push(`# ${block.page}:${block.line}`, 'cd "$S"');
    for (const [c, command] of commands.entries()) {
      out.push('{', command.text, `} > "$T/${b}-${c}.out" 2>&1 < /dev/null; echo $? > "$T/${b}-${c}.rc"`);
    }
  }
  return `${out.join('\n')}\n`;
}
