package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * logrotate's {@code copytruncate}: the log is copied to its rotation, then truncated in place. Until the truncation,
 * the copy and the live log are two files with the same first bytes: one log, read from the live file.
 */
class CopyTruncateTest {
    @TempDir
    Path tmp;

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

    private static List<String> totals(Workspace ws) throws Exception {
        List<String> lines = Files.readAllLines(ws.out().resolve("totals.csv"));
        return lines.subList(1, lines.size());
    }
}
