#!/usr/bin/env node
// The baseline veil is compared with: a plain csv-parse -> csv-stringify
// round trip of the same file (arrays, no transform), streamed.
//   node test/bench/roundtrip.mjs FILE > /dev/null

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

await pipeline(createReadStream(process.argv[2]), parse(), stringify(), process.stdout);
