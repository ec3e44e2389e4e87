package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    /**
     * A quiet log rotated without compression: with {@code rotated} naming the rotations, each short one is read whole
     * once, and not again when the next rotation renames it (or gzips it, keeping its time); the short live log is not
     * read until it has grown past 256 bytes, then from its start, once. {@code sluice plan} says why the live log waits
     * and names the option.
     */
    @Test
    void aShortPlainRotationNamedByRotatedIsReadOnceAndAShortLiveLogWaitsUntilItGrows() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String beat = "heartbeat ok\n";
        Files.setLastModifiedTime(ws.input("hb.log.1", beat.repeat(3)), daysAgo(2));
        Path live = ws.input("hb.log", beat);
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source:
                  files: { path: in, include: "hb.log*", format: text, tail: true, rotated: "hb.log.[0-9]*" }
                steps:
                  - aggregate: { group_by: [line], measures: { beats: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        run(pipeline).ok();
        assertThat(totals(ws)).as("the rotation, not the short live log").containsExactly("heartbeat ok,3");
        assertThat(CliRun.sluice("plan", pipeline.toString()).ok().out())
                .contains("hb.log")
                .contains("shorter than 256 bytes")
                .contains("source.files.rotated");

        // the next day's rotation: hb.log.1 to hb.log.2 (its time kept), the live log to hb.log.1, a new live log
        Files.move(ws.in().resolve("hb.log.1"), ws.in().resolve("hb.log.2"));
        Files.move(live, ws.in().resolve("hb.log.1"));
        Files.setLastModifiedTime(ws.in().resolve("hb.log.1"), daysAgo(1));
        ws.input("hb.log", beat.repeat(2));
        run(pipeline).ok();
        assertThat(totals(ws))
                .as("the new rotation once, the renamed one not again")
                .containsExactly("heartbeat ok,4");

        // hb.log.2 gzipped as hb.log.3.gz, keeping its time (as gzip does): the same rotation, not read again
        Path two = ws.in().resolve("hb.log.2");
        FileTime twoTime = Files.getLastModifiedTime(two);
        Files.write(ws.in().resolve("hb.log.3.gz"), Workspace.gzip(Files.readString(two)));
        Files.setLastModifiedTime(ws.in().resolve("hb.log.3.gz"), twoTime);
        Files.delete(two);
        run(pipeline).ok();
        assertThat(totals(ws)).containsExactly("heartbeat ok,4");

        // the live log grows past 256 bytes: read from its start, once
        Files.writeString(ws.in().resolve("hb.log"), beat.repeat(23), java.nio.file.StandardOpenOption.APPEND);
        run(pipeline).ok();
        assertThat(totals(ws)).as("25 lines of the live log").containsExactly("heartbeat ok,29");
        run(pipeline).ok();
        assertThat(totals(ws)).as("nothing read again").containsExactly("heartbeat ok,29");
    }

    /**
     * A {@code rotated} glob that also names the live log ({@code "*.log*"}) would read a short live log whole, then
     * again from its start once it passes 256 bytes. It is refused by validate and by every run, before anything is
     * read, naming the option, the glob and the live file; with the rotations named alone, each line is read once.
     */
    @Test
    void aRotatedGlobThatNamesALiveLogIsRefusedAndNothingIsReadTwice() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String beat = "heartbeat ok\n";
        Path live = ws.input("hb.log", beat);
        Files.setLastModifiedTime(live, daysAgo(1)); // quiet for longer than settle, as a live log can be
        String pipelineText = """
                pipeline: beats
                source:
                  files: { path: in, include: "*.log*", format: text, tail: true, rotated: "ROTATED" }
                steps:
                  - aggregate: { group_by: [line], measures: { beats: count(*) } }
                sink: { files: { path: out, format: csv } }
                """;
        Path pipeline = ws.pipeline(pipelineText.replace("ROTATED", "*.log*"));
        CliRun v = CliRun.sluice("validate", pipeline.toString());
        assertThat(v.code()).as(v.toString()).isNotZero();
        assertThat(v.all())
                .contains("source.files.rotated")
                .contains("\"*.log*\"")
                .contains("hb.log,")
                .contains("*.log.[0-9]*");
        CliRun r = run(pipeline);
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all()).contains("source.files.rotated").contains("hb.log,");

        Files.writeString(live, beat.repeat(24), java.nio.file.StandardOpenOption.APPEND);
        Files.setLastModifiedTime(live, daysAgo(1));
        r = run(pipeline);
        assertThat(r.code()).as("still refused once it has grown: " + r).isNotZero();

        Files.writeString(pipeline, pipelineText.replace("ROTATED", "*.log.[0-9]*"));
        run(pipeline).ok();
        assertThat(totals(ws)).as("the live log's 25 lines, once").containsExactly("heartbeat ok,25");
    }

    /**
     * A rotation of 256 bytes or more that {@code rotated} names is finished: its last line, without a newline, is
     * read once it has settled (the live log waited for its newline), and not again when it is gzipped later.
     */
    @Test
    void aLongRotationNamedByRotatedHasItsLastLineWithoutANewlineReadOnce() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String beat = "heartbeat ok\n";
        Path live = ws.input("hb.log", beat.repeat(30) + "last words");
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source:
                  files: { path: in, include: "hb.log*", format: text, tail: true, rotated: "hb.log.[0-9]*" }
                steps:
                  - aggregate: { group_by: [line], measures: { n: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        run(pipeline).ok();
        assertThat(totals(ws)).as("the live log's complete lines").containsExactly("heartbeat ok,30");

        // rotated: renamed, quiet since; its unfinished last line will never get its newline
        Path one = ws.in().resolve("hb.log.1");
        Files.move(live, one);
        Files.setLastModifiedTime(one, daysAgo(1));
        run(pipeline).ok();
        assertThat(totals(ws)).as("the last line, once").containsExactlyInAnyOrder("heartbeat ok,30", "last words,1");
        run(pipeline).ok();
        assertThat(totals(ws)).as("nothing read again").containsExactlyInAnyOrder("heartbeat ok,30", "last words,1");

        // gzipped as hb.log.2.gz, keeping its time: the same log, read to its end already
        Files.write(ws.in().resolve("hb.log.2.gz"), Workspace.gzip(Files.readString(one)));
        Files.setLastModifiedTime(ws.in().resolve("hb.log.2.gz"), Files.getLastModifiedTime(one));
        Files.delete(one);
        run(pipeline).ok();
        assertThat(totals(ws))
                .as("not read again gzipped")
                .containsExactlyInAnyOrder("heartbeat ok,30", "last words,1");
    }

    /**
     * Two nodes' live logs, {@code node-1.log} and {@code node-2.log}, whose names end in a number as a dated rotation's
     * do: a {@code rotated} glob for dated rotations that names them is refused (a short one would be read whole, then
     * again from its start), since no live {@code node.log} is there for them to be rotations of.
     */
    @Test
    void liveLogsWhoseNamesEndInANumberAreNotTakenForRotations() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Files.setLastModifiedTime(ws.input("node-1.log", "heartbeat ok\n"), daysAgo(1));
        Files.setLastModifiedTime(ws.input("node-2.log", "heartbeat ok\n"), daysAgo(1));
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source:
                  files: { path: in, include: "*.log", format: text, tail: true, rotated: "*-[0-9]*.log" }
                sink: { files: { path: out, format: csv } }
                """);
        CliRun v = CliRun.sluice("validate", pipeline.toString());
        assertThat(v.code()).as(v.toString()).isNotZero();
        assertThat(v.all()).contains("source.files.rotated").contains("names node-1.log,");
        CliRun r = run(pipeline);
        assertThat(r.code()).as(r.toString()).isNotZero();
        try (java.util.stream.Stream<Path> written =
                Files.exists(ws.out()) ? Files.walk(ws.out()) : java.util.stream.Stream.empty()) {
            assertThat(written.filter(p -> p.toString().endsWith(".csv")))
                    .as("nothing read")
                    .isEmpty();
        }
    }

    /**
     * logrotate's {@code olddir}: the rotation moved to {@code old/app.log} keeps its live log's name. With
     * {@code rotated: "old/*"} and the live {@code app.log} beside it, it is a rotation: a short one is read whole, once.
     */
    @Test
    void aRotationMovedToAnotherFolderUnderItsLiveLogsNameIsReadWholeOnce() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Files.createDirectories(ws.in().resolve("old"));
        Files.setLastModifiedTime(ws.input("old/app.log", "heartbeat ok\n".repeat(3)), daysAgo(1));
        ws.input("app.log", "heartbeat ok\n");
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source:
                  files: { path: in, include: "**/*.log", format: text, tail: true, rotated: "old/*" }
                steps:
                  - aggregate: { group_by: [line], measures: { beats: count(*) } }
                sink: { files: { path: out, format: csv } }
                """);
        CliRun.sluice("validate", pipeline.toString()).ok();
        run(pipeline).ok();
        assertThat(totals(ws)).as("the rotation, not the short live log").containsExactly("heartbeat ok,3");
        run(pipeline).ok();
        assertThat(totals(ws)).as("nothing read again").containsExactly("heartbeat ok,3");
    }

    /**
     * A {@code rotated} glob changed to one that names the live log: runs are refused, and {@code sluice status} still
     * shows what the ledger holds of each log, with the configuration's problem as a warning line.
     */
    @Test
    void statusShowsTheLogsWithAWarningWhenRotatedNamesALiveLog() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("hb.log", "heartbeat ok\n".repeat(30));
        String pipelineText = """
                pipeline: beats
                source:
                  files: { path: in, include: "*.log*", format: text, tail: true, rotated: "ROTATED" }
                sink: { files: { path: out, format: csv } }
                """;
        Path pipeline = ws.pipeline(pipelineText.replace("ROTATED", "*.log.[0-9]*"));
        run(pipeline).ok();

        Files.writeString(pipeline, pipelineText.replace("ROTATED", "*.log*"));
        CliRun status = CliRun.sluice("status", pipeline.toString()).ok();
        assertThat(status.out())
                .contains("done     1")
                .contains("hb.log: read to byte 390 of 390")
                .containsPattern("warning: .*source.files.rotated: \"\\*.log\\*\" names hb.log,");
        JsonNode json = new ObjectMapper()
                .readTree(CliRun.sluice("status", pipeline.toString(), "--json")
                        .ok()
                        .out());
        assertThat(json.get("source"))
                .as("--json gives the source's lines too")
                .extracting(JsonNode::asText)
                .anySatisfy(line -> assertThat(line).startsWith("hb.log: read to byte 390 of 390"))
                .anySatisfy(line -> assertThat(line).contains("source.files.rotated: \"*.log*\" names hb.log,"));
        assertThat(run(pipeline).code()).as("runs are still refused").isNotZero();
    }

    @Test
    void rotatedIsRefusedWithoutTail() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.log", "x\n");
        Path pipeline = ws.pipeline("""
                pipeline: beats
                source: { files: { path: in, format: text, rotated: "*.log.*" } }
                sink: { files: { path: out, format: csv } }
                """);
        CliRun r = CliRun.sluice("validate", pipeline.toString());
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all()).contains("rotated").contains("tail: true");
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
