package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.focus.validate.Dataset;
import io.sluice.focus.validate.FocusValidator;
import io.sluice.focus.validate.Report;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The focus step inside a real pipeline: files in, FOCUS Parquet out, partitioned by billing period. */
class PipelineRunTest {
    @TempDir
    Path dir;

    static RunSummary run(Path pipelineFile) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(pipelineFile);
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), "test", RunListener.NONE).run();
        }
    }

    private Path pipeline() throws Exception {
        Path cur = Files.createDirectories(dir.resolve("cur/2023-11"));
        Files.copy(Convert.resource("aws-cur/line-types.csv"), cur.resolve("cur-00001.csv"));
        Files.copy(Convert.resource("public/aws-cur-anonymized-1281rows.csv"), cur.resolve("cur-00002.csv"));
        settle(cur);
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: focus-aws
                source:
                  files: { path: cur, include: "**/*.csv", settle: 1ms, pack: { max_files: 1 } }
                steps:
                  - focus: { provider: aws-cur, keep_source_columns: true }
                sink:
                  files: { path: focus, format: parquet, partition_by: [BillingPeriodStart] }
                run: { on_bad_record: fail }
                """);
        return yaml;
    }

    private String output() {
        return "read_parquet('" + dir.resolve("focus") + "/BillingPeriodStart=*/*.parquet', hive_partitioning = true)";
    }

    @Test
    void convertsEveryFileAndPartitionsByBillingPeriod() throws Exception {
        RunSummary first = run(pipeline());
        assertThat(first.dead()).isZero();
        assertThat(first.splitsDone()).isEqualTo(2);
        try (Duck d = new Duck()) {
            assertThat(d.value("SELECT count(*) FROM " + output()))
                    .as("2 unused-commitment rows added, 1 negation dropped")
                    .isEqualTo(15L + 2 - 1 + 1281);
            assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM " + output()))
                    .isEqualByComparingTo(new BigDecimal("906.7000002839").add(new BigDecimal("1.6823086974")));
            assertThat(d.value("SELECT count(*) FROM " + output() + " WHERE \"x_lineItem/LineItemType\" = 'Tax'"))
                    .as("source columns kept as x_<name>")
                    .isEqualTo(13L);
        }
        assertThat(run(dir.resolve("pipeline.yaml")).splitsDone())
                .as("nothing twice")
                .isZero();
        try (Duck d = new Duck();
                Stream<Path> files = Files.walk(dir.resolve("focus"))) {
            List<Path> parquet = files.filter(f ->
                            f.toString().endsWith(".parquet") && !f.toString().contains("_sluice"))
                    .toList();
            Dataset.load(d.c, "written", parquet);
            Report report = new FocusValidator("1.2").validate(d.c, "written", List.of("focus/"), null, List.of());
            assertThat(report.errors()).as(report.render()).isEmpty();
        }
    }

    @Test
    void rowsThatBreakARuleGoToTheDeadLettersOrAreSkipped() throws Exception {
        Path cur = Files.createDirectories(dir.resolve("cur"));
        Files.copy(Convert.resource("aws-cur/line-types.csv"), cur.resolve("cur-00001.csv"));
        settle(cur);
        // a mapping with a defect: tax billed Usage-Based breaks ChargeFrequency-C-003-M
        Files.writeString(dir.resolve("broken.yaml"), """
                extends: aws-cur
                columns:
                  ChargeFrequency: "CASE WHEN line_type = 'Tax' THEN 'Usage-based' ELSE 'One-Time' END"
                """);
        for (String policy : List.of("dead_letter", "skip")) {
            Path yaml = dir.resolve("pipeline-" + policy + ".yaml");
            Files.writeString(yaml, """
                    pipeline: validate-%s
                    source:
                      files: { path: cur, include: "*.csv", settle: 1ms }
                    steps:
                      - focus: { provider: aws-cur, mapping: broken.yaml, validate: true, keep_source_columns: true }
                    sink:
                      files: { path: out-%s, format: parquet }
                    run: { on_bad_record: %s }
                    """.formatted(policy, policy, policy));
            RunSummary summary = run(yaml);
            assertThat(summary.dead()).isZero();
            try (Duck d = new Duck()) {
                String out = "read_parquet('" + dir.resolve("out-" + policy) + "/*.parquet')";
                assertThat(d.value("SELECT count(*) FROM " + out + " WHERE \"x_lineItem/LineItemType\" = 'Tax'"))
                        .as(policy)
                        .isEqualTo(0L);
                assertThat(d.value("SELECT count(*) FROM " + out))
                        .as(policy + ": the valid rows are written")
                        .isEqualTo(15L + 2 - 1 - 1);
                assertThat(summary.rejected()).as(policy).isEqualTo(1L);
                assertThat(summary.rowsOut()).isEqualTo(15L + 2 - 1 - 1);
                Path deadLetters = dir.resolve("out-" + policy).resolve("_dead_letter");
                if (policy.equals("skip")) {
                    assertThat(deadLetters).doesNotExist();
                    continue;
                }
                String dl = "read_json('" + deadLetters + "/*.jsonl')";
                assertThat(d.value("SELECT count(*) FROM " + dl)).isEqualTo(1L);
                assertThat(d.value("SELECT file FROM " + dl)).isEqualTo("cur-00001.csv");
                assertThat((String) d.value("SELECT reason FROM " + dl)).contains("ChargeFrequency-C-003-M");
                assertThat((String) d.value("SELECT record FROM " + dl))
                        .contains("\"ChargeCategory\":\"Tax\"")
                        .doesNotContain("x_ValidationErrors");
            }
        }
        // with fail, the split is dead at once: the same row breaks the rule at every attempt
        Path failing = dir.resolve("pipeline-fail.yaml");
        Files.writeString(
                failing,
                Files.readString(dir.resolve("pipeline-skip.yaml"))
                        .replace("validate-skip", "validate-fail")
                        .replace("out-skip", "out-fail")
                        .replace("on_bad_record: skip", "on_bad_record: fail, retries: { max: 3, backoff: 10ms }"));
        RunSummary failed = run(failing);
        assertThat(failed.dead()).isEqualTo(1);
        assertThat(failed.attemptsFailed()).as("not retried").isEqualTo(1);
    }

    @Test
    void aStepAfterAValidatingFocusStepIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("cur"));
        Path yaml = dir.resolve("after-validate.yaml");
        Files.writeString(yaml, """
                pipeline: after-validate
                source:
                  files: { path: cur, include: "*.csv" }
                steps:
                  - focus: { provider: aws-cur, validate: true }
                  - sql: SELECT * FROM input
                sink:
                  files: { path: out, format: parquet }
                """);
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Assembly.of(p, c, Clock.systemUTC()))
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining(yaml + ":6:")
                .hasMessageContaining("steps[1]")
                .hasMessageContaining("no step may follow a step that rejects rows");
    }

    @Test
    void anExportWithoutARequiredColumnIsRefusedNamingIt() throws Exception {
        Path cur = Files.createDirectories(dir.resolve("cur"));
        List<String> lines = Files.readAllLines(Convert.resource("public/aws-cur-anonymized-1281rows.csv"));
        List<String> header = List.of(lines.getFirst().split(",", -1));
        int cost = header.indexOf("lineItem/UnblendedCost");
        StringBuilder without = new StringBuilder();
        for (String line : lines.subList(0, 3)) {
            List<String> fields = new java.util.ArrayList<>(List.of(line.split(",", -1)));
            fields.remove(cost);
            without.append(String.join(",", fields)).append('\n');
        }
        Files.writeString(cur.resolve("cur.csv"), without);
        settle(cur);
        Path yaml = oneFocusStep("no-cost", "cur", "aws-cur");
        // DuckDB said: Column "lineItem/UnblendedCost" referenced that exists in the SELECT clause - but this column
        // cannot be referenced before it is defined
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(yaml))
                .hasMessageContaining(yaml + ":5:")
                .hasMessageContaining("no column \"lineItem/UnblendedCost\" in the step's input");
    }

    @Test
    void aCostThatIsNotANumberFailsItsSplitNamingTheColumnAndValue() throws Exception {
        Path cur = Files.createDirectories(dir.resolve("cur"));
        // the columns aws-cur requires, one row
        Files.writeString(cur.resolve("cur.csv"), """
                bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,bill/PayerAccountId,lineItem/LineItemType,\
                lineItem/UsageAccountId,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,\
                lineItem/CurrencyCode,lineItem/UnblendedCost
                2023-11-01T00:00:00Z,2023-12-01T00:00:00Z,012345678901,Usage,012345678901,2023-11-01T00:00:00Z,\
                2023-11-01T01:00:00Z,AmazonEC2,USD,12.5 USD
                """);
        settle(cur);
        Path yaml = oneFocusStep("bad-cost", "cur", "aws-cur");
        Failed failed = runFailing(yaml);
        // DuckDB said: Could not convert string "12.5 USD" to DECIMAL(38,12); use TRY_CAST(x AS DECIMAL(38,12)) in the
        // step (which a focus step has no SQL for)
        failed.assertDeadOnce("focus: cur.csv line 2: the export's column "
                + "\"lineItem/UnblendedCost\" holds \"12.5 USD\", which is not a decimal number");
    }

    /**
     * A date Azure's reader cannot read (day first, as a portal download in a European locale writes it) was read
     * as null: the row kept its cost under a null ChargePeriodStart, and under a null BillingPeriodStart where the
     * export has no billing period columns, so it counted in no month, and nothing said so.
     */
    @Test
    void aDateThatIsNotADateFailsItsSplitNamingTheColumnAndValue() throws Exception {
        azureExportFails("bad-date", """
                8611537,09/20/2023,Usage,1.25,USD,1,Virtual Machines
                8611537,21/09/2023,Usage,3.50,USD,1,Virtual Machines
                """)
                .assertDeadOnce("focus: cost.csv line 3: the export's column \"Date\" holds "
                        + "\"21/09/2023\", which is not a date");
    }

    /**
     * The line is where the row starts as an editor counts lines: a quoted value over two lines before it and a blank
     * line move it, as they do in the dead letters. Among several files of a split, the row's own file is named.
     */
    @Test
    void aDateThatIsNotADateIsNamedByItsFileAndLineAmongOtherFiles() throws Exception {
        Path azure = Files.createDirectories(dir.resolve("azure"));
        String header = "BillingAccountId,Date,ChargeType,Cost,BillingCurrency,Quantity,ProductName\n";
        Files.writeString(azure.resolve("a.csv"), header + "8611537,09/20/2023,Usage,1.25,USD,1,Virtual Machines\n");
        Files.writeString(azure.resolve("b.csv"), header + """
                8611537,09/20/2023,Usage,1.25,USD,1,"Virtual
                Machines"

                8611537,09/21/2023,Usage,1.25,USD,1,Storage
                8611537,21/09/2023,Usage,3.50,USD,1,Virtual Machines
                """);
        settle(azure);
        Path yaml = Files.writeString(dir.resolve("packed.yaml"), """
                pipeline: packed
                source:
                  files: { path: azure, include: "*.csv", settle: 1ms, pack: { max_files: 2 } }
                steps:
                  - focus: { provider: azure }
                sink:
                  files: { path: out, format: parquet }
                """);
        Failed failed = runFailing(yaml);
        assertThat(failed.summary().dead()).isEqualTo(1);
        assertThat(failed.errors())
                .first()
                .asString()
                .contains("focus: b.csv line 6: the export's column \"Date\" holds \"21/09/2023\"")
                .doesNotContain("Error:");
    }

    /**
     * A double quote inside a value that is not quoted ({@code 27" Monitor}) is a character of it, as the engine reads
     * it: it opens no quoted value, so the lines after it still start rows.
     */
    @Test
    void aQuoteInsideAnUnquotedValueDoesNotMoveTheLineNamed() throws Exception {
        azureExportFails("quote", """
                8611537,09/20/2023,Usage,1.25,USD,1,27" Monitor
                8611537,09/21/2023,Usage,1.25,USD,1,"Storage, ""hot"" tier"
                8611537,21/09/2023,Usage,3.50,USD,1,Virtual Machines
                8611537,09/22/2023,Usage,1.25,USD,1,Storage
                """)
                .assertDeadOnce("focus: cost.csv line 4: the export's column \"Date\" holds \"21/09/2023\"");
    }

    /**
     * A value that reads like the engine's mark of a row is the export's text, quoted as it is: the row is named by
     * where it was read, not by what it holds.
     */
    @Test
    void aValueLikeTheMarkOfARowIsQuotedAsItIs() throws Exception {
        azureExportFails("mark", """
                8611537,09/20/2023,Usage,1.25,USD,1,Storage
                8611537,<<sluice-record 7:1>>,Usage,3.50,USD,1,Virtual Machines
                """)
                .assertDeadOnce("focus: cost.csv line 3: the export's column \"Date\" holds \"<<sluice-record 7:1>>\"");
    }

    /** A Parquet export has no lines: the row is named by its number in the file. */
    @Test
    void aDateThatIsNotADateInParquetIsNamedByItsRow() throws Exception {
        Path azure = Files.createDirectories(dir.resolve("azure"));
        try (Duck d = new Duck()) {
            d.run("COPY (SELECT * FROM (VALUES ('8611537', '09/20/2023', 'Usage', '1.25', 'USD', '1', 'VM'), "
                    + "('8611537', '09/21/2023', 'Usage', '1.25', 'USD', '1', 'VM'), "
                    + "('8611537', '21/09/2023', 'Usage', '3.50', 'USD', '1', 'VM')) "
                    + "t(BillingAccountId, Date, ChargeType, Cost, BillingCurrency, Quantity, ProductName)) TO '"
                    + azure.resolve("cost.parquet") + "' (FORMAT parquet)");
        }
        settle(azure);
        Path yaml = Files.writeString(dir.resolve("parquet.yaml"), """
                pipeline: parquet
                source:
                  files: { path: azure, include: "*.parquet", settle: 1ms }
                steps:
                  - focus: { provider: azure }
                sink:
                  files: { path: out, format: parquet }
                """);
        runFailing(yaml).assertDeadOnce("focus: cost.parquet row 3: the export's column \"Date\" holds \"21/09/2023\"");
    }

    /** {@code provider: auto}: a row of no known export is named by its line. */
    @Test
    void aRowNoProviderClaimsIsNamedByItsFileAndLine() throws Exception {
        Path in = Files.createDirectories(dir.resolve("mixed"));
        Files.writeString(in.resolve("other.csv"), "name,amount\nbananas,3\n");
        settle(in);
        runFailing(oneFocusStep("auto", "mixed", "auto"))
                .assertDeadOnce("focus (provider: auto): other.csv line 2: a row matches none of the exports");
    }

    /** JSON lines: the line of the record, a blank line counted as an editor counts it. */
    @Test
    void aCostThatIsNotANumberInJsonLinesIsNamedByItsLine() throws Exception {
        Path gcp = Files.createDirectories(dir.resolve("gcp"));
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(Convert.resource("gcp/export.jsonl")));
        lines.set(4, lines.get(4).replace("\"cost\": 0.05", "\"cost\": \"0.05 USD\""));
        lines.add(2, "");
        Files.write(gcp.resolve("export.jsonl"), lines);
        settle(gcp);
        Path yaml = Files.writeString(dir.resolve("jsonl.yaml"), """
                pipeline: jsonl
                source:
                  files: { path: gcp, include: "*.jsonl", format: jsonl, settle: 1ms }
                steps:
                  - focus: { provider: gcp }
                sink:
                  files: { path: out, format: parquet }
                """);
        // a JSON column: its text is quoted
        runFailing(yaml)
                .assertDeadOnce("focus: export.jsonl line 6: the export's column \"cost\" holds \"\"0.05 USD\"\"");
    }

    /** {@code validate: true} with {@code on_bad_record: fail}: the row that breaks a rule is named by its line. */
    @Test
    void aRowThatBreaksAFocusRuleIsNamedByItsFileAndLine() throws Exception {
        Path cur = Files.createDirectories(dir.resolve("cur"));
        Files.copy(Convert.resource("aws-cur/line-types.csv"), cur.resolve("cur.csv"));
        settle(cur);
        Path mapping = Files.writeString(dir.resolve("broken.yaml"), """
                extends: aws-cur
                columns:
                  ChargeFrequency: "CASE WHEN line_type = 'Tax' THEN 'Usage-based' ELSE 'One-Time' END"
                """);
        Path yaml = Files.writeString(dir.resolve("rules.yaml"), """
                pipeline: rules
                source:
                  files: { path: cur, include: "*.csv", settle: 1ms }
                steps:
                  - focus: { provider: aws-cur, validate: true, mapping: %s }
                sink:
                  files: { path: out, format: parquet }
                run: { on_bad_record: fail }
                """.formatted(mapping));
        // the only Tax row of line-types.csv is on its line 11
        runFailing(yaml)
                .assertDeadOnce(
                        "focus validate: cur.csv line 11: a row breaks the FOCUS rule(s) ChargeFrequency-C-003-M "
                                + "(ChargeCategory=Tax");
    }

    /** A pipeline {@code name} of one focus step of {@code provider} over the csv files of {@code folder}, into Parquet. */
    /** A run of the azure step over one export, {@code cost.csv}: its header, then {@code rows}; the run must fail. */
    private Failed azureExportFails(String name, String rows) throws Exception {
        Path azure = Files.createDirectories(dir.resolve("azure"));
        Files.writeString(
                azure.resolve("cost.csv"),
                "BillingAccountId,Date,ChargeType,Cost,BillingCurrency,Quantity,ProductName\n" + rows);
        settle(azure);
        return runFailing(oneFocusStep(name, "azure", "azure"));
    }

    private Path oneFocusStep(String name, String folder, String provider) throws Exception {
        return Files.writeString(dir.resolve(name + ".yaml"), """
                pipeline: %s
                source:
                  files: { path: %s, include: "*.csv", settle: 1ms }
                steps:
                  - focus: { provider: %s }
                sink:
                  files: { path: out, format: parquet }
                """.formatted(name, folder, provider));
    }

    /** A run whose one split dies, and the errors its attempts failed with. */
    private record Failed(RunSummary summary, List<String> errors) {
        void assertDeadOnce(String error) {
            assertThat(summary.dead()).isEqualTo(1);
            assertThat(errors).singleElement().asString().contains(error).doesNotContain("Error:");
            assertThat(summary.attemptsFailed()).as("not retried").isEqualTo(1);
        }
    }

    private static Failed runFailing(Path yaml) throws Exception {
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            RunListener listener = new RunListener() {
                @Override
                public void failed(io.sluice.spi.Claim claim, String error, long retryInMillis) {
                    errors.add(error);
                }
            };
            return new Failed(new LocalRunner(a, Clock.systemUTC(), "test", listener).run(), errors);
        }
    }

    /**
     * AWS rewrites a month's CUR files while the month runs. The rewritten file is new work, and its output replaces
     * the output of its earlier version (in every billing-period partition) instead of being added beside it.
     */
    @Test
    void aRedeliveredFileReplacesItsOutput() throws Exception {
        Path yaml = pipeline();
        run(yaml);
        Path file = dir.resolve("cur/2023-11/cur-00001.csv");
        Files.writeString(file, String.join("\n", Files.readAllLines(file).subList(0, 2)) + "\n");
        settle(file.getParent());
        run(yaml);
        try (Duck d = new Duck()) {
            assertThat(d.value("SELECT count(*) FROM " + output())).isEqualTo(1L + 1281);
        }
    }

    private static void settle(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList())
                Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(10)));
        }
    }
}
