package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quiet logs rotated and gzipped before they reached 256 bytes, counted by an aggregate: each day's rotation counts
 * once, also when two days wrote the same lines, and a rotation that logrotate renamed the next day is not counted
 * again.
 */
class ShortRotationsTest {
    @TempDir
    Path tmp;

    @Test
    void twoShortRotationsWithTheSameLinesAreEachCountedOnceAndARenamedOneIsNotCountedAgain() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String beats = "heartbeat ok\n".repeat(3);
        Path dayOne = ws.input("hb.log.1.gz", Workspace.gzip(beats));
        Files.setLastModifiedTime(dayOne, daysAgo(2));
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source: { files: { path: in, include: "hb.log*", format: text, tail: true } }
                steps:
                  - aggregate: { group_by: [line], measures: { beats: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        run(pipeline).ok();
        assertThat(totals(ws)).containsExactly("heartbeat ok,3");

        // the next day, logrotate shifts hb.log.1.gz to hb.log.2.gz and gzips the day's log, the same three lines
        Files.move(dayOne, ws.in().resolve("hb.log.2.gz"));
        Files.setLastModifiedTime(ws.input("hb.log.1.gz", Workspace.gzip(beats)), daysAgo(1));
        run(pipeline).ok();
        assertThat(totals(ws)).as("both days, each once").containsExactly("heartbeat ok,6");

        run(pipeline).ok();
        assertThat(totals(ws)).as("nothing read again").containsExactly("heartbeat ok,6");
    }

    private static FileTime daysAgo(int days) {
        return FileTime.fromMillis(
                System.currentTimeMillis() - Duration.ofDays(days).toMillis());
    }

    /** The aggregate's totals, without their header line. */
    private static java.util.List<String> totals(Workspace ws) throws Exception {
        java.util.List<String> lines = Files.readAllLines(ws.out().resolve("totals.csv"));
        return lines.subList(1, lines.size());
    }
}
