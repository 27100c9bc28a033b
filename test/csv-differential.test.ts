// Our CSV parser against csv-parse, the reference: same records, same errors,
// however the input is cut into chunks.

import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../src/io/csv-parser.js';
import { pieces } from '../src/io/pieces.js';

const REFERENCE = { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] };
const ERROR_CODES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'CSV_QUOTE_NOT_CLOSED',
  CSV_INVALID_CLOSING_QUOTE: 'CSV_INVALID_QUOTE',
  INVALID_OPENING_QUOTE: 'CSV_INVALID_QUOTE',
  CSV_INVALID_OPENING_QUOTE: 'CSV_INVALID_QUOTE',
};

type Outcome = { records: string[][] } | { error: string };

function reference(text: string, delimiter: string): Outcome {
  try {
    return { records: parse(text, { ...REFERENCE, delimiter }) as string[][] };
  } catch (e) {
    const code = (e as { code: string }).code;
    return { error: ERROR_CODES[code] ?? code };
  }
}

function ours(text: string, delimiter: string, cuts: readonly number[]): Outcome {
  const parser = new CsvParser(delimiter);
  const records: string[][] = [];
  const sink = (fields: string[]) => void records.push(fields);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const problem = parser.push(text.slice(from, cut), sink);
    if (problem) return { error: problem.code };
    from = cut;
  }
  const problem = parser.push(text.slice(from), sink) ?? parser.end(sink);
  return problem ? { error: problem.code } : { records };
}

const CORPUS: readonly string[] = [
  'a,b\nc,d\n',
  'a,b\nc,d',
  'a,b\r\nc,d\r\n',
  'a,b\r\nc,d\ne,f\n',
  '\uFEFFid,name\n1,Zoë\n',
  'a,b\n"1,2",3\n',
  'a,b\n"say ""hi""",x\n',
  'a,b\n"multi\nline",x\n"crlf\r\ninside",y\r\n',
  'a,b\n,\n,,\n',
  'a,b\n\n\nc,d\n',
  'a\n\n\n',
  'a,b\nx\ry,z\n',
  'a,b\nx,y\r',
  'a,b\n"x",y\r',
  'a,b\n"x"\r,y\n',
  'a,b\n"x"y,z\n',
  'a,b\nx"y,z\n',
  'a,b\n"unterminated,z\n',
  'a,b\n"",""\n',
  '"",""\n',
  '"a"\n"b"',
  'a,b\n"""",x\n',
  'a,b\n"x""",y\n',
  'a,b\n💡,日本語\n',
  'h1,h2,h3\n1,2\n1,2,3,4\n',
  '"',
  '""',
  '"a""',
  ',',
  '\n',
  '\r\n',
];

describe('CSV parser vs csv-parse', () => {
  for (const delimiter of [',', ';', '\t']) {
    it(`agrees on the edge-case corpus (delimiter ${JSON.stringify(delimiter)}), whole and in every two-chunk split`, () => {
      for (const raw of CORPUS) {
        const text = raw.replaceAll(',', delimiter);
        const expected = reference(text, delimiter);
        expect(ours(text, delimiter, []), JSON.stringify(text)).toEqual(expected);
        for (let cut = 1; cut < text.length; cut++) expect(ours(text, delimiter, [cut]), `${JSON.stringify(text)} cut at ${cut}`).toEqual(expected);
      }
    });
  }

  it('agrees on random inputs cut into random chunks', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '\uFEFF'), maxLength: 40 });
    fc.assert(
      fc.property(text, fc.array(fc.nat({ max: 40 }), { maxLength: 4 }), (t, cuts) => {
        expect(ours(t, ',', cuts.filter((c) => c <= t.length))).toEqual(reference(t, ','));
      }),
      { seed: 12, numRuns: 5000 },
    );
  });
});

type Lined = { records: [string[], number][] } | { error: string; line: number };

/** Parses a whole text, or each piece of it on its own, keeping each record's line. */
function parseLined(parts: readonly { text: string; line: number; first: boolean }[], delimiter: string): Lined {
  const records: [string[], number][] = [];
  for (const part of parts) {
    const parser = new CsvParser(delimiter, { line: part.line, midStream: !part.first });
    const sink = (fields: string[], line: number) => void records.push([fields, line]);
    const problem = parser.push(part.text, sink) ?? parser.end(sink);
    if (problem) return { error: problem.code, line: problem.line ?? -1 };
  }
  return { records };
}

async function viaPieces(text: string, delimiter: string, chunks: readonly number[], target: number): Promise<Lined> {
  const bytes = Buffer.from(text, 'utf8');
  const cuts = [...new Set(chunks.filter((c) => c < bytes.length))].sort((a, b) => a - b);
  const arrivals = [0, ...cuts, bytes.length].slice(1).map((end, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1]!, end));
  const parts: { text: string; line: number; first: boolean }[] = [];
  let whole = Buffer.alloc(0);
  for await (const p of pieces(arrivals, 'csv', target)) {
    parts.push({ text: p.bytes.toString('utf8'), line: p.line, first: p.seq === 0 });
    whole = Buffer.concat([whole, p.bytes]);
  }
  expect(whole.equals(bytes)).toBe(true); // nothing lost, nothing repeated
  return parseLined(parts, delimiter);
}

describe('pieces: record-aligned cuts for parsing in parallel', () => {
  it('parsing the pieces one by one gives the records, lines and errors of parsing the whole (corpus, every target)', async () => {
    for (const raw of [...CORPUS, 'h\n"a\nb"\n"c""\nd"\ne\n', 'h,i\n"x\n\ny",1\r\n"",2\n3,"4\n5"\n']) {
      const expected = parseLined([{ text: raw, line: 1, first: true }], ',');
      for (let target = 1; target <= Buffer.byteLength(raw) + 1; target++) {
        expect(await viaPieces(raw, ',', [], target), `${JSON.stringify(raw)} target ${target}`).toEqual(expected);
      }
    }
  });

  it('agrees on random inputs, random arrivals and random targets', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'é', '💡'), maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat({ max: 80 }), { maxLength: 5 }), fc.integer({ min: 1, max: 20 }), async (t, chunks, target) => {
        expect(await viaPieces(t, ',', chunks, target)).toEqual(parseLined([{ text: t, line: 1, first: true }], ','));
      }),
      { seed: 13, numRuns: 3000 },
    );
  });
});
