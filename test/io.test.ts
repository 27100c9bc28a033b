import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv, readJsonl, type InputEvent } from '../src/io/read.js';
import { csvSerializer, jsonlSerializer } from '../src/io/write.js';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ownString } from '../src/lib/own-string.js';
import { REPO } from './helpers.js';

async function readAll(text: string | Buffer, delimiter = ','): Promise<InputEvent[]> {
  const out: InputEvent[] = [];
  for await (const batch of readCsv(Readable.from([text]), { delimiter })) out.push(...batch);
  return out;
}

const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '"', '\n', '\r', '\t', 'é', '💡', '0') });

describe('CSV', () => {
  it('round-trips any values through the writer and the reader, for any delimiter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(',', ';', '\t', '|'),
        fc.integer({ min: 1, max: 5 }).chain((w) => fc.tuple(fc.array(cell.filter((s) => s !== ''), { minLength: w, maxLength: w }), fc.array(fc.array(cell, { minLength: w, maxLength: w }), { maxLength: 5 }))),
        async (delimiter, [header, rows]) => {
          fc.pre(new Set(header).size === header.length);
          // A one-column row holding only an empty value is written as a blank line; keep that case for the dedicated test.
          const s = csvSerializer(delimiter);
          const text = s.header(header) + rows.map((r) => s.row(r)).join('');
          const events = await readAll(text, delimiter);
          expect(events[0]).toEqual({ header });
          expect(events.slice(1).map((e) => ('row' in e ? e.row : null))).toEqual(rows);
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('reports the line each record starts on, across quoted newlines, CRLF and blank lines', async () => {
    const events = await readAll('\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n2,3\n"4\n\n",5\n6,7');
    expect(events).toEqual([
      { header: ['a', 'b'] },
      { row: ['1', 'x\r\ny'], line: 2 },
      { row: ['2', '3'], line: 5 },
      { row: ['4\n\n', '5'], line: 6 },
      { row: ['6', '7'], line: 9 },
    ]);
  });

  it('with one column, a blank line is an empty value, not a lost row', async () => {
    expect(await readAll('zip\n021\n\n9\n')).toEqual([{ header: ['zip'] }, { row: ['021'], line: 2 }, { row: [''], line: 3 }, { row: ['9'], line: 4 }]);
  });

  it('gives coded errors at the line of the broken record, without its content', async () => {
    const problem = async (text: string) => {
      try {
        await readAll(text);
      } catch (e) {
        return (e as { problems: unknown[] }).problems[0];
      }
      return undefined;
    };
    expect(await problem('a,b\n1,2\n3,"SECRET\n4,5\n')).toEqual({ kind: 'input', code: 'CSV_QUOTE_NOT_CLOSED', line: 3 });
    expect(await problem('a,b\n1,"SECRET"x\n')).toEqual({ kind: 'input', code: 'CSV_INVALID_QUOTE', line: 2 });
    expect(await problem('a,b\n1,2,SECRET\n')).toEqual({ kind: 'input', code: 'CSV_FIELD_COUNT', line: 2, expected: '2 fields, found 3' });
    expect(await problem('a,a\n')).toMatchObject({ code: 'INPUT_DUPLICATE_COLUMN', columnName: 'a', columnNumber: 2 });
    expect(await problem('')).toMatchObject({ code: 'CSV_NO_HEADER' });
  });

  it('a ZIP code keeps its leading zero: values stay strings', async () => {
    expect(await readAll('zip\n02139\n')).toEqual([{ header: ['zip'] }, { row: ['02139'], line: 2 }]);
  });
});

describe('JSONL', () => {
  it('reads objects line by line, skipping blank lines, and names bad lines', async () => {
    const read = async (text: string | string[]) => {
      const out = [];
      for await (const batch of readJsonl(Readable.from(Array.isArray(text) ? text : [text]))) out.push(...batch);
      return out;
    };
    const expected = [
      { object: { a: 1 }, line: 1 },
      { object: { a: 'x', n: { k: [1] } }, line: 3 },
    ];
    expect(await read('{"a":1}\n\n{"a":"x","n":{"k":[1]}}\r\n')).toEqual(expected);
    // Any chunking gives the same objects and lines; a BOM and a last line without LF are fine.
    const text = '\uFEFF{"a":1}\n  \n{"a":"x","n":{"k":[1]}}';
    for (let cut = 0; cut <= text.length; cut++) expect(await read([text.slice(0, cut), text.slice(cut)].filter((t) => t !== ''))).toEqual(expected);
    await expect(read('{"a":1}\n{"SECRET"\n')).rejects.toMatchObject({ problems: [{ code: 'JSON_INVALID', line: 2 }] });
    await expect(read('[1]\n')).rejects.toMatchObject({ problems: [{ code: 'JSON_NOT_OBJECT', line: 1 }] });
  });

  it('writes absent values as absent keys and keeps JSON types', () => {
    const s = jsonlSerializer();
    s.header(['a', 'b', 'c']);
    expect(s.row(['x', undefined, { k: [1, null] }])).toBe('{"a":"x","c":{"k":[1,null]}}\n');
    expect(s.row([1, null, true])).toBe('{"a":1,"b":null,"c":true}\n');
  });
});

describe('ownString', () => {
  it('copies the text and does not keep the chunk it was cut from alive', () => {
    for (const v of ['', 'a', 'é日本', 'x'.repeat(12), 'y'.repeat(13), 'z'.repeat(5000)]) expect(ownString(v)).toBe(v);
    // 200 cells cut from 200 chunks of about 1 MB, the chunks then dropped: slices would keep about 200 MB.
    const heapAfter = (copy: string) =>
      Number(
        execFileSync(process.execPath, [
          '--expose-gc',
          '--input-type=module',
          '-e',
          `import { ownString } from ${JSON.stringify(join(REPO, 'dist/lib/own-string.js'))};
           const copy = ${copy}; const kept = [];
           for (let c = 0; c < 200; c++) { const parts = Array.from({ length: 20000 }, (_, i) => 'cell-' + c + '-' + i + '-abcdefghijklmnopqrstuvwxyz-0123456789').join(',').split(','); kept.push(copy(parts[c * 7])); }
           globalThis.gc(); process.stdout.write(String(process.memoryUsage().heapUsed / 1e6 + kept.length * 0));`,
        ]).toString(),
      );
    expect(heapAfter('(s) => s')).toBeGreaterThan(150); // the probe sees retention when there is some
    expect(heapAfter('ownString')).toBeLessThan(30);
  });
});
