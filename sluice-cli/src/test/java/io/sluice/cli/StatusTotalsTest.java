package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice status} adds up the done splits: rows in and out, bad records, and when a run last did something. */
class StatusTotalsTest {
    @TempDir
    Path dir;

    @Test
    void statusShowsRowsInAndOutBadRecordsAndTheLastRun() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id,v\n1,10\n2,20\n3,oops,extra\n");
        ws.input("b.csv", "id,v\n4,40\n");
        Path p = ws.pipeline("""
                pipeline: totals
                source: { files: { path: in, pack: { max_files: 1 } } }
                steps: [ { sql: "SELECT * FROM input WHERE id <> 2" } ]
                sink: { files: { path: out, format: parquet } }
                """);
        sluice("plan", p.toString(), "--register").ok(); // splits registered, none done yet
        assertThat(sluice("status", p.toString()).ok().out())
                .contains("rows 0 in, 0 out, 0 bad record(s); no split done yet");

        Instant before = Instant.now();
        run(p).ok();
        assertThat(sluice("status", p.toString()).ok().out())
                .containsPattern(
                        "rows 4 in, 2 out, 1 bad record\\(s\\); last split done \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(.* ago\\)");
        JsonNode totals = CliRun.status(p).get("totals");
        assertThat(totals.get("rows_in").asLong()).isEqualTo(4);
        assertThat(totals.get("rows_out").asLong()).isEqualTo(2);
        assertThat(totals.get("bad_records").asLong()).isEqualTo(1);
        assertThat(Duration.between(
                                before, Instant.parse(totals.get("last_done").asText()))
                        .abs())
                .isLessThan(Duration.ofMinutes(5));
    }
}
