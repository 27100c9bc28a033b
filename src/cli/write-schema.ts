// Writes dist/policy.schema.json (`npm run build`): the schema `veil schema`
// prints, as a file the policies veil writes point their editors at.
//
//   node dist/cli/write-schema.js

import { writeFileSync } from 'node:fs';
import { policySchema, schemaFile } from '../policy/json-schema.js';

writeFileSync(schemaFile(), `${JSON.stringify(policySchema(), null, 2)}\n`);
