package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice head}: the rows a run would write for the next split, through the same reader and steps, writing nothing. */
class HeadTest {
    @TempDir
    Path dir;

    private Workspace ws;

    @BeforeEach
    void input() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.csv", "id,region,amount\n1,eu,10\n2,us,\n3,eu,30\n4,ap,40\n5,eu,50\n");
    }

    private Path pipeline(String steps) throws Exception {
        return ws.pipeline("""
                pipeline: head
                source: { files: { path: in } }
                steps:
                %s
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 0 } }
                """.formatted(steps.indent(2)));
    }

    @Test
    void showsTheFirstRowsTheStepsMakeAndWritesNothing() throws Exception {
        Path p = pipeline(
                "- sql: SELECT id, upper(region) AS region, amount * 2 AS doubled FROM input WHERE amount IS NOT NULL");
        CliRun head = sluice("head", p.toString(), "-n", "2").ok();
        assertThat(head.out().lines().toList())
                .containsExactly(
                        "head: split a.csv; the first rows the sink would get, nothing written:",
                        "id  region  doubled",
                        "--  ------  -------",
                        "1   EU      20",
                        "3   EU      60");
        assertThat(ws.out()).as("no output written").doesNotExist();
        JsonNode counts = CliRun.status(p).get("counts");
        counts.forEach(n -> assertThat(n.asLong())
                .as("nothing registered in the ledger: " + counts)
                .isZero());

        run(p).ok();
        assertThat(ws.outputRows("id, region, doubled", "parquet"))
                .containsExactly("1|EU|20", "3|EU|60", "4|AP|80", "5|EU|100");
        assertThat(sluice("head", p.toString()).ok().out())
                .contains(
                        "nothing to show: no split waits and a run now would plan none: 1 input(s) already processed");
    }

    @Test
    void anAggregateShowsThisSplitsTotals() throws Exception {
        Path p = pipeline("- aggregate: { group_by: [region], measures: { total: sum(amount), lines: count(*) } }");
        assertThat(sluice("head", p.toString())
                        .ok()
                        .out()
                        .lines()
                        .skip(3)
                        .sorted()
                        .toList())
                .containsExactly("ap      40     1", "eu      90     3", "us      NULL   1");
    }

    /** A split that died, sent back by `retry`, then checked with head once its step is fixed. */
    @Test
    void showsASplitLeftPendingByAnEarlierRun() throws Exception {
        Path broken = pipeline("- sql: SELECT id, CAST(region AS INTEGER) AS region FROM input");
        assertThat(run(broken).code()).isEqualTo(1);
        sluice("retry", broken.toString()).ok();
        Path fixed = pipeline("- sql: SELECT id, region FROM input ORDER BY id");
        assertThat(sluice("head", fixed.toString(), "-n", "1")
                        .ok()
                        .out()
                        .lines()
                        .toList())
                .containsExactly(
                        "head: split a.csv; the first rows the sink would get, nothing written:",
                        "id  region",
                        "--  ------",
                        "1   eu");
        assertThat(CliRun.status(fixed).get("counts").get("pending").asLong()).isEqualTo(1);
    }

    @Test
    void saysWhenThereIsNothingToShow() throws Exception {
        Files.delete(ws.in().resolve("a.csv"));
        CliRun r = sluice("head", pipeline("- sql: SELECT * FROM input").toString())
                .ok();
        assertThat(r.out()).contains("head: nothing to show: the source has no input");
        assertThat(sluice(
                                "head",
                                "-n",
                                "0",
                                pipeline("- sql: SELECT * FROM input").toString())
                        .err())
                .contains("-n must be at least 1");
    }

    @Test
    void aStepErrorIsReported() throws Exception {
        CliRun r = sluice("head", pipeline("- sql: SELECT nope FROM input").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("nope");
    }

    /** An input not settled yet: head names the option that decides when it is read, with its value. */
    @Test
    void anInputStillBeingWrittenIsSaidWithTheSettleThatDecidesWhenItIsRead() throws Exception {
        Path p = ws.pipeline("""
                pipeline: head
                source: { files: { path: in, settle: 2h } }
                sink: { files: { path: out, format: parquet } }
                """);
        assertThat(sluice("head", p.toString()).ok().out())
                .contains("head: nothing to show: 1 input(s) still being written (source.files.settle is 2h: "
                        + "a file is read once it has not changed for that long); try again in a moment");
    }
}
