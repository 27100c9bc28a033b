// The residual-PII check on DuckDB: the streaming engine's own scan
// (src/governance/residual.ts), called from SQL only for the rows that could
// hold a finding, which DuckDB picks on every core:
//   - a kept cell that could hold a pattern: an '@' (or %40), nine digits in
//     one stretch of digits and the characters that group them, an
//     IBAN's start, a dotted quad, two colons;
//   - a kept cell that holds the row's own protected value, or a word of it,
//     compared in lower case (text other than ASCII always goes to the scan,
//     since the engines' lower cases differ there);
//   - a kept cell equal, trimmed, to a protected value (of hash, fake, mask
//     or redact) of any published row of the input. The streaming engine
//     remembers those of one piece of input (256 KB); this is the whole input,
//     a stricter test, computed once, before the output is written, as a
//     table of the values some kept cell equals (usually none: then no cell
//     is probed).
// Every other cell cannot hold a finding: the scan's own tests are narrower
// than these (test/engines.test.ts compares the findings of both engines).
// The tests run in the pass that writes the output (./execute.ts): the
// input is read once for both, and the findings decided in SQL are flags
// that pass counts.

import type * as Api from '@duckdb/node-api';
import { RESIDUAL_MAX_LENGTH, type ResidualKind, type ResidualScan } from '../../governance/residual.js';
import { fromSql, inputColumn } from '../sql/compile.js';
import { duckdb as d, toFunction } from '../sql/dialect.js';

const trim = (v: string) => d.trimJs(v);
const fromNullable = (v: string | null): string | null => (v === null ? null : fromSql(v));
/** A text's length as JavaScript counts it (UTF-16 units: a character beyond U+FFFF counts two). */
const jsLength = (v: string) => `(length(${v}) + length(regexp_replace(${v}, '[^\\x{10000}-\\x{10FFFF}]', '', 'g')))`;
/** ASCII: as many bytes as characters (cheaper than a pattern). */
const ascii = (v: string) => `(strlen(${v}) = length(${v}))`;
/** What any pattern of detect.ts needs somewhere in the text. */
/**
 * Whole cells of the shapes that fill ID and phone columns, decided in SQL
 * (detect.ts decides them the same way, test/engines.test.ts compares): an
 * SSN grouped 3-2-4 by dashes or spaces is one unless its area is 000, 666 or
 * 9xx, its group 00 or its serial 0000 (and is nothing else: nine digits);
 * a North American number grouped 3-3-4 by dashes, dots or spaces is a phone
 * (and nothing else: ten digits, no letters, three groups are no ISBN).
 */
const SSN_SHAPE = '[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}';
const SSN_VALID = (c: string) => `substr(${c}, 1, 3) NOT IN ('000', '666') AND substr(${c}, 1, 1) <> '9' AND substr(${c}, 5, 2) <> '00' AND substr(${c}, 8, 4) <> '0000'`;
const PHONE_SHAPE = '[0-9]{3}-[0-9]{3}-[0-9]{4}|[0-9]{3}[.][0-9]{3}[.][0-9]{4}|[0-9]{3} [0-9]{3} [0-9]{4}';

/** The input columns the scan reads (kept, then protected), by header position; none when nothing is kept. */
function columnsRead(scan: ResidualScan, header: readonly string[]): { kept: number[]; protect: { index: number; byWord: boolean }[] } {
  const kept = scan.keptColumns.map((n) => header.indexOf(n));
  return { kept, protect: kept.length > 0 ? [...scan.protectedColumns] : [] };
}

/**
 * `veil_residual(j, kept cell, protected..., remembered)`: the scan of one
 * kept cell (the j-th kept column's) with the row's protected values, and
 * whether the cell is one of the input's protected values; returns 0.
 * Volatile: once per cell. Called per cell rather than per row, so that a
 * row with one cell to look at hands over that cell only.
 */
export function registerResidual(duck: typeof Api, connection: Api.DuckDBConnection, scan: ResidualScan, header: readonly string[]): void {
  const { kept, protect } = columnsRead(scan, header);
  if (kept.length === 0) return;
  const row: (string | null)[] = new Array<string | null>(header.length).fill(null);
  const remembered = new Array<boolean>(kept.length).fill(false);
  connection.registerScalarFunction(
    duck.DuckDBScalarFunction.create({
      name: 'veil_residual',
      returnType: duck.INTEGER,
      parameterTypes: [duck.INTEGER, duck.VARCHAR, ...protect.map(() => duck.VARCHAR), duck.BOOLEAN],
      volatile: true,
      mainFunction: (_info, input, output) => {
        const column = input.getColumnVector(0);
        const cell = input.getColumnVector(1);
        const own = protect.map((_, a) => input.getColumnVector(2 + a));
        const flag = input.getColumnVector(2 + protect.length);
        for (let i = 0; i < input.rowCount; i++) {
          const j = column.getItem(i) as number;
          for (const k of kept) row[k] = null;
          row[kept[j]!] = fromNullable(cell.getItem(i) as string | null);
          for (let a = 0; a < protect.length; a++) row[protect[a]!.index] = fromNullable(own[a]!.getItem(i) as string | null);
          remembered.fill(false);
          remembered[j] = flag.getItem(i) === true;
          scan.observeWith(row, remembered);
          output.setItem(i, 0);
        }
        output.flush();
      },
    }),
  );
}

/**
 * The scan's share of the one pass that writes the output: the input it
 * reads (the published rows with what the tests need computed once per
 * row), the expression that hands the cells that could hold a finding to the
 * scan (an integer, 0, to be evaluated for every row), and the findings
 * decided in SQL as flags, with what takes their counts.
 */
export interface ResidualPass {
  readonly input: string;
  readonly calls: string;
  readonly flags: readonly string[];
  take(counts: readonly number[]): void;
}

/**
 * Whether a cell may start or end with a space JavaScript trims: it starts
 * with a character of ASCII up to ' ' or beyond ASCII, ends with one of
 * ASCII's spaces, or holds a character beyond ASCII (which may end it). Most
 * cells are none of these, and need no trimming (DuckDB's trim with a set of
 * characters costs 350 ns a cell).
 */
const maySpace = (c: string) => `(${c} < '!' OR ${c} >= chr(128) OR NOT ${ascii(c)} OR ${[9, 10, 11, 12, 13, 32].map((k) => `ends_with(${c}, chr(${k}))`).join(' OR ')})`;

/**
 * Creates the table of the input's protected values (of hash, fake, mask and
 * redact) that some kept cell equals, trimmed, and returns the scan's share
 * of the pass over `input` (the published input rows); undefined when
 * nothing is kept.
 */
export async function residualPass(
  scan: ResidualScan,
  header: readonly string[],
  input: string,
  exec: (sql: string) => Promise<unknown>,
  readAll: (sql: string) => Promise<unknown[][]>,
): Promise<ResidualPass | undefined> {
  const { kept, protect } = columnsRead(scan, header);
  if (kept.length === 0) return undefined;
  const col = (index: number) => `i.${inputColumn(index)}`;
  const words = protect.filter((p) => p.byWord);
  const values = words.map((p) => `SELECT ${trim(col(p.index))} AS t FROM ${input} AS i`);
  // The kept cells that are one of the protected values (of 5 to 100 characters as JavaScript counts them: 3 or more
  // code points first, the exact count on the few that match): found once, by a semi-join, and usually none. A cell as
  // it is, and trimmed only if it may need it: a protected value is trimmed, so an untrimmed cell that needed trimming
  // equals none.
  const cells = kept.flatMap((k) => [`SELECT ${col(k)} AS t FROM ${input} AS i`, `SELECT ${trim(col(k))} AS t FROM ${input} AS i WHERE ${maySpace(col(k))}`]);
  if (values.length > 0) {
    await exec(
      `CREATE TEMP TABLE veil_protected AS SELECT t FROM (SELECT DISTINCT c.t FROM (${cells.join(' UNION ALL ')}) AS c SEMI JOIN (SELECT DISTINCT t FROM (${values.join(' UNION ALL ')}) WHERE length(t) BETWEEN 3 AND ${RESIDUAL_MAX_LENGTH}) AS p ON c.t = p.t) WHERE ${jsLength('t')} BETWEEN 5 AND ${RESIDUAL_MAX_LENGTH}`,
    );
  }
  const found = values.length > 0 && Number((await readAll('SELECT count(*) FROM veil_protected'))[0]![0]) > 0;
  const inProtected = (c: string) => `coalesce(${c} IN (SELECT t FROM veil_protected) OR (${maySpace(c)} AND ${trim(c)} IN (SELECT t FROM veil_protected)), false)`;
  // Per row, once: each protected value lower-cased and trimmed, whether it is ASCII, the words of 4 or more of a
  // name-like one; whether each kept cell is one of the protected values (no probe when none is).
  const derived: string[] = [];
  protect.forEach((p, a) => {
    const needle = `lower(${trim(col(p.index))})`;
    derived.push(`${needle} AS veil_pn${a}`, `${ascii(col(p.index))} AS veil_pa${a}`);
    // Words only of a value with a space (the scan looks for the words of names only): NULL otherwise.
    if (p.byWord) derived.push(`CASE WHEN contains(${needle}, ' ') THEN list_filter(string_split_regex(${needle}, '[ -]'), lambda w: length(w) >= 4) END AS veil_pw${a}`);
  });
  kept.forEach((k, j) => {
    const c = col(k);
    derived.push(`${found ? inProtected(c) : 'false'} AS veil_kr${j}`);
    // The whole-cell shape, matched once per cell (1: an SSN, 2: a North American phone, 0: neither), on the cells of
    // their lengths only: an SSN's 11 characters, a phone's 12 (ASCII: as many bytes, which strlen counts without a scan).
    derived.push(`CASE WHEN ${c} IS NULL OR strlen(${c}) NOT IN (11, 12) THEN 0 WHEN regexp_full_match(${c}, '${SSN_SHAPE}') THEN 1 WHEN regexp_full_match(${c}, '${PHONE_SHAPE}') THEN 2 ELSE 0 END AS veil_ks${j}`);
  });
  const protectedArgs = protect.map((p) => toFunction(col(p.index), d));
  const viaScan: string[] = [];
  const native: { column: string; kind: ResidualKind; sql: string }[] = [];
  // The registry's screen (src/detect/index.ts): what any strict kind needs, and what normalizing would change.
  const screen = scan.registry.sqlScreen();
  const patterns = (c: string): string => (screen === undefined ? 'TRUE' : `regexp_matches(${c}, ${d.string(screen)})`);
  // A declared kind may match a cell of the shapes decided here: then every candidate goes to the scan.
  const decided = scan.registry.custom.length === 0;
  // Per kept cell, where a test below needs it (written out in place: a CASE reaches it only for the cells that get
  // that far, where a column of its own would be computed for every cell): whether it is one of the input's protected values or
  // holds the row's own (the whole value, of 5 characters or more, or a word of 4 or more of a name-like value; other
  // than ASCII, always, as the engines' lower cases differ there). NULL: no protected value. A cell is lower-cased only
  // when it is long enough to hold the value: an ASCII cell keeps its bytes when lower-cased, and a cell beyond ASCII
  // goes to the scan whatever this says.
  const owned = kept.map((k, j) => {
    const c = col(k);
    const own = protect.map((p, a) => {
      const byWord = p.byWord ? ` OR (i.veil_pw${a} IS NOT NULL AND list_bool_or(list_transform(i.veil_pw${a}, lambda w: contains(lower(${c}), w))))` : '';
      return `(${col(p.index)} IS NOT NULL AND (NOT i.veil_pa${a} OR CASE WHEN length(i.veil_pn${a}) >= 5 AND strlen(${c}) >= strlen(i.veil_pn${a}) THEN contains(lower(${c}), i.veil_pn${a}) ELSE false END${byWord}))`;
    });
    return `(i.veil_kr${j}${own.map((o) => ` OR ${o}`).join('')})`;
  });
  kept.forEach((k, j) => {
    const c = col(k);
    // A cell that is, whole, one of the shapes below and can hold no protected value: its findings are decided here.
    const plain = `NOT coalesce(${owned[j]!}, true)`;
    if (decided) {
      native.push({ column: header[k]!, kind: 'ssn', sql: `CASE WHEN i.veil_ks${j} = 1 THEN ${plain} AND ${SSN_VALID(c)} ELSE false END` });
      native.push({ column: header[k]!, kind: 'phone', sql: `CASE WHEN i.veil_ks${j} = 2 THEN ${plain} ELSE false END` });
    }
    // Two bytes or more (a cell of one character holds nothing; one of two bytes goes to the scan, which looks again).
    // The cheap tests first: a CASE tests its second condition only on the cells its first leaves (AND and OR test
    // every cell).
    const decidedHere = decided ? ` WHEN CASE WHEN i.veil_ks${j} <> 0 THEN ${plain} ELSE false END THEN 0` : '';
    const candidate = `${patterns(c)} OR NOT ${ascii(c)} OR ${owned[j]!}`;
    viaScan.push(`CASE WHEN ${c} IS NULL OR strlen(${c}) < 2 THEN 0${decidedHere} WHEN ${candidate} THEN veil_residual(${j}, ${toFunction(c, d)}, ${[...protectedArgs, `i.veil_kr${j}`].join(', ')}) ELSE 0 END`);
  });
  return {
    input: `(SELECT i.*, ${derived.join(', ')} FROM ${input} AS i)`,
    calls: `(${viaScan.join(' + ')})`,
    flags: native.map((n) => n.sql),
    take: (counts) => {
      const found = native.map((n, a) => ({ ...n, count: counts[a] ?? 0 })).filter((n) => n.count > 0);
      scan.addFindings(found.map((n) => [n.column, { [n.kind]: n.count }]));
    },
  };
}
