package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * logrotate's {@code copytruncate}: the log is copied to its rotation, then truncated in place. Lines the writer
 * appends between the copy and the truncation are in the live log only; a scan that reads them there has read the log
 * further than its rotation goes. The rotation (named by {@code rotated}, or gzipped) is then shorter than what was
 * read of its log: it holds nothing new, and must not be taken for a truncated log and read again from its start.
 */
class CopyTruncateTest {
    @TempDir
    Path tmp;

    private static String lines(String day, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) b.append(day).append(" line ").append(i).append(" ok\n");
        return b.toString();
    }

    /**
     * Two logs whose first 256 bytes are the same (a banner) are one log to tail: the first in path order is read, the
     * other skipped. Each range is read from the file it was planned in, not from the other (here the banner of two
     * nodes' logs; during a copytruncate, the copy and the live log).
     */
    @Test
    void ofTwoLogsWithTheSameFirstBytesTheOnePlannedIsTheOneRead() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String banner = "service starting, version 1.0, configuration follows\n".repeat(6);
        ws.input("node-a.log", banner + "node a ok\n".repeat(4));
        ws.input("node-b.log", banner + "node b ok\n".repeat(4));
        Path p = ws.pipeline("""
                pipeline: twins
                source: { files: { path: in, include: "*.log", format: text, tail: true } }
                steps:
                  - aggregate: { group_by: [line], measures: { lines: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        run(p).ok();
        assertThat(totals(ws))
                .containsExactlyInAnyOrder("node a ok,4", "\"service starting, version 1.0, configuration follows\",6");
    }

    @ParameterizedTest(name = "gzipped: {0}")
    @ValueSource(booleans = {false, true})
    void aRotationCopiedBeforeTheLiveLogsLastLinesWereReadIsNotReadAgain(boolean gzipped) throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path live = ws.input("app.log", lines("2026-11-20", 0, 20));
        Path p = ws.pipeline("""
                pipeline: copies
                source:
                  files: { path: in, include: "app.log*", format: text, tail: true, rotated: "app.log.[0-9]*", settle: 1ms }
                steps:
                  - aggregate: { measures: { lines: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        run(p).ok();
        assertThat(totals(ws)).containsExactly("20");

        // copytruncate: the copy, then lines appended to the live log, read by a scan before the truncation
        Path copy = Files.copy(live, ws.in().resolve("app.log.1"));
        Files.setLastModifiedTime(copy, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(live, lines("2026-11-20", 20, 25), StandardOpenOption.APPEND);
        run(p).ok();
        assertThat(totals(ws)).containsExactly("25");

        Files.writeString(live, lines("2026-11-21", 0, 20), StandardOpenOption.TRUNCATE_EXISTING);
        if (gzipped) { // logrotate's compress, without delaycompress
            Path gz = Files.write(ws.in().resolve("app.log.1.gz"), Workspace.gzip(Files.readString(copy)));
            Files.setLastModifiedTime(gz, Files.getLastModifiedTime(copy));
            Files.delete(copy);
        }
        run(p).ok();
        assertThat(totals(ws)).as("the new day's 20 lines, the copy not again").containsExactly("45");
        run(p).ok();
        assertThat(totals(ws)).containsExactly("45");
    }

    private static List<String> totals(Workspace ws) throws Exception {
        List<String> lines = Files.readAllLines(ws.out().resolve("totals.csv"));
        return lines.subList(1, lines.size());
    }
}
