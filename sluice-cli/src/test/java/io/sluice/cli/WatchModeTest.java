package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch run picks up files as they arrive, only once they are finished, and each exactly once. */
class WatchModeTest {
    @TempDir
    Path tmp;

    @Test
    void filesArrivingWhileWatchingAreProcessedOnceWhenSettled() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path pipeline = ws.pipeline("""
                pipeline: watch
                source: { files: { path: in, include: "*.csv", settle: 1s } }
                sink: { files: { path: out, format: csv } }
                run: { mode: watch, interval: 300ms, parallelism: 2 }
                """);
        Path log = tmp.resolve("run.log");
        watchRun(pipeline, log, p -> {
            List<String> expected = new ArrayList<>();
            for (int batch = 0; batch < 4; batch++) {
                // written in two halves: a file seen half-written must not be claimed before it settles
                Path f = ws.in().resolve("batch-" + batch + ".csv");
                Files.writeString(f, "id,batch\n");
                for (int i = 0; i < 50; i++) {
                    Files.writeString(
                            f, (batch * 1000 + i) + "," + batch + "\n", java.nio.file.StandardOpenOption.APPEND);
                    expected.add((batch * 1000 + i) + "|" + batch);
                    if (i == 25) Thread.sleep(400);
                }
                Thread.sleep(300);
            }
            expected.sort(null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ws.outputRows("id, batch", "csv").size() < expected.size() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(ws.outputRows("id, batch", "csv")).as("log: %s", log).isEqualTo(expected);
        });
    }

    /**
     * logrotate renames a log, then creates it again: between the two, {@code app-20261120.log} (a rotation named by a
     * date before its extension) has no live {@code app.log} beside it, and is taken for a live log that
     * {@code rotated} names. A watching run leaves it out of those scans, says why once, and reads it as a rotation once
     * the new {@code app.log} is there: every line once, the run still watching. On that quiet folder, validate
     * refuses the configuration, and so does a {@code once} run once no live log comes in the seconds it waits.
     */
    @Test
    void aWatchRunOutlivesTheMomentARotatedLogHasNoLiveLogBesideIt() throws Exception {
        Workspace ws = Workspace.in(tmp);
        List<String> expected = new ArrayList<>();
        Path live = ws.input("app.log", lines("day1", 0, 10, expected));
        Path pipeline = ws.pipeline(GAP_PIPELINE);
        Path log = tmp.resolve("run.log");
        watchRun(pipeline, log, p -> {
            awaitRows(ws, expected.size(), log);
            // the last lines of the day, then logrotate's rename: no app.log for a while, several scans long
            Files.writeString(live, lines("day1", 10, 15, expected), java.nio.file.StandardOpenOption.APPEND);
            Files.move(live, ws.in().resolve("app-20261120.log"));
            Thread.sleep(1500);
            assertThat(p.isAlive())
                    .as("still watching: %s", Files.readString(log))
                    .isTrue();
            CliRun v = CliRun.sluice("validate", pipeline.toString());
            assertThat(v.code()).as("validate on the quiet folder: " + v).isNotZero();
            assertThat(v.all()).contains("source.files.rotated").contains("app-20261120.log");

            Files.writeString(live, lines("day2", 0, 10, expected));
            expected.sort(null);
            awaitRows(ws, expected.size(), log);
            assertThat(ws.outputRows("line", "csv")).as("log: %s", log).isEqualTo(expected);
            assertThat(p.isAlive()).isTrue();
            String said = Files.readString(log);
            assertThat(said.split("app-20261120.log left out of this scan", -1))
                    .as("said once: %s", said)
                    .hasSize(2);
        });

        Files.delete(live); // the service is gone, its last rotation left behind
        CliRun once = CliRun.run(pipeline, "--mode", "once");
        assertThat(once.code()).as(once.toString()).isNotZero();
        assertThat(once.all()).contains("source.files.rotated").contains("app-20261120.log");
    }

    /**
     * A watch run (as a pool worker restarted by Kubernetes) started in logrotate's gap: {@code app-20261120.log} is
     * there, the new {@code app.log} not yet. Its first scan does not take that moment for a mistake of the
     * configuration: it says it waits for the live log, and goes on once {@code app.log} is created, reading both.
     */
    @Test
    void aWatchRunStartedBetweenARotationAndItsNewLiveLogWaitsForTheLiveLog() throws Exception {
        Workspace ws = Workspace.in(tmp);
        List<String> expected = new ArrayList<>();
        ws.input("app-20261120.log", lines("day1", 0, 10, expected));
        Path pipeline = ws.pipeline(GAP_PIPELINE);
        Path log = tmp.resolve("run.log");
        watchRun(pipeline, log, p -> {
            awaitSaid(p, log, "waiting up to");
            Files.writeString(ws.in().resolve("app.log"), lines("day2", 0, 10, expected));
            expected.sort(null);
            awaitRows(ws, expected.size(), log);
            assertThat(ws.outputRows("line", "csv")).as("log: %s", log).isEqualTo(expected);
            assertThat(p.isAlive())
                    .as("still watching: %s", Files.readString(log))
                    .isTrue();
        });
    }

    /**
     * A {@code rotated} glob that names live logs for good ({@code node-1.log} and {@code node-2.log}, two nodes'
     * logs): a watch run waits the few seconds of a rotation's gap, then refuses the configuration as before.
     */
    @Test
    void aWatchRunWhoseRotatedNamesLiveLogsIsStillRefused() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("node-1.log", lines("node1", 0, 3, new ArrayList<>()));
        ws.input("node-2.log", lines("node2", 0, 3, new ArrayList<>()));
        Path pipeline = ws.pipeline(GAP_PIPELINE.replace("app-[0-9]*.log", "node-[0-9]*.log"));
        CliRun r = CliRun.run(pipeline, "--mode", "watch");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.all())
                .contains("source.files.rotated")
                .contains("\"node-[0-9]*.log\" names node-1.log, which is no rotation of a live log");
        assertThat(ws.outputRows("line", "csv")).as("nothing read").isEmpty();
    }

    private static final String GAP_PIPELINE = """
            pipeline: rotation-gap
            source:
              files: { path: in, include: "*.log", rotated: "app-[0-9]*.log", format: text, tail: true, settle: 300ms }
            sink: { files: { path: out, format: csv } }
            run: { mode: watch, interval: 200ms }
            """;

    /** What a test does while its watch run runs. */
    private interface WhileRunning {
        void accept(Process run) throws Exception;
    }

    /** Runs {@code pipeline} in a child JVM (its output in {@code log}) while {@code test} runs; stopped, it exits 0. */
    private static void watchRun(Path pipeline, Path log, WhileRunning test) throws Exception {
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "run", pipeline.toString(), "--progress", "log");
        try {
            test.accept(p);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(p.exitValue()).as("a stopped watch run exits 0").isZero();
    }

    /** Waits until the run's log says {@code what}; fails at once if the run ended first. */
    private static void awaitSaid(Process p, Path log, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains(what) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(Files.readString(log)).as("the run said: %s", what).contains(what);
    }

    /** Lines {@code from} to {@code to} of a day's log (each about 40 bytes), added to {@code expected}. */
    private static String lines(String day, int from, int to, List<String> expected) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++) {
            String line = day + " line " + i + " of the service's log, padded";
            expected.add(line);
            text.append(line).append('\n');
        }
        return text.toString();
    }

    private static void awaitRows(Workspace ws, int rows, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ws.outputRows("line", "csv").size() < rows && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(ws.outputRows("line", "csv")).as("log: %s", log).hasSize(rows);
    }
}
