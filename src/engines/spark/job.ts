// `veil spark-job`: the policy as a PySpark script that a Spark user runs
// with the tools they have: `spark-submit job.py INPUT OUTPUT`. One of two
// routes, chosen when the job is written, never both for one row:
//   - Spark SQL: a policy that the Spark dialect spells exactly (keep, drop,
//     redact, mask, hash with every normalizer, generalize by prefix, and
//     k-anonymity in three steps), compiled by the same compiler as DuckDB's
//     (../sql/). The script derives the subkeys on the driver at run time
//     from VEIL_KEY or VEIL_KEY_FILE (the same derivation as src/lib/key.ts:
//     HMAC(key, "veil/v1/<purpose>/<domain>")), and hands their padded
//     halves to Spark as a one-row DataFrame of binary columns: no key,
//     subkey or pad is in the script or in the SQL text. Spark does hold them
//     as the data of that small relation, which its UI and event logs can
//     show (docs/engines.md says what to restrict).
//   - veil on the executors: every other policy (fake, scrub, noise,
//     randomized response, the other generalizations, date-shift, row rules,
//     declared types, and the residual-PII check of kept columns). Each
//     partition's rows go through `veil apply --engine stream` on the
//     executor that holds them (the manner of RDD.pipe), so that no transform
//     is written twice; its keyed transforms make the partitions agree with
//     each other and with the streaming engine. The executors read the key
//     from the cluster's secret store (a file shipped with --files, or their
//     environment), never from the script, its arguments or Spark's plans,
//     and the partitions' reports are merged into one.
// Splitting one row between the two routes would gain nothing: scrub's own
// values and the residual check need the row's raw protected values in veil
// anyway. k-anonymity over columns Spark SQL cannot spell is refused, with a
// coded error (its three steps are Spark SQL's).

import { VeilError, type UsageProblem } from '../../lib/errors.js';
import type { Policy } from '../../policy/load.js';
import type { JsonPath } from '../../lib/json-paths.js';
import { compileSelect, outputColumn, outputSelect } from '../sql/compile.js';
import { spark } from '../sql/dialect.js';
import { basename } from 'node:path';

export interface SparkJobInput {
  readonly policy: Policy;
  readonly header: readonly string[];
  /** The header's columns that are fields of Parquet structs, as paths (read by path, written nested again to Parquet). */
  readonly nested?: readonly JsonPath[];
  readonly policyPath: string;
  readonly policySha256: string;
  readonly version: string;
  /** Kept columns published without the residual-PII check (named by the user). */
  readonly withoutResidualCheck: boolean;
  /** The policy's text, which veil reads on the executors (the route of veil's own engine). */
  readonly policyText: string;
  /** The columns veil writes, in order (compilePipeline's). */
  readonly outputColumns: readonly string[];
  /** The files the policy names (lists, hierarchies), as it names them: shipped with --files, never written into the job. */
  readonly policyFiles: readonly string[];
}

/** Why the job runs veil's own engine on the executors, or undefined: Spark SQL runs the policy. */
function route(i: SparkJobInput): { because: string } | { compiled: ReturnType<typeof compileSelect> } {
  const model = i.policy.kAnonymity;
  let compiled: ReturnType<typeof compileSelect>;
  try {
    compiled = compileSelect(i.policy, i.header, spark, { functions: false, kAnonymity: true });
  } catch (e) {
    const engine = e instanceof VeilError ? e.problems.find((p): p is UsageProblem => p.code === 'USAGE_ENGINE') : undefined;
    if (!engine) throw e;
    if (model) {
      throw new VeilError({ ...engine, detail: `${engine.detail ?? ''} (the spark job runs k-anonymity in Spark SQL alone: with k_anonymity, every column must be one that Spark SQL spells)` });
    }
    return { because: (engine.detail ?? '').replace(/^the spark engine does not run (.*?)(?: yet: run it with --engine stream)?$/, '$1') };
  }
  const kept = compiled.columns.filter((c) => c.kept && !model?.quasiIdentifiers.includes(c.name)).map((c) => c.name);
  if (kept.length > 0 && !i.withoutResidualCheck && !model) return { because: `the residual-PII check of the columns it publishes as they are (${kept.join(', ')})` };
  return { compiled };
}

const py = (value: unknown): string => JSON.stringify(value);

export function sparkJob(i: SparkJobInput): string {
  const chosen = route(i);
  const veil = 'because' in chosen ? chosen : undefined;
  const compiled = 'compiled' in chosen ? chosen.compiled : undefined;
  const model = compiled ? i.policy.kAnonymity : undefined;
  const shipped = i.policyFiles.map((f) => basename(f));
  const expression = (name: string): string => {
    const c = compiled!.columns.find((x) => x.name === name);
    if (!c) throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `the spark job does not run k_anonymity over a dropped column (${name})` });
    return `coalesce(${c.sql}, '')`;
  };
  const qis = model ? model.quasiIdentifiers.map(expression) : [];
  const sensitive = model?.lDiversity ? expression(model.lDiversity.sensitive) : undefined;
  const keys = compiled && compiled.keys.length > 0 ? ' CROSS JOIN veil_keys AS k' : '';
  // Phase 1: the combinations with their rows, in the order of their first rows (values after a '.', never empty in CSV).
  const counts = model
    ? `SELECT ${[...qis, ...(sensitive ? [sensitive] : [])].map((e, j) => `concat('.', ${e}) AS ${j < qis.length ? `q${j}` : 's'}`).join(', ')}, count(*) AS n, min(i.veil_row) AS veil_first\nFROM (SELECT *, monotonically_increasing_id() AS veil_row FROM veil_input) AS i${keys}\nGROUP BY ${[...qis.map((_, j) => `q${j}`), ...(sensitive ? ['s'] : [])].join(', ')}\nORDER BY veil_first`
    : '';
  // Published as they are (the quasi-identifiers are generalized by their classes).
  const kept = compiled ? compiled.columns.filter((c) => c.kept && !model?.quasiIdentifiers.includes(c.name)).map((c) => c.name) : [];
  if (kept.length > 0 && !i.withoutResidualCheck) {
    throw new VeilError({
      kind: 'usage',
      code: 'USAGE_ENGINE',
      detail: `the spark job cannot run the residual-PII check of the columns it publishes as they are (${kept.join(', ')}) with k-anonymity, whose steps are Spark SQL's: check them with veil first, then pass --without-residual-check`,
    });
  }
  let select = '';
  let selectNested = '';
  if (compiled) {
    // Phase 2 (or the only one): each row's values; with k-anonymity, its quasi-identifiers as its class publishes them.
    const published = new Map(model ? model.quasiIdentifiers.map((n, j) => [n, `substring(c.o${j}, 2)`]) : []);
    const join = model ? ` JOIN veil_classes AS c ON ${qis.map((e, j) => `concat('.', ${e}) = c.q${j}`).join(' AND ')}` : '';
    // The input's columns are named by position (veil_c0...), the published ones too, then by their names as written:
    // flat for CSV, nested again under their structs for Parquet.
    const rows = `SELECT\n  ${compiled.columns.map((c, j) => `${published.get(c.name) ?? c.sql} AS ${outputColumn(j)}`).join(',\n  ')}\nFROM veil_input AS i${keys}${join}${model ? "\nWHERE c.keep = '1'" : ''}`;
    const names = compiled.columns.map((c) => c.name);
    select = `SELECT ${outputSelect(names, [], spark)}\nFROM (${rows}) AS o`;
    selectNested = `SELECT ${outputSelect(names, i.nested ?? [], spark)}\nFROM (${rows}) AS o`;
  }
  const paths = new Map((i.nested ?? []).map((p) => [p.join('.'), p]));
  const how = veil
    ? `# This policy runs on veil's own streaming engine, on the executors, for ${veil.because}:
# each partition's rows go through \`veil apply --engine stream\` where they are. Ship veil and name it:
#
#   spark-submit --archives veil.tar.gz#veil-dist --files /secrets/veil.key${shipped.map((f) => `,${f}`).join('')} job.py INPUT OUTPUT \\
#     --veil 'node veil-dist/bin/veil.js' --key-from-files veil.key [--partitions N] [--report FILE] [--fail-on-pii]
#
# or, where the executors' image holds veil and their environment the key (spark.executorEnv.VEIL_KEY_FILE):
#
#   spark-submit${shipped.length > 0 ? ` --files ${shipped.join(',')}` : ''} job.py INPUT OUTPUT --veil veil${shipped.length > 0 ? `
#
# The policy names files (${i.policyFiles.join(', ')}): ship each with --files; the job puts them where the policy names them.` : ''}
#
# INPUT: a CSV (with a header) or Parquet path or table path; OUTPUT: a folder Spark writes (flat columns, as text).
# The key is read by veil on each executor, from the file shipped with --files (--key-from-files NAME) or from
# the executors' VEIL_KEY_FILE or VEIL_KEY: never from this script, its arguments or Spark's plans.`
    : `# The policy compiled to Spark SQL. Run it where your data is:
#
#   VEIL_KEY_FILE=/secrets/veil.key spark-submit job.py INPUT OUTPUT [--format csv|parquet] [--delimiter ,] [--explain]${model ? `
#
# This policy asks for k-anonymity (k=${model.k}): three steps. The counts and the classes file hold
# quasi-identifier values of the input: keep them where the input is kept, and remove them after.
#   spark-submit job.py INPUT COUNTS --counts
#   veil k-classes --policy ${i.policyPath} --counts COUNTS -o classes.csv
#   spark-submit job.py INPUT OUTPUT --classes classes.csv` : ''}
#
# INPUT: a CSV (with a header) or Parquet path or table path; OUTPUT: a folder Spark writes.
# The key is read on the driver from VEIL_KEY_FILE (a file, one trailing newline ignored) or VEIL_KEY;
# it is never written into this script or into SQL text.${kept.length > 0 ? `\n# Published as they are WITHOUT the residual-PII check (waived with --without-residual-check): ${kept.join(', ')}.` : ''}`;
  return `#!/usr/bin/env python3
# Generated by veil ${i.version} from ${i.policyPath} (sha256 ${i.policySha256}).
${how}
import argparse, hashlib, hmac, json, os, sys

VERSION = ${py(i.version)}
POLICY_SHA256 = ${py(i.policySha256)}
COLUMNS = ${py(i.header)}
# Where each column is read from in Parquet: its path, a struct's field by field.
PATHS = ${py(i.header.map((h) => paths.get(h) ?? [h]))}
KEY_SLOTS = ${py(compiled ? compiled.keys.map((k) => [k.purpose, k.domain]) : [])}
# The queries, as string literals (JSON's escapes are Python's).
SELECT = ${py(select)}
SELECT_PARQUET = ${py(selectNested)}
K_ANONYMITY = ${model ? 'True' : 'False'}
COUNTS = ${py(counts)}
QUASI_IDENTIFIERS = ${py(model?.quasiIdentifiers ?? [])}
# veil's own engine on the executors: the policy it reads (not a secret: the policy names no key), and what it writes.
ON_EXECUTORS = ${veil ? 'True' : 'False'}
POLICY = ${py(veil ? i.policyText : '')}
# The files the policy names, as it names them; each shipped with --files under its last name.
POLICY_FILES = ${py(veil ? i.policyFiles : [])}
OUTPUT_COLUMNS = ${py(veil ? i.outputColumns : [])}
${PYTHON}`;
}

const PYTHON = `

def secret():
    path = os.environ.get("VEIL_KEY_FILE")
    if path:
        with open(path, "rb") as f:
            key = f.read()
        key = key[:-2] if key.endswith(b"\\r\\n") else key[:-1] if key.endswith(b"\\n") else key
    elif os.environb.get(b"VEIL_KEY") is not None:
        key = os.environb[b"VEIL_KEY"]
    else:
        sys.exit("veil job: no key: set VEIL_KEY_FILE (or VEIL_KEY)")
    if len(key) < 16:
        sys.exit("veil job: the key is too short: expected at least 16 bytes")
    return key


def padded(key, purpose, domain):
    sub = hmac.new(key, ("veil/v1/%s/%s" % (purpose, domain)).encode("utf-8"), hashlib.sha256).digest()
    block = sub.ljust(64, b"\\0")
    return bytearray(b ^ 0x36 for b in block), bytearray(b ^ 0x5C for b in block)


def on_executors(spark, df, args):
    """Each partition's rows through veil apply --engine stream on its executor; returns the rows and the reports."""
    import shlex
    from pyspark.accumulators import AccumulatorParam
    from pyspark.sql.types import StringType, StructField, StructType

    class ByPartition(AccumulatorParam):
        # One report per partition, by its index: a task run again replaces its report, it does not add a second.
        def zero(self, value):
            return {}

        def addInPlace(self, a, b):
            a.update(b)
            return a

    reports = spark.sparkContext.accumulator({}, ByPartition())
    command = shlex.split(args.veil)
    shipped = args.key_from_files
    fail_on_pii = args.fail_on_pii
    policy_text, policy_files, columns, output_columns = POLICY, POLICY_FILES, COLUMNS, OUTPUT_COLUMNS

    def run(index, rows):
        import csv, io, subprocess, tempfile, threading
        # The key as the executor has it: the file shipped with --files, or its environment (which veil reads itself).
        if shipped:
            from pyspark import SparkFiles
            key = ["--key-file", SparkFiles.get(shipped)]
        elif os.environ.get("VEIL_KEY_FILE"):
            key = ["--key-file", os.environ["VEIL_KEY_FILE"]]
        else:
            key = []
        with tempfile.TemporaryDirectory(prefix="veil-partition-") as tmp:
            policy = os.path.join(tmp, "policy.yaml")
            with open(policy, "w", encoding="utf-8") as f:
                f.write(policy_text)
            for name in policy_files:
                from pyspark import SparkFiles
                at = os.path.join(tmp, name)
                os.makedirs(os.path.dirname(at), exist_ok=True)
                os.symlink(SparkFiles.get(os.path.basename(name)), at)
            report = os.path.join(tmp, "report.json")
            argv = command + ["apply", "-", "--policy", policy, "--engine", "stream", "--threads", "1", "-o", "-", "--report", report, "-q"] + key + (["--fail-on-pii"] if fail_on_pii else [])
            with open(os.path.join(tmp, "stderr"), "w+b") as err:
                p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
                problem = []

                def feed():
                    # Written by a thread of its own while the rows come back (as RDD.pipe does), so that neither pipe fills.
                    try:
                        with io.TextIOWrapper(p.stdin, encoding="utf-8", newline="") as w:
                            out = csv.writer(w, lineterminator="\\n")
                            out.writerow(columns)
                            for row in rows:
                                out.writerow(["" if v is None else v for v in row])
                    except BrokenPipeError:
                        pass
                    except Exception as e:
                        problem.append(e)

                t = threading.Thread(target=feed, daemon=True)
                t.start()
                reader = csv.reader(io.TextIOWrapper(p.stdout, encoding="utf-8", newline=""))
                header = next(reader, None)
                for row in reader:
                    yield row
                t.join()
                code = p.wait()
                err.seek(0)
                # veil's messages name files, lines and columns, never a cell's value.
                if code != 0:
                    raise RuntimeError("veil job: veil apply exited %d on partition %d: %s" % (code, index, err.read().decode("utf-8", "replace")[-4000:]))
                if problem:
                    raise problem[0]
                if header is not None and header != output_columns:
                    raise RuntimeError("veil job: veil wrote other columns than the job expects on partition %d" % index)
            with open(report, encoding="utf-8") as f:
                reports.add({index: json.load(f)})

    schema = StructType([StructField(c, StringType()) for c in output_columns])
    return spark.createDataFrame(df.rdd.mapPartitionsWithIndex(run), schema), reports


def merged(parts):
    """The partitions' reports as one: rows and removals summed, residual findings summed, warnings once each."""
    rows = {"in": 0, "out": 0, "removed": {}}
    findings, checked, warnings, fail_on_pii = {}, None, [], False
    for _, r in sorted(parts.items()):
        rows["in"] += r["rows"]["in"]
        rows["out"] += r["rows"]["out"]
        for reason, n in r["rows"].get("removed", {}).items():
            rows["removed"][reason] = rows["removed"].get(reason, 0) + n
        residual = (r.get("privacy") or {}).get("residual_pii")
        if residual:
            checked, fail_on_pii = residual["checked_columns"], residual["fail_on_pii"]
            for column, kinds in residual["findings"].items():
                into = findings.setdefault(column, {})
                for kind, n in kinds.items():
                    into[kind] = into.get(kind, 0) + n
        for w in r.get("warnings", []):
            # The residual check's warning counts one partition's findings: said once below, for all of them.
            if not w.startswith("the residual-PII check found") and w not in warnings:
                warnings.append(w)
    privacy = {}
    if checked is not None:
        total = sum(n for kinds in findings.values() for n in kinds.values())
        privacy["residual_pii"] = {"checked_columns": checked, "findings": findings, "total": total, "fail_on_pii": fail_on_pii}
        if total > 0:
            said = "; ".join("%s (%s)" % (c, ", ".join("%s %d" % kv for kv in k.items())) for c, k in findings.items())
            warnings.append("the residual-PII check found personal data in published columns: %s; they were published as they are" % said)
    return rows, privacy, warnings


def main():
    ap = argparse.ArgumentParser(description="veil policy job")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--format", choices=["csv", "parquet"], default=None)
    ap.add_argument("--delimiter", default=",")
    ap.add_argument("--explain", action="store_true", help="print Spark's plans of the query instead of writing")
    ap.add_argument("--counts", action="store_true", help="k-anonymity, phase 1: write the quasi-identifier combinations with their rows to OUTPUT (for veil k-classes)")
    ap.add_argument("--classes", help="k-anonymity, phase 2: the classes file veil k-classes wrote")
    ap.add_argument("--report", help="write the rows read, written and removed (JSON) to this file")
    ap.add_argument("--veil", default="veil", help="veil's command on the executors (veil's own engine): veil on their PATH, or 'node veil-dist/bin/veil.js' shipped with --archives")
    ap.add_argument("--key-from-files", help="the name of the key file shipped with spark-submit --files (veil's own engine); else the executors' VEIL_KEY_FILE or VEIL_KEY")
    ap.add_argument("--fail-on-pii", action="store_true", help="fail the job when the residual-PII check finds personal data (veil's own engine)")
    ap.add_argument("--partitions", type=int, help="spread the rows over this many partitions first (veil's own engine; a CSV is read as one partition per file): a shuffle, whose files hold the input's values")
    args = ap.parse_args()
    if K_ANONYMITY and not (args.counts or args.classes):
        sys.exit("veil job: the policy asks for k-anonymity: run --counts, then veil k-classes, then --classes FILE (see the header)")
    if ON_EXECUTORS and (args.counts or args.classes):
        sys.exit("veil job: --counts and --classes are the steps of k-anonymity, which this policy does not ask for")
    fmt = args.format or ("parquet" if args.input.rstrip("/").endswith((".parquet", ".pq")) else "csv")
    from pyspark.sql import SparkSession
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    # Names as written: Diagnosis and diagnosis are two columns, as they are to veil.
    spark = SparkSession.builder.appName("veil").config("spark.sql.caseSensitive", "true").getOrCreate()
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType
    if fmt == "csv":
        # Every column as text, RFC 4180 quoting, values as written (no trimming, no inference).
        schema = StructType([StructField(c, StringType()) for c in COLUMNS])
        df = (spark.read.option("header", True).option("multiLine", True).option("quote", '"').option("escape", '"')
              .option("sep", args.delimiter).option("mode", "FAILFAST").option("enforceSchema", False)
              .option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False).schema(schema).csv(args.input))
        if df.columns != COLUMNS:
            sys.exit("veil job: the input's columns are not those the policy was compiled for: %s" % ", ".join(df.columns))
        df = df.toDF(*["veil_c%d" % j for j in range(len(COLUMNS))])
    else:
        df = spark.read.parquet(args.input)
        cols = []
        for j, path in enumerate(PATHS):
            c = F.col(".".join("\`%s\`" % p.replace("\`", "\`\`") for p in path))
            kind = df.select(c).schema.fields[0].dataType
            # A struct, list or map kept whole is its JSON text, as veil reads it.
            cols.append((F.to_json(c) if isinstance(kind, (StructType, ArrayType, MapType)) else c.cast("string")).alias("veil_c%d" % j))
        df = df.select(cols)
    # The rows read and written, counted in the same pass as the output (Spark's observed metrics), not by reading it back.
    from pyspark.sql import Observation
    seen_in, seen_out = Observation("veil_rows_in"), Observation("veil_rows_out")
    reports = None
    if ON_EXECUTORS:
        # veil counts the rows each partition reads; Spark, those written.
        out, reports = on_executors(spark, df.repartition(args.partitions) if args.partitions else df, args)
    else:
        df = df.observe(seen_in, F.count(F.lit(1)).alias("rows"))
        df.createOrReplaceTempView("veil_input")
        if KEY_SLOTS:
            key = secret()
            values, fields = [], []
            for n, (purpose, domain) in enumerate(KEY_SLOTS):
                inner, outer = padded(key, purpose, domain)
                values += [inner, outer]
                fields += [StructField("k%d_i" % n, BinaryType()), StructField("k%d_o" % n, BinaryType())]
            spark.createDataFrame([tuple(values)], StructType(fields)).createOrReplaceTempView("veil_keys")
        if args.counts:
            (spark.sql(COUNTS).coalesce(1).write.mode("errorifexists").option("header", True).option("quote", '"').option("escape", '"')
             .option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False).csv(args.output))
            spark.stop()
            return
        if args.classes:
            n = len(QUASI_IDENTIFIERS)
            schema = StructType([StructField("q%d" % j, StringType()) for j in range(n)] + [StructField("keep", StringType())] + [StructField("o%d" % j, StringType()) for j in range(n)])
            classes = spark.read.option("header", True).option("quote", '"').option("escape", '"').option("multiLine", True).schema(schema).csv(args.classes)
            from pyspark.sql.functions import broadcast
            broadcast(classes).createOrReplaceTempView("veil_classes")
        out = spark.sql(SELECT_PARQUET if fmt == "parquet" else SELECT)
    out = out.observe(seen_out, F.count(F.lit(1)).alias("rows"))
    if args.explain:
        out.explain(mode="extended")
        spark.stop()
        return
    writer = out.write.mode("errorifexists")
    if fmt == "csv":
        (writer.option("header", True).option("quote", '"').option("escape", '"').option("sep", args.delimiter)
         .option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False).csv(args.output))
    else:
        writer.parquet(args.output)
    rows_out = seen_out.get["rows"]
    privacy, warnings = None, []
    if reports is not None:
        rows, privacy, warnings = merged(reports.value)
        rows_in = rows["in"]
        # Fail closed: the partitions' reports must count what Spark wrote.
        if rows["out"] != rows_out:
            sys.exit("veil job: the partitions' reports count %d rows out, and Spark wrote %d" % (rows["out"], rows_out))
    else:
        rows_in = seen_in.get["rows"]
        rows = {"in": rows_in, "out": rows_out, "removed": {"k_anonymity": rows_in - rows_out} if rows_in != rows_out else {}}
    if args.report:
        # What the job counted, and nothing it did not: on Spark SQL, the residual-PII check and the column counts are veil's (veil apply).
        report = {"tool": {"name": "veil", "version": VERSION}, "command": "spark-job", "policy_sha256": POLICY_SHA256,
                  "engine": {"name": "spark", "version": spark.version, "rows_by": "veil on the executors" if reports is not None else "spark sql"},
                  "output": {"path": args.output, "format": fmt}, "rows": rows}
        if privacy:
            report["privacy"] = privacy
        if reports is not None:
            report["warnings"] = warnings
            report["partitions"] = len(reports.value)
        with open(args.report, "w") as f:
            f.write(json.dumps(report, indent=2) + "\\n")
    for w in warnings:
        print("veil job: warning: " + w, file=sys.stderr)
    print(json.dumps({"veil_job": "done", "output": args.output, "rows_in": rows_in, "rows_out": rows_out}), file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
`;
