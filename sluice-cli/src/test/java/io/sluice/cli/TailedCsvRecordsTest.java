package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tailed csv log whose records hold quoted fields with newlines: every record counts once, also when a scan finds
 * one half written (its last newline inside a quoted field: neither the steps' check on a sample nor a range may read
 * it yet) and when the new bytes are cut into byte ranges.
 */
class TailedCsvRecordsTest {
    @TempDir
    Path tmp;

    private static String records(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(i)
                    .append(",\"note ")
                    .append(i)
                    .append(" line one\nline two of ")
                    .append(i)
                    .append("\",1\n");
        }
        return b.toString();
    }

    private static String pipeline(String extra) {
        return """
                pipeline: notes
                source:
                  files: { path: in, include: "*.log", format: csv, tail: true EXTRA}
                steps:
                  - aggregate: { measures: { lines: count(*), total: sum(amount) } }
                sink: { files: { path: out, format: csv } }
                run: { on_bad_record: fail }
                """.replace("EXTRA", extra);
    }

    @Test
    void aRecordHalfWrittenAtAScanIsCountedOnceWhenItEnds() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path log = ws.input("app.log", "id,note,amount\n" + records(0, 10) + "10,\"note 10 line one\n");
        Path p = ws.pipeline(pipeline(""));
        run(p).ok();
        Files.writeString(log, "line two of 10\",1\n" + records(11, 20), StandardOpenOption.APPEND);
        run(p).ok();
        assertThat(ws.outputRows("lines, total", "csv")).containsExactly("20|20");
    }

    @Test
    void newBytesCutIntoRangesAreCutBetweenRecords() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path log = ws.input("app.log", "id,note,amount\n" + records(0, 10));
        Path p = ws.pipeline(pipeline(", split_size: 100B"));
        run(p).ok();
        Files.writeString(log, records(10, 60), StandardOpenOption.APPEND);
        run(p).ok();
        assertThat(ws.outputRows("lines, total", "csv")).containsExactly("60|60");
    }
}
