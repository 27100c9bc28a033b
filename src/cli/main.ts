// The command line: commander wires flags to the commands; this file owns the
// one exit point and turns problems into text on stderr and an exit code.

import { Command, CommanderError, Option } from 'commander';
import { VeilError } from '../lib/errors.js';
import { TRANSFORMS } from '../transforms/index.js';
import { policySchema } from '../policy/json-schema.js';
import { runApply, type ApplyFlags } from './apply.js';
import { runCheck, type CheckFlags } from './check.js';
import { runHash, type HashFlags } from './hash.js';
import { runReport, type ReportFlags } from './report.js';
import { runScan, type ScanFlags } from './scan.js';
import { runValidate, type ValidateFlags } from './validate.js';
import { runInit, type InitFlags } from './init.js';
import { runSparkJob, type SparkJobFlags } from './spark-job.js';
import { runKClasses, type KClassesFlags } from './k-classes.js';
import { EXIT, EXIT_HELP, exitCodeOf } from './exit-codes.js';
import { problemText, type Where } from './messages.js';
import { VERSION } from './version.js';
import { isStopping, removeTemporaryFiles, stopWork, sweepOrphans } from '../io/files.js';
import { tmpdir } from 'node:os';

const APPLY_EXAMPLE = `
Example:
  export VEIL_KEY=$(cat ~/.veil-key)
  veil apply patients.csv --policy policy.yaml -o safe.csv --report report.json
  cat patients.jsonl | veil apply --policy policy.yaml > safe.jsonl

The key for hash, fake and date-shift comes from --key-file or VEIL_KEY
(its bytes as written, at least 128 bits: openssl rand -hex 32); it is never
printed or written to the report.

${EXIT_HELP}`;

const ENCODING_HELP = "the input's encoding: utf-8 (default), latin1 or cp1252 (Excel on Windows), converted as read";

/** How scan and init read an input they know nothing of: its delimiter, encoding and format. */
function withTextInput(command: Command): Command {
  return command
    .option('--delimiter <char>', 'CSV delimiter (default , or tab for .tsv)')
    .option('--encoding <name>', ENCODING_HELP)
    .addOption(new Option('--input-format <format>', 'input format').choices(['csv', 'jsonl']));
}

/** The process's standard streams and environment, as the commands take them. */
const streams = () => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function program(onCode: (code: number) => void, where: Where): Command {
  const veil = new Command('veil')
    .description('Anonymize CSV and JSONL exports with a YAML policy, for training sets that are safe to share.')
    .version(VERSION)
    .addHelpText('after', `\n${EXIT_HELP}`)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`veil: ${text}`) })
    .showSuggestionAfterError(true);

  veil
    .command('apply')
    .description('apply a policy to a CSV or JSONL input and write the anonymized data (and a privacy report)')
    .argument('[input]', 'input file (.csv .tsv .jsonl .ndjson, optionally .gz; .parquet; a quoted glob of files), or - for stdin', '-')
    .requiredOption('--policy <file>', 'YAML policy file')
    .option('-o, --output <file>', 'output file (written whole or not at all); default stdout')
    .option('--report <file>', 'write the privacy report (JSON) here')
    .option('--report-html <file>', 'write the privacy report as one self-contained HTML page (summary, charts, the numbers) here')
    .addOption(new Option('--input-format <format>', 'input format (default: from the extension, else csv)').choices(['csv', 'jsonl', 'parquet']))
    .addOption(new Option('--output-format <format>', "output format (default: from the output's extension, else the input's)").choices(['csv', 'jsonl', 'parquet']))
    .addOption(new Option('--engine <engine>', 'stream (CSV, JSON Lines, stdin) or duckdb (Parquet, globs of Parquet or CSV files, every core); default: duckdb for those, else stream').choices(['stream', 'duckdb']))
    .option('--delimiter <char>', 'CSV input delimiter (default , or tab for .tsv; \\t for tab)')
    .option('--encoding <name>', ENCODING_HELP)
    .option('--output-delimiter <char>', "CSV output delimiter (default: the input's)")
    .option('--seed <n>', 'seed for randomized transforms (reproducible runs; not secure)')
    .option('--key-file <file>', 'read the secret key from this file instead of VEIL_KEY')
    .option('--allow-demo-key', 'accept the public demo key (fixtures/demo): for the demo only, never for real data')
    .option('--plan <file>', 'apply a saved k-anonymity recoding plan (from --plan-out) to this input')
    .option('--utility', 'measure what the anonymization cost (utility section of the report, on a sample of 10,000 rows); implied by --report-html and --utility-target')
    .option('--utility-target <column>', 'in the report: accuracy of a model predicting this column, trained on the input and on the output (on the utility sample)')
    .option('--utility-pairs <pairs>', 'in the report: the associations of these column pairs, a:b,c:d (default: all pairs of the first 8 comparable columns)')
    .option('--plan-mode <mode>', 'with --plan: enforce (default: k and l hold on this input, else suppress or fail) or featurize (map every row to its class or the nearest, enforce nothing: for test splits and model inputs that are not released)')
    .option('--plan-out <file>', 'write the k-anonymity recoding plan (JSON) here')
    .option('--fail-on-pii', 'exit 1 (and write nothing) when the residual-PII check finds personal data in published columns')
    .option('--rejects <file>', 'with on_invalid: quarantine, write the rows that break their declared types here (JSONL)')
    .option('--escape-formulas', "CSV output: write cells that start with = + - @ (and are not numbers) after a single quote, so that a spreadsheet does not run them")
    .option('--threads <n>', 'worker threads that transform the rows (default: one per core, at most 4; 1: none); the output is the same bytes')
    .option('--memory <size>', "duckdb engine: cap its data, DuckDB's and veil's own (400MB, 2GB; also VEIL_DUCKDB_MEMORY); default: DuckDB's limit is 2GB, veil's tables follow the policy")
    .option('-q, --quiet', 'no summary line on stderr')
    .addHelpText('after', APPLY_EXAMPLE)
    .action(async (input: string, flags: ApplyFlags) => {
      where.policyFile = flags.policy;
      where.inputFile = input === '-' ? '<stdin>' : input;
      onCode(await runApply(input, flags, streams()));
    });

  veil
    .command('spark-job')
    .description('write the policy as a PySpark job for spark-submit (Spark SQL, or veil on the executors for what Spark SQL cannot spell): the key is read when it runs, never written into it')
    .requiredOption('--policy <file>', 'YAML policy file')
    .option('--columns <names>', "the input's columns, comma-separated, in order")
    .option('--header-from <file>', "read the input's columns from this file (CSV header or Parquet schema)")
    .option('--delimiter <char>', 'the CSV delimiter of --header-from (default , or tab for .tsv)')
    .option('-o, --output <file>', 'write the job here (default stdout)')
    .option('--without-residual-check', 'publish kept columns without the residual-PII check, in Spark SQL alone (else the job runs the check with veil on the executors)')
    .addHelpText('after', `
Example:
  veil spark-job --policy policy.yaml --header-from sample.csv -o job.py
  VEIL_KEY_FILE=/secrets/veil.key spark-submit job.py s3://bucket/export.parquet s3://bucket/safe/ --format parquet
  # a policy that needs JavaScript (fake, scrub, noise...): run on the executors, the key shipped with --files
  spark-submit --archives veil.tar.gz#veil-dist --files /secrets/veil.key job.py IN OUT --veil 'node veil-dist/bin/veil.js' --key-from-files veil.key

${EXIT_HELP}`)
    .action(async (flags: SparkJobFlags) => {
      where.policyFile = flags.policy;
      onCode(await runSparkJob(flags, streams()));
    });

  veil
    .command('k-classes')
    .description("k-anonymity on Spark, the middle step: the classes of the combinations the job's --counts phase counted, for its --classes phase")
    .requiredOption('--policy <file>', 'the policy the job was made from')
    .requiredOption('--counts <path>', "the folder (or file) the job's --counts phase wrote")
    .requiredOption('-o, --output <file>', 'the classes file (readable by its owner only: it holds quasi-identifier values)')
    .option('--report <file>', 'write the k-anonymity section (JSON) here')
    .option('--plan-out <file>', 'write the recoding plan (JSON) here')
    .action(async (flags: KClassesFlags) => {
      where.policyFile = flags.policy;
      where.inputFile = flags.counts;
      onCode(await runKClasses(flags, streams()));
    });

  veil
    .command('check')
    .description('measure a file against k-anonymity (and l-diversity) for CI: exit 0 when met, 1 when not')
    .argument('[inputs...]', 'input files (one verdict each), or - for stdin (the default)')
    .option('--qi <columns>', 'quasi-identifier columns, comma-separated')
    .option('--k <n>', 'every combination of quasi-identifiers must be shared by at least n rows')
    .option('--l <n>', 'l-diversity: each class needs l well-represented values of --sensitive')
    .option('--sensitive <column>', 'the sensitive column for l-diversity')
    .addOption(new Option('--l-variant <variant>', 'l-diversity variant').choices(['distinct', 'entropy', 'recursive']))
    .option('--c <c>', 'the c of recursive (c, l)-diversity')
    .option('--risk-threshold <p>', 'count records whose re-identification risk exceeds p (default 0.2)')
    .option('--policy <file>', "take the requirement from the policy's k_anonymity section")
    .option('--json', 'print the measures as JSON (the report section)')
    .option('--report <file>', 'write a JSON report')
    .option('--show-violations <n>', 'print the quasi-identifier values of up to n violating classes (they identify people)')
    .option('--delimiter <char>', "CSV delimiter (default: the policy's input.delimiter, else , or tab for .tsv)")
    .option('--encoding <name>', ENCODING_HELP)
    .addOption(new Option('--input-format <format>', 'input format').choices(['csv', 'jsonl', 'parquet']))
    .option('-q, --quiet', 'print no verdict: the exit code says it')
    .addHelpText('after', `
Example:
  veil apply export.csv --policy policy.yaml -o safe.csv && veil check safe.csv --policy policy.yaml
  veil check -q out/*.csv --policy policy.yaml     # one verdict per file, exit 1 if one is not met
  veil check export.csv --qi age,zip,sex --k 5 --l 2 --sensitive diagnosis

${EXIT_HELP}`)
    .action(async (inputs: string[], flags: CheckFlags) => {
      const files = inputs.length === 0 ? ['-'] : inputs;
      where.inputFile = files[0] === '-' ? '<stdin>' : files[0]!;
      if (flags.policy !== undefined) where.policyFile = flags.policy;
      onCode(await runCheck(files, flags, streams(), where));
    });

  withTextInput(
    veil
      .command('scan')
      .description('report what each column holds (personal data, role, type) from a sample; optionally write a draft policy')
      .argument('[input]', 'input file, or - for stdin', '-')
      .option('--sample <rows>', 'rows to read (default 10000; 0 for all)')
      .option('--json', 'print the findings as JSON')
      .option('--policy-out <file>', 'write a commented draft policy that veil apply runs')
      .option('--recognizers <file>', 'a YAML file of recognizers: (the policy syntax) whose kinds the scan reports too, and the draft carries')
      .addOption(new Option('--preset <name>', 'the draft extends a preset and leaves it the columns it recognizes').choices(['hipaa-safe-harbor'])),
  )
    .addHelpText('after', `
Example:
  veil scan patients.csv --policy-out draft.yaml && veil apply patients.csv --policy draft.yaml -o safe.csv

${EXIT_HELP}`)
    .action(async (input: string, flags: ScanFlags) => {
      where.inputFile = input === '-' ? '<stdin>' : input;
      onCode(await runScan(input, flags, streams()));
    });

  veil
    .command('report')
    .description('render a JSON report (from apply --report) as one self-contained HTML page that works offline')
    .argument('<report>', 'the JSON report')
    .option('-o, --output <file>', 'the HTML file (written whole or not at all); default stdout')
    .addHelpText('after', `
Example:
  veil report report.json -o report.html

${EXIT_HELP}`)
    .action(async (input: string, flags: ReportFlags) => {
      onCode(await runReport(input, flags, streams()));
    });

  veil
    .command('hash')
    .description("print the pseudonym veil's hash gives a column for each line of stdin (to make forget lists)")
    .requiredOption('--column <name>', 'the column whose hash transform to use')
    .option('--policy <file>', "take the column's hash options (domain, normalize, length) from this policy")
    .option('--domain <name>', 'hash domain (default: the column name)')
    .option('--normalize <how>', 'none, email, trim, lowercase or digits')
    .option('--length <n>', 'hex characters, 16 to 64 (default 32)')
    .option('--key-file <file>', 'read the secret key from this file instead of VEIL_KEY')
    .option('--allow-demo-key', 'accept the public demo key (fixtures/demo): for the demo only')
    .addHelpText('after', `
Example:
  veil hash --column email --policy policy.yaml < forget-emails.txt > forget.txt
  # policy.yaml: rows: { forget: { column: email, list: forget.txt, match: hash } }

${EXIT_HELP}`)
    .action(async (flags: HashFlags) => {
      if (flags.policy !== undefined) where.policyFile = flags.policy;
      onCode(await runHash(flags, { ...streams(), stdin: process.stdin }));
    });

  veil
    .command('clean')
    .description('remove the temporary files of veil runs that were killed (spools of raw input, unfinished outputs), and print their paths')
    .argument('[dirs...]', 'folders that outputs were written to, besides the temporary folder', [])
    .addHelpText('after', `
A run removes its temporary files when it ends, fails or gets a signal; a run
killed with SIGKILL, or whose machine stopped, cannot. Each apply removes what
such runs left in the temporary folder and beside its own targets; this command
does it for the temporary folder and the folders given. Only files named as veil
names them, owned by you, of a process that no longer exists, are removed.

Example:
  veil clean exports/
`)
    .action(async (dirs: string[]) => {
      for (const dir of [tmpdir(), ...dirs]) for (const path of await sweepOrphans(dir)) process.stdout.write(`${path}\n`);
      onCode(EXIT.OK);
    });

  withTextInput(
    veil
      .command('init')
      .description("write a commented starter policy from an input's header: a transform per column guessed from its name, to review")
      .argument('[input]', 'input file, or - for stdin', '-')
      .option('-o, --output <file>', 'write the policy here (default: stdout); never overwrites without --force')
      .option('--force', 'replace an existing policy file'),
  )
    .addHelpText('after', `
Example:
  veil init export.csv -o policy.yaml && veil validate policy.yaml
  veil scan export.csv --policy-out draft.yaml     # a draft from the values instead

${EXIT_HELP}`)
    .action(async (input: string, flags: InitFlags) => {
      where.inputFile = input === '-' ? '<stdin>' : input;
      onCode(await runInit(input, flags, streams()));
    });

  veil
    .command('validate')
    .description('check policies without data or a key: every problem with its line, exit 0 when all are valid, 2 otherwise')
    .argument('<policy...>', 'policy files')
    .option('-q, --quiet', 'say nothing of a valid policy')
    .addHelpText('after', `
Example:
  veil validate policy.yaml examples/*/policy.yaml

${EXIT_HELP}`)
    .action(async (paths: string[], flags: ValidateFlags) => {
      onCode(await runValidate(paths, flags, streams()));
    });

  veil
    .command('schema')
    .description("print the policy's JSON Schema, for editors: completion of keys and transforms, typos underlined")
    .addHelpText('after', `
Example:
  veil schema > policy.schema.json
  # then, first line of a policy: # yaml-language-server: $schema=./policy.schema.json
`)
    .action(() => {
      process.stdout.write(`${JSON.stringify(policySchema(), null, 2)}\n`);
      onCode(EXIT.OK);
    });

  veil
    .command('transforms')
    .description('list the column transforms a policy can use, with an example of each')
    .action(() => {
      const width = Math.max(...TRANSFORMS.map((t) => t.name.length));
      for (const t of TRANSFORMS) {
        process.stdout.write(`${t.name.padEnd(width)}  ${t.summary}\n${' '.repeat(width)}  e.g. ${t.example}\n`);
      }
      onCode(EXIT.OK);
    });
  // A required option is checked after the unknown ones (commander checks it first), so that a
  // typo (--polcy) is named as a typo, with its suggestion, not as a missing --policy.
  for (const command of veil.commands) {
    const required = command.options.filter((o) => o.mandatory);
    for (const o of required) o.mandatory = false;
    if (required.length === 0) continue;
    command.hook('preAction', (c) => {
      const missing = required.find((o) => c.getOptionValue(o.attributeName()) === undefined);
      if (missing) c.error(`error: required option '${missing.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
    });
  }
  return veil;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.OK;
  const where: Where = { policyFile: 'policy', inputFile: '<stdin>' };
  try {
    await program((c) => (code = c), where).parseAsync(argv as string[]);
  } catch (e) {
    // Work stopped by a signal fails as it stops: the signal's handler gives the exit code.
    if (isStopping()) return code;
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof VeilError) {
      for (const p of e.problems) process.stderr.write(`veil: ${problemText(p, where)}\n`);
      return exitCodeOf(e.problems);
    }
    const errno = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`veil: ${problemText({ kind: 'io', code: 'INTERNAL', ...(errno !== undefined && { errno }) }, where)}\n`);
    if (process.env.VEIL_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    return EXIT.IO;
  }
  return code;
}

/** Process-level wiring: a closed stdout pipe is a normal end; signals remove temporary files. */
export function installProcessHandlers(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    removeTemporaryFiles();
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    process.stderr.write(`veil: ${problemText({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: '<stdout>', errno: e.code ?? 'error' }, { policyFile: 'policy', inputFile: '<stdin>' })}\n`);
    process.exit(EXIT.IO);
  });
  // A signal stops the work in progress (DuckDB's query is interrupted; at most 1.5 s), removes the temporary
  // files and exits 128 + its number. A second signal does not wait.
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
      const end = (): never => {
        removeTemporaryFiles();
        process.exit(code);
      };
      if (signalled) end();
      signalled = true;
      void stopWork(1500).finally(end);
    });
  }
}
