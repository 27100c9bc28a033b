// Each test file works in a temporary folder of its own: TMPDIR points there
// for the file's process and for every veil it spawns (test/helpers.ts), so
// a test that looks for veil's spools or spill folders in the temporary
// folder sees only its own, however many files run at once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// A worker may run several files: the first one's folder is not the next one's parent.
process.env.VEIL_TEST_TMP_BASE ??= tmpdir();
const dir = mkdtempSync(join(process.env.VEIL_TEST_TMP_BASE, 'veil-tests-'));
process.env.TMPDIR = dir;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
