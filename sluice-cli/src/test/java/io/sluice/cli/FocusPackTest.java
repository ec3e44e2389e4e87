package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static io.sluice.cli.CliRun.splits;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Monthly CUR 2.0 exports packed into one split (a first run over several months, or a run after a reset), one of them
 * holding a cost the focus step refuses ({@code 12.5 USD}): the bad month ends dead alone with the step's error naming
 * its file, and the other months are converted, each once (a user saw the whole pack fail).
 */
class FocusPackTest {
    private static final Path EXPORTS = Path.of("..", "examples", "focus-aws-cur2", "input");
    private static final String MARCH = "2024-03/cur-00001.csv.gz";
    private static final String APRIL = "2024-04/cur-00001.csv.gz";
    private static final String MAY = "2024-05/cur-00001.csv.gz";

    @TempDir
    Path dir;

    private static String pipeline(String pack, String onBadRecord) {
        return """
                pipeline: focus-pack
                source: { files: { path: in, include: "**/*.csv.gz", pack: %s } }
                steps:
                  - focus: { provider: aws-cur2, validate: true }
                sink:
                  files: { path: out, format: parquet, partition_by: [BillingPeriodStart] }
                run: { parallelism: 1, retries: { max: 1, backoff: 50ms }, on_bad_record: %s }
                """.formatted(pack, onBadRecord);
    }

    /** Whatever becomes of a row that breaks a FOCUS rule, a cost that is not a number fails its export. */
    @ParameterizedTest
    @ValueSource(strings = {"dead_letter", "skip", "fail"})
    void aMonthWithACostTheStepRefusesFailsAloneAndTheMonthsPackedWithItAreConverted(String onBadRecord)
            throws Exception {
        String march = text(EXPORTS.resolve(MARCH));
        String april = text(EXPORTS.resolve(APRIL));
        // a third month: April's rows moved to May
        String may = april.replace("2024-05", "2024-06")
                .replace("2024-04", "2024-05")
                .replace("202404", "202405");

        // what the good months convert to, each export its own split
        Workspace expected = Workspace.in(Files.createDirectories(dir.resolve("expected")));
        expected.input(MARCH, Workspace.gzip(march));
        expected.input(MAY, Workspace.gzip(may));
        run(expected.pipeline(pipeline("{ max_files: 1 }", onBadRecord))).ok();
        List<String> goodRows = expected.outputRows("*", "parquet");
        assertThat(expected.outputRows("DISTINCT BillingPeriodStart", "parquet"))
                .hasSize(2);

        Workspace ws = Workspace.in(Files.createDirectories(dir.resolve("packed")));
        ws.input(MARCH, Workspace.gzip(march));
        ws.input(APRIL, withCost(ws.dir(), april, "12.5 USD"));
        ws.input(MAY, Workspace.gzip(may));
        Path pipeline = ws.pipeline(pipeline("{ max_files: 100 }", onBadRecord));
        assertThat(sluice("plan", pipeline.toString()).ok().out())
                .as("the three exports are one split")
                .contains("pack:" + MARCH + "+2:");

        CliRun r = run(pipeline);

        assertThat(r.code()).as("April is dead: %s", r).isEqualTo(1);
        CliRun.assertSameRows(ws.outputRows("*", "parquet"), goodRows);
        assertThat(r.all())
                .contains("1 of 3 files fail the steps alone (" + APRIL + ": ")
                .contains("(2 files) and " + APRIL + " alone");
        assertThat(splits(pipeline, "done"))
                .singleElement()
                .satisfies(s -> assertThat(s.get("members").asInt()).isEqualTo(2));
        assertThat(splits(pipeline, "dead")).singleElement().satisfies(s -> {
            assertThat(s.get("id").asText()).isEqualTo(APRIL);
            assertThat(s.get("last_error").asText())
                    .contains(APRIL)
                    .contains("line_item_unblended_cost")
                    .contains("12.5 USD")
                    .contains("which is not a decimal number");
        });

        CliRun again = run(pipeline);
        assertThat(again.out()).contains("0 split(s) done");
        CliRun.assertSameRows(ws.outputRows("*", "parquet"), goodRows);
    }

    private static String text(Path gz) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The export, gzipped, with {@code cost} as the unblended cost of its first row (every other value as it was). */
    private static byte[] withCost(Path scratch, String export, String cost) throws Exception {
        Path in = Files.writeString(scratch.resolve("export.csv"), export);
        Path out = scratch.resolve("bad.csv.gz");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            s.execute("COPY (SELECT * EXCLUDE (n) REPLACE (CASE WHEN n = 1 THEN '" + cost
                    + "' ELSE line_item_unblended_cost END AS line_item_unblended_cost) FROM (SELECT *, row_number() "
                    + "OVER () AS n FROM read_csv('" + in + "', all_varchar = true, header = true))) TO '" + out
                    + "' (FORMAT csv, HEADER, COMPRESSION gzip)");
        }
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(in);
        Files.delete(out);
        return bytes;
    }
}
