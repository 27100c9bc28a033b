import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonRow, sparseHeader } from '../src/core/pipeline.js';
import { pipelineFor, policyFrom } from './helpers.js';

const POLICY = `version: 1
unlisted: drop
columns:
  id: { transform: hash, length: 16 }
  zip: { transform: generalize, prefix: 3 }
  note: drop
  city: keep
`;

describe('pipeline', () => {
  it('accounts for every row and every value: one output row per input row, changed + unchanged + empty = rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string(), fc.string(), fc.string(), fc.string(), fc.string()), { maxLength: 50 }), async (rows) => {
        const p = await pipelineFor(POLICY, ['id', 'zip', 'note', 'city', 'extra']);
        const out = rows.map((r, i) => p.row(r, i + 2));
        expect(p.outputColumns).toEqual(['id', 'zip', 'city']);
        expect(out).toHaveLength(rows.length);
        expect(p.rowsIn).toBe(rows.length);
        for (const c of p.columns().filter((c) => c.transform !== 'drop')) {
          expect(c.stats.changed + c.stats.unchanged + c.stats.empty, c.name).toBe(rows.length);
        }
        const cities = out.map((r) => r[2]);
        expect(cities).toEqual(rows.map((r) => r[3])); // keep is untouched
      }),
      { seed: 13, numRuns: 100 },
    );
  });

  it('reports every missing and unlisted column at once, before any row', async () => {
    const { policy } = await policyFrom('version: 1\ncolumns:\n  id: keep\n  email: hash\n');
    expect(policy).toBeDefined();
    await expect(pipelineFor('version: 1\ncolumns:\n  id: keep\n  email: hash\n', ['id', 'e_mail', 'ssn'])).rejects.toMatchObject({
      problems: [
        { code: 'COLUMN_MISSING', columnName: 'email', suggestion: 'e_mail' },
        { code: 'COLUMN_UNLISTED', names: ['e_mail', 'ssn'] },
      ],
    });
  });

  it('JSONL: the header is the first record plus the policy columns; absent stays absent', async () => {
    const text = 'version: 1\ncolumns:\n  id: keep\n  email: hash\n';
    const { policy } = await policyFrom(text);
    const { header, nested } = sparseHeader(policy!, { id: 0 }, 1);
    expect([header, nested]).toEqual([['id', 'email'], []]);
    const p = await pipelineFor(text, header, { sparse: true });
    const toRow = jsonRow(policy!, header, nested);
    expect(p.row(toRow({ id: 1 }, 1), 1)).toEqual([1, undefined]);
    expect(() => p.finish()).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'COLUMN_MISSING', columnName: 'email' })] }));
    p.row(toRow({ id: 2, email: 'a@b.c' }, 2), 2);
    expect(() => p.finish()).not.toThrow();
    expect(() => toRow({ id: 3, ssn: 'x' }, 3)).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'COLUMN_UNLISTED', line: 3 })] }));
  });
});
