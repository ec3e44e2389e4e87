package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation catches what would fail: a step that does not fit the input's columns is reported at its line by
 * `validate` and before any split of a run; an error that repeats on every attempt is not retried; errors name the
 * input and the step, never Sluice's own SQL; `validate` changes nothing on disk.
 */
class ValidationTest {
    @TempDir
    Path dir;

    private Workspace ws;

    @BeforeEach
    void workspace() throws Exception {
        ws = Workspace.in(dir);
        ws.input("2026/a.csv", "region,amount,ts\neu,1.5,2026-01-01\nus,2.5,2026-01-02\n");
    }

    /** Lines: 5 the first step, 6 the second (when given), then sink and run. */
    private Path pipeline(String steps, String sink) throws Exception {
        return ws.pipeline("""
                pipeline: check
                source:
                  files: { path: in, include: "**/*.csv" }
                steps:
                %ssink:
                  files: { path: out%s }
                run: { retries: { max: 3, backoff: 100ms } }
                """.formatted(steps, sink));
    }

    /** {@code sluice validate}, which must find the pipeline invalid (exit 2); its error output. */
    private static String invalid(Path p) {
        CliRun r = sluice("validate", p.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        return r.err();
    }

    private static void assertNothingRan(Path p) throws Exception {
        JsonNode counts = CliRun.status(p).get("counts");
        for (String state : List.of("pending", "done", "failed", "dead")) {
            assertThat(counts.path(state).asLong()).as(state).isZero();
        }
    }

    // ---- the runner's block ----------------------------------------------------------------------------

    /**
     * {@code run_as_user: 0} under the restricted securityContext (runAsNonRoot) would have every Job's pod refused by
     * the kubelet: validate says so as the controller's start does, naming the option and its line, before anything
     * reaches a cluster; with {@code security_context: none} it is valid.
     */
    @Test
    void validateRefusesRunAsUserZeroUnderARestrictedSecurityContext() throws Exception {
        Path root = kubernetes(IN, "", "    run_as_user: 0\n");
        // before the fix: valid, and refused only when the controller started
        assertThat(invalid(root))
                .contains("run.kubernetes.run_as_user")
                .contains("0 is root, and security_context restricted sets runAsNonRoot: true");

        Path none = kubernetes(IN, "", "    run_as_user: 0\n    security_context: none\n");
        CliRun ok = sluice("validate", none.toString());
        assertThat(ok.code()).as(ok.toString()).isZero();
    }

    /**
     * A pipeline run by {@code run.runner: kubernetes}: {@code files} the files source's options, {@code steps} its
     * steps block ("steps:\n  - ...\n"), and {@code run.kubernetes} followed by {@code kubernetes} (lines indented by
     * 4).
     */
    private Path kubernetes(String files, String steps, String kubernetes) throws Exception {
        return ws.pipeline("""
                pipeline: check
                source:
                  files: { %s }
                %ssink:
                  files: { path: out }
                state: { memory: {} }
                run:
                  runner: kubernetes
                  kubernetes:
                    image: "sluice:test"
                    namespace: data
                %s""".formatted(files, steps, kubernetes));
    }

    /** The files source's options of {@link #kubernetes}'s usual pipeline. */
    private static final String IN = "path: in, include: \"**/*.csv\"";

    /**
     * {@code run.kubernetes.file_server} is checked against the pipeline as the controller's start checks it, so
     * {@code validate} reports what {@code run} would refuse, with the same message, naming the file and the option,
     * and starts no server: inputs the pods would delete (source.files.after), a copy where config_map is mounted, an
     * exec step's image without the file server.
     */
    @Test
    void validateChecksTheFileServerAgainstThePipelineAsRunDoes() throws Exception {
        Path after = kubernetes(IN + ", after: { delete: true }", "", "    file_server: {}\n");
        assertThat(invalid(after)) // before the fix: valid, and refused only when the controller started
                .contains(after.toString())
                .contains("run.kubernetes.file_server: cannot be used with source.files.after: the pods would delete"
                        + " or move their own copies, not the inputs; remove one");

        Path mounted = kubernetes(
                "path: ., include: \"in/*.csv\"",
                "",
                "    config_map: served\n    pipeline_file: /etc/sluice/served.yaml\n    file_server: {}\n");
        assertThat(invalid(mounted))
                .contains("run.kubernetes.file_server: the pods' copy of the source's folder would be /etc/sluice,"
                        + " where config_map is mounted");

        Path image = kubernetes(
                IN,
                "steps:\n  - exec: { image: \"ghcr.io/acme/rebuild:1.4\", command: [rebuild, \"{input}\","
                        + " \"{output_dir}\"] }\n",
                "");
        assertThat(invalid(image))
                .contains("run.kubernetes.file_server: the exec step's image: runs in the Job's pod")
                .contains("set run.kubernetes.file_server");

        Path served = kubernetes(IN, "", "    file_server: {}\n");
        CliRun ok = sluice("validate", served.toString());
        assertThat(ok.code()).as(ok.toString()).isZero();
    }

    // ---- steps checked against the input ---------------------------------------------------------------

    @Test
    void aMisspelledColumnStopsValidateAndRunAtTheStepsLineBeforeAnySplit() throws Exception {
        Path p = pipeline("  - sql: SELECT regoin, amount FROM input\n", ", partition_by: [region]");
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains("invalid pipeline")
                    .contains(p + ":5:")
                    .contains("steps[0].sql: no column \"regoin\" in the step's input (did you mean 'region'?); its "
                            + "columns: region, amount, ts");
        }
        assertNothingRan(p);
    }

    @Test
    void aWrongTableNameAndASyntaxErrorAreNamedAtTheirStep() throws Exception {
        Path table = pipeline("  - sql: SELECT region, amount FROM input\n  - sql: SELECT * FROM inputs\n", "");
        assertThat(invalid(table))
                .contains(table + ":6:")
                .contains("steps[1].sql: no table inputs (did you mean 'input'?)")
                .doesNotContain("pg_tables")
                .doesNotContain("sluice_");

        Path syntax = pipeline("  - sql: SELECT region FORM input\n", "");
        assertThat(invalid(syntax))
                .contains(syntax + ":5:")
                .contains("steps[0].sql: SQL syntax error at or near \"input\" (line 1, column 20 of the step's SQL)")
                .doesNotContain("LINE")
                .doesNotContain("sluice_");

        // the step's own SQL is parsed alone: its wrapping would put the error at FROM
        Path misspelt =
                pipeline("  - sql: |\n      SELECT region\n      FROM input;\n  - sql: SELEC region FROM input\n", "");
        assertThat(invalid(misspelt))
                .contains(misspelt + ":8:")
                .contains("steps[1].sql: SQL syntax error at or near \"SELEC\" (line 1, column 1 of the step's SQL)");
    }

    /**
     * A step is one query. SQL that closes the parenthesis Sluice wraps around it ran statements of its own: validate
     * wrote a file (and said "no table input (did you mean 'input'?)"). Two statements got "syntax error at or near
     * ';'", and so did a query ending in {@code ; -- note}, which runs as written in DuckDB's shell.
     */
    @Test
    void aStepIsOneQueryAndItsSqlCannotCloseTheWrappingAroundIt() throws Exception {
        Path escaped = dir.resolve("escaped.csv");
        Path closes = pipeline(
                "  - sql: \"SELECT * FROM input); COPY (SELECT 42 AS x) TO '" + escaped
                        + "'; SELECT * FROM (SELECT * FROM input\"\n",
                "");
        for (CliRun r : List.of(sluice("validate", closes.toString()), run(closes))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains(closes + ":5:")
                    .contains("steps[0].sql: the `)` at line 1, column 20 of the step's SQL closes a parenthesis it"
                            + " does not open");
        }
        assertThat(escaped).doesNotExist();

        Path two = pipeline("  - sql: \"SELECT * FROM input; SELECT 1 AS x\"\n", "");
        assertThat(invalid(two))
                .contains(two + ":5:")
                .contains("steps[0].sql: a step is one query, and a second statement follows the `;` at line 1, "
                        + "column 20 of the step's SQL");

        Path note = pipeline("  - sql: \"SELECT region, ';' AS semi FROM input; -- the regions\"\n", "");
        CliRun ran = run(note);
        assertThat(ran.code()).as(ran.toString()).isZero();
        assertThat(CliRun.status(note).get("counts").path("done").asLong()).isEqualTo(1);
    }

    /**
     * A step whose result has two columns of one name ({@code SELECT *, upper(region) AS region}, meant to replace the
     * column) stops validate and run at its line. Before, the step's wrapping renamed the second to {@code region_1}:
     * the sink got the untouched {@code region} and a column the step never named, and a run wrote it so.
     */
    @Test
    void aStepReturningTwoColumnsOfOneNameStopsValidateAndRunAtItsLine() throws Exception {
        Path p = pipeline(
                "  - sql: SELECT region, amount FROM input\n  - sql: SELECT *, upper(region) AS Region FROM input\n",
                "");
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains(p + ":6:")
                    .contains("steps[1].sql: the step's result has two columns named \"region\" (columns 1 and 3)")
                    .contains("SELECT * REPLACE (");
        }
        assertNothingRan(p);
    }

    @Test
    void aPartitionColumnTheStepsDoNotProduceIsNamedAtPartitionBy() throws Exception {
        Path p = pipeline("  - sql: SELECT amount, ts FROM input\n", ", partition_by: [region]");
        assertThat(invalid(p))
                .contains(p + ":7:")
                .contains("sink.files.partition_by: no column \"region\"")
                .contains("their columns: amount, ts");
    }

    @Test
    void anAggregateOverAColumnTheInputLacksIsNamedAtTheOptionThatMentionsIt() throws Exception {
        String aggregate = """
                  - aggregate:
                      group_by: [%s]
                      measures: { total: sum(%s) }
                """;
        Path group = pipeline(aggregate.formatted("regoin", "amount"), "");
        assertThat(invalid(group))
                .contains(group + ":6:")
                .contains("steps[0].aggregate.group_by: no column \"regoin\"")
                .contains("did you mean 'region'?");
        Path measure = pipeline(aggregate.formatted("region", "amout"), "");
        assertThat(invalid(measure))
                .contains(measure + ":7:")
                .contains("steps[0].aggregate.measures: no column \"amout\"");
        Path right = pipeline(aggregate.formatted("region", "amount"), ", partition_by: [region]");
        CliRun ok = sluice("validate", right.toString()).ok();
        assertThat(ok.out()).contains("the sink receives region, total");
    }

    @Test
    void jsonLinesAndParsedLogLinesAreCheckedTheWayTheyAreRead() throws Exception {
        ws.input("events.jsonl", "{\"user\": \"a\", \"n\": 1}\n{\"user\": \"b\", \"n\": 2}\n");
        Path json = ws.pipeline("json.yaml", """
                pipeline: json
                source: { files: { path: in, include: "*.jsonl" } }
                steps:
                  - sql: SELECT usr, n FROM input
                sink: { files: { path: out } }
                """);
        assertThat(invalid(json))
                .contains(json + ":4:")
                .contains("no column \"usr\"")
                .contains("did you mean 'user'?");

        ws.input("logs/app.log", "2026-01-01 GET /a 200\n2026-01-01 POST /b 500\n");
        String log = """
                pipeline: logs
                source:
                  files:
                    path: in/logs
                    tail: true
                    parse: { regex: '(?<day>\\S+) (?<method>\\S+) (?<path>\\S+) (?<status>\\d+)', types: { status: int } }
                steps:
                  - sql: SELECT %s, count(*) AS n FROM input GROUP BY ALL
                sink: { files: { path: out-logs } }
                """;
        Path wrong = ws.pipeline("log.yaml", log.formatted("methd"));
        assertThat(invalid(wrong))
                .contains(wrong + ":8:")
                .contains("did you mean 'method'?")
                .contains("its columns: day, method, path, status");
        CliRun right = sluice(
                        "validate",
                        ws.pipeline("log.yaml", log.formatted("method, status")).toString())
                .ok();
        assertThat(right.out()).contains("the sink receives method, status, n");
    }

    @Test
    void aGzippedFirstFileIsCheckedLikeAPlainOne() throws Exception {
        // the sample is decompressed: under a name still ending in .gz, DuckDB would gunzip plain text and the check
        // would be skipped
        Files.delete(ws.in().resolve("2026/a.csv"));
        ws.input("2026/a.csv.gz", Workspace.gzip("region,amount,ts\neu,1.5,2026-01-01\n"));
        ws.input("2026/b.CSV.GZ", Workspace.gzip("region,amount,ts\nus,2.5,2026-01-02\n"));
        String steps = "  - sql: SELECT %s, amount FROM input\n";
        Path p = ws.pipeline("""
                pipeline: check
                source:
                  files: { path: in, include: ["**/*.csv.gz", "**/*.CSV.GZ"] }
                steps:
                %ssink:
                  files: { path: out }
                """.formatted(steps.formatted("regoin")));
        assertThat(invalid(p))
                .contains(p + ":5:")
                .contains("no column \"regoin\" in the step's input (did you mean 'region'?); its columns: region, "
                        + "amount, ts");
        Path right = ws.pipeline("""
                pipeline: check
                source:
                  files: { path: in, include: ["**/*.csv.gz", "**/*.CSV.GZ"] }
                steps:
                %ssink:
                  files: { path: out }
                """.formatted(steps.formatted("region")));
        assertThat(sluice("validate", right.toString()).ok().out())
                .contains("the sink receives region, amount")
                .doesNotContain("not checked");
    }

    @Test
    void emptyFirstFilesAreNoSampleAndTheNextFileIsChecked() throws Exception {
        // a 0-byte .gz has no gzip header to read (its split reports it); a 0-byte .csv has no columns
        ws.input("2026/0.csv.gz", new byte[0]);
        ws.input("2026/0.csv", "");
        Path p = ws.pipeline("""
                pipeline: check
                source:
                  files: { path: in, include: ["**/*.csv", "**/*.csv.gz"] }
                steps:
                  - sql: SELECT regoin, amount FROM input
                sink:
                  files: { path: out }
                """);
        assertThat(invalid(p))
                .contains(p + ":5:")
                .contains("no column \"regoin\" in the step's input (did you mean 'region'?); its columns: region, "
                        + "amount, ts");
    }

    @Test
    void aColumnThatOnlyTheNextFilesHaveIsNoMistake() throws Exception {
        // files packed together are read by column name: the pack of these two has amount and price
        ws.input("2026/b.csv", "region,amount,price\neu,3,9.5\n");
        Path p = pipeline("  - sql: SELECT region, price FROM input\n", "");
        assertThat(sluice("validate", p.toString()).ok().out()).contains("the sink receives region, price");
        assertThat(invalid(pipeline("  - sql: SELECT region, prize FROM input\n", "")))
                .contains("no column \"prize\" in the step's input (did you mean 'price'?)");
    }

    @Test
    void withNoInputYetTheStepsAreNotCheckedAndThatIsNoError() throws Exception {
        Files.delete(ws.in().resolve("2026/a.csv"));
        Path p = pipeline("  - sql: SELECT whatever FROM input\n", "");
        CliRun v = sluice("validate", p.toString()).ok();
        assertThat(v.out())
                .contains("valid")
                .contains("the steps were not checked against the input: no file under " + ws.in() + " yet");
        CliRun r = run(p).ok();
        assertThat(r.err()).contains("the steps were not checked against the input");
    }

    // ---- an include that matches nothing ---------------------------------------------------------------

    @Test
    void anIncludeThatMatchesNothingSaysSoWithTheNearestFilesInPlanRunAndValidate() throws Exception {
        ws.input("2026/b.csv", "region,amount,ts\neu,3,2026-01-03\n");
        ws.input("notes.txt", "not data\n");
        Path p = ws.pipeline("""
                pipeline: nested
                source: { files: { path: in, include: "*.csv" } }
                sink: { files: { path: out } }
                """);
        String said = "source.files.include \"*.csv\" matches no file under " + ws.in()
                + " (it holds 3 other file(s); nearest: 2026/a.csv, 2026/b.csv, notes.txt); `*` stays within one "
                + "folder, so \"*.csv\" does not match 2026/a.csv: write \"**/*.csv\" to read nested folders too";
        assertThat(sluice("plan", p.toString()).ok().out())
                .contains("would process 0 new split(s)")
                .contains(said);
        assertThat(sluice("validate", p.toString()).ok().out()).contains(said);
        CliRun r = run(p).ok();
        assertThat(r.err()).contains(said);
        assertThat(r.err().split(java.util.regex.Pattern.quote(said), -1))
                .as("said once")
                .hasSize(2);
    }

    // ---- failures at run time --------------------------------------------------------------------------

    /** The pack is divided (docs/sources/files.md#a-bad-file-in-a-pack): the file holding the value is dead alone. */
    @Test
    void aValueAStepCannotCastInAPackFailsTheFileThatHoldsItAlone() throws Exception {
        ws.input("a.csv", "id,v\n1,10\n2,20\n");
        ws.input("b.csv", "id,v\n3,30\n4,x4\n");
        ws.input("c.csv", "id,v\n5,50\n");
        Path p = ws.pipeline("""
                pipeline: pack-cast
                source: { files: { path: in, include: "*.csv", pack: { max_files: 10 } } }
                steps:
                  - sql: SELECT id, CAST(v AS VARCHAR) AS v FROM input
                  - sql: SELECT id, CAST(v AS INTEGER) AS v FROM input
                sink: { files: { path: out } }
                run: { parallelism: 1 }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("1 of 3 files fail the steps alone (b.csv: ");
        Map<String, JsonNode> byState = new java.util.TreeMap<>();
        CliRun.status(p)
                .get("splits")
                .forEach(split -> byState.put(split.get("state").asText(), split));
        assertThat(byState).as(r.toString()).containsOnlyKeys("dead", "done");
        assertThat(byState.get("dead").get("id").asText()).isEqualTo("b.csv");
        assertThat(byState.get("dead").get("last_error").asText())
                .contains("Could not convert string 'x4' to INT32")
                .doesNotContain("sluice_src_");
        assertThat(byState.get("done").get("rows_out").asLong())
                .as("a.csv and c.csv")
                .isEqualTo(3);
    }

    @Test
    void aValueAStepCannotCastAndADamagedFileAreDeadAtOnceEachNamingWhatToDo() throws Exception {
        ws.input("a-bad.csv", "id,v\n1,10\n2,abc\n3,30\n");
        StringBuilder rows = new StringBuilder("id,v\n");
        for (int i = 0; i < 5000; i++) rows.append(i).append(',').append(i).append('\n');
        byte[] whole = Workspace.gzip(rows.toString());
        ws.input("b-truncated.csv.gz", java.util.Arrays.copyOf(whole, whole.length / 2));
        Path p = ws.pipeline("""
                pipeline: casts
                source: { files: { path: in, include: "*.csv*", pack: { max_files: 1 } } }
                steps:
                  - sql: SELECT id, v FROM input
                  - sql: |
                      SELECT id, CAST(v AS INTEGER) AS v
                      FROM input
                sink: { files: { path: out } }
                run: { retries: { max: 2, backoff: 100ms } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        Map<String, JsonNode> dead = new LinkedHashMap<>();
        for (JsonNode s : CliRun.status(p).get("splits"))
            if (s.get("state").asText().equals("dead")) dead.put(s.get("id").asText(), s);
        assertThat(dead).containsOnlyKeys("a-bad.csv", "b-truncated.csv.gz");

        JsonNode cast = dead.get("a-bad.csv");
        assertThat(cast.get("attempts").asInt()).as("not retried").isEqualTo(1);
        assertThat(cast.get("last_error").asText())
                .contains("a-bad.csv")
                .contains("step 2 (sql at " + p + ":5)")
                .contains("Could not convert string 'abc' to INT32")
                .contains("use TRY_CAST(v AS INTEGER) in the step to get NULL instead, or fix the input")
                .contains("not retried")
                .doesNotContain("sluice_src_")
                .doesNotContain("LINE");

        // the same bytes fail the same way every time: no retry, and the error says what to do about the file
        JsonNode damaged = dead.get("b-truncated.csv.gz");
        assertThat(damaged.get("attempts").asInt()).as("not retried").isEqualTo(1);
        assertThat(damaged.get("last_error").asText())
                .contains("b-truncated.csv.gz")
                .contains("is damaged or cut short")
                .doesNotContain("sluice_src_");
        assertThat(r.err()).doesNotContain("sluice_src_").doesNotContain("read_csv(");
    }

    // ---- a schedule -------------------------------------------------------------------------------------

    @Test
    void validateAndStatusShowTheNextScheduledRunAndABadScheduleNamesItsField() throws Exception {
        String text = """
                pipeline: nightly
                source:
                  files: { path: in, include: "**/*.csv" }
                sink:
                  files: { path: out }
                run: { mode: watch, schedule: "%s", time_zone: Europe/Paris }
                """;
        Path p = ws.pipeline(text.formatted("30 2 * * *"));
        // 02:30 in Paris, whatever the date and the machine's zone: +01:00 in winter, +02:00 in summer
        String when = "\\d{4}-\\d\\d-\\d\\dT02:30\\+0[12]:00 \\(30 2 \\* \\* \\* in Europe/Paris\\)";
        assertThat(sluice("validate", p.toString()).ok().out()).containsPattern("\n  next run at " + when);
        sluice("plan", p.toString(), "--register").ok(); // the ledger status reads, nothing processed
        assertThat(sluice("status", p.toString()).ok().out()).containsPattern("\n  next run " + when);
        assertThat(CliRun.status(p).get("next_run").asText()).matches("\\d{4}-\\d\\d-\\d\\dT0[01]:30:00Z");

        Path bad = ws.pipeline(text.formatted("30 2 * * SUNDAY"));
        assertThat(invalid(bad))
                .contains(bad + ":6:")
                .contains("run.schedule: `30 2 * * SUNDAY` is not a cron schedule: the day of week field (5th) "
                        + "`SUNDAY` is not a number or a name")
                .contains("day of week 0-6 or SUN-SAT");
    }

    // ---- validate changes nothing on disk --------------------------------------------------------------

    private List<String> tree() throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(f -> dir.relativize(f).toString()).sorted().toList();
        }
    }

    @Test
    void validateCreatesNeitherTheSinkFolderNorTheLedgerAndARunCreatesBoth() throws Exception {
        Path p = pipeline("  - sql: SELECT region, amount FROM input\n", "/parquet");
        List<String> before = tree();
        sluice("validate", p.toString()).ok();
        assertThat(tree()).isEqualTo(before);
        run(p).ok();
        assertThat(ws.out().resolve("parquet")).isDirectory();
        assertThat(dir.resolve(".sluice/check.db")).isRegularFile();
    }

    @Test
    void aMissingFolderAboveTheOutputOutsideThePipelinesFolderIsReportedAsALikelyTypo() throws Exception {
        Workspace inner = Workspace.in(dir.resolve("pipe"));
        inner.input("a.csv", "id\n1\n");
        Path p = inner.pipeline("""
                pipeline: typo
                source: { files: { path: in } }
                sink:
                  files: { path: ../nowhere/deeper/out }
                """);
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains(p + ":4:")
                    .contains("sink.files.path: the folder " + dir.resolve("nowhere") + " does not exist: is "
                            + dir.resolve("nowhere/deeper/out") + " mistyped?");
        }
        assertThat(dir.resolve("nowhere")).doesNotExist();

        // inside the pipeline's folder a deep output folder is created as asked
        Path deep = inner.pipeline(
                "deep.yaml",
                Files.readString(p).replace("../nowhere/deeper/out", "out/a/b").replace("typo", "deep"));
        run(deep).ok();
        assertThat(inner.dir().resolve("out/a/b")).isDirectory();
    }

    // ---- each mistake through the command, in a process of its own --------------------------------------

    @Test
    void eachMistakeGetsItsMessageFromTheCommandInAChildProcess() throws Exception {
        Map<String, String> mistakes = new LinkedHashMap<>();
        String source = "source:\n  files: { path: in }\n";
        mistakes.put(
                "column",
                "pipeline: m\n" + source
                        + "steps:\n  - sql: SELECT amont FROM input\nsink: { files: { path: out } }\n");
        mistakes.put(
                "table",
                "pipeline: m\n" + source + "steps:\n  - sql: SELECT * FROM inputs\nsink: { files: { path: out } }\n");
        mistakes.put(
                "level",
                "pipeline: m\nsource:\n  files: { path: in }\n  include: \"*.csv\"\nsink: { files: { path: out } }\n");
        mistakes.put("dollar", "pipeline: m\n" + source + "sink: { files: { path: $NOPE/out } }\n");
        mistakes.put(
                "partition", "pipeline: m\n" + source + "sink: { files: { path: out, partition_by: [regoin] } }\n");
        // the line, then what follows its column
        Map<String, String> expected = Map.of(
                "column", "5 steps[0].sql: no column \"amont\" in the step's input (did you mean 'amount'?)",
                "table", "5 steps[0].sql: no table inputs (did you mean 'input'?)",
                "level", "4 source.include: `include` is not a kind of source; did you mean source.files.include?",
                "dollar", "4 sink.files.path: $NOPE is not replaced: write ${NOPE} for the environment variable",
                "partition",
                        "4 sink.files.partition_by: no column \"regoin\" in the records the steps give (did you "
                                + "mean 'region'?)");
        List<Process> processes = new ArrayList<>();
        for (var m : mistakes.entrySet()) {
            Path p = ws.pipeline(m.getKey() + ".yaml", m.getValue());
            processes.add(
                    ChildJvm.start(dir.resolve(m.getKey() + ".log"), "io.sluice.cli.Main", "validate", p.toString()));
        }
        int i = 0;
        for (String name : mistakes.keySet()) {
            Process process = processes.get(i++);
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).as(name).isTrue();
            String said = Files.readString(dir.resolve(name + ".log"));
            assertThat(process.exitValue()).as(name + ": " + said).isEqualTo(2);
            String[] lineAndMessage = expected.get(name).split(" ", 2);
            assertThat(said)
                    .as(name)
                    .containsPattern(
                            java.util.regex.Pattern.quote(dir.resolve(name + ".yaml") + ":" + lineAndMessage[0] + ":")
                                    + "\\d+: " + java.util.regex.Pattern.quote(lineAndMessage[1]));
        }
        assertThat(ws.out()).doesNotExist();
        assertThat(dir.resolve(".sluice")).doesNotExist();
    }
}
