// The layers of src/, checked in CI (`npm run lint:layers`, run by `npm test`):
// each folder imports only the folders below it, so no two folders import
// each other and the folder graph has no cycle. Type-only imports count too:
// a type is a dependency of the design even when the compiler erases it.
//
// From the bottom up: what a newcomer meets going from the input to the output.
const LAYERS = [
  ['lib'], //          pure helpers: errors, keys, dates, numbers, JSON
  ['io', 'detect'], // bytes in and out; the recognizers of personal data
  ['options'], //      the policy's YAML options as each section reads them
  ['transforms'], //   the column transforms
  ['governance', 'privacy'], // row rules, HIPAA, the residual check; k-anonymity, noise
  ['policy'], //       the loaded policy, its schema, drafts from data
  ['core'], //         the pipeline and the k-anonymity stage, the report
  ['utility'], //      what the anonymization cost
  ['report'], //       the report rendered
  ['engines'], //      stream, DuckDB, Spark, SQL
  ['cli'], //          the commands
];

const below = (i) => LAYERS.slice(0, i).flat();

// Inside src/engines/, the seam: the SQL compiler below the engines that run
// SQL; the request and result types (request.ts) below every engine; the
// streaming engine above DuckDB (whose reader and writer it uses for Parquet);
// and only index.ts (which engine runs a request), finish.ts (the report,
// assembled once for every engine) and rows.ts above them all.
const ENGINE_LAYERS = [
  ['sql/'],
  ['request\\.ts', 'warnings\\.ts'],
  ['duckdb/', 'spark/'],
  ['stream/'],
  ['index\\.ts', 'finish\\.ts', 'rows\\.ts'],
];
const engineBelow = (i) => ENGINE_LAYERS.slice(0, i + 1).flat();

module.exports = {
  forbidden: [
    ...LAYERS.flatMap((folders, i) =>
      folders.map((folder) => ({
        name: `layer-${folder}`,
        comment: `src/${folder}/ may import only ${below(i).length > 0 ? below(i).join(', ') : 'nothing else of src/'} (see .dependency-cruiser.cjs)`,
        severity: 'error',
        from: { path: `^src/${folder}/` },
        to: { path: '^src/', pathNot: [`^src/(${[folder, ...below(i), 'types'].join('|')})/`] },
      })),
    ),
    ...ENGINE_LAYERS.map((parts, i) => ({
      name: `engines-${parts[0].replace(/[^a-z]/g, '')}`,
      comment: `src/engines/${parts.join(', ')} may import only src/engines/${engineBelow(i).join(', ')} of the engines (see .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: `^src/engines/(${parts.join('|')})` },
      to: { path: '^src/engines/', pathNot: [`^src/engines/(${engineBelow(i).join('|')})`] },
    })),
    {
      name: 'apply-chooses-only',
      comment: '`veil apply` chooses an engine and nothing else: it reaches the engines through src/engines/index.ts, request.ts and finish.ts, never one engine\'s folder',
      severity: 'error',
      from: { path: '^src/cli/apply\\.ts$' },
      to: { path: '^src/engines/[^/]+/' },
    },
    { name: 'no-circular', severity: 'error', comment: 'files that import each other in a circle', from: { path: '^src/' }, to: { circular: true } },
    { name: 'no-unknown-folder', severity: 'error', comment: 'every folder of src/ has its place in LAYERS', from: { path: '^src/', pathNot: [`^src/(${[...LAYERS.flat(), 'types'].join('|')})/`] }, to: {} },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|test)/' },
  },
};
