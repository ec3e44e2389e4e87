package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run, a worker and `retry` say they did: the counts a user reads after each. */
class RunCountsTest {
    /** Fails on a value that is not a number, and gives up at once. */
    private static final String FAILING = """
            pipeline: failing
            source: { files: { path: in, pack: { max_files: 1 } } }
            steps:
              - sql: SELECT id, CAST(v AS INTEGER) AS v FROM input
            sink: { files: { path: out, format: csv } }
            run: { retries: { max: 0 } }
            """;

    @TempDir
    Path tmp;

    /** A first tailing run processed everything itself; a gzipped copy of a log is not an input processed earlier. */
    @Test
    void aFirstTailingRunSaysNothingWasProcessedEarlier() throws Exception {
        Workspace ws = Workspace.in(tmp);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 500; i++)
            lines.append("2026-11-01T00:00:00 consumer")
                    .append(i % 5)
                    .append(' ')
                    .append(i)
                    .append('\n');
        ws.input("a.log", "a " + lines);
        ws.input("b.log", "b " + lines);
        ws.input("a.log.1.gz", Workspace.gzip("a " + lines));
        Path pipeline = ws.pipeline("""
                pipeline: tailing
                source: { files: { path: in, include: "*.log*", format: text, tail: true } }
                sink: { files: { path: out, format: csv } }
                """);
        CliRun first = run(pipeline).ok();
        assertThat(first.out()).contains("split(s) done").doesNotContain("already processed");
        CliRun second = run(pipeline).ok();
        assertThat(second.out())
                .as("the two logs, not their copy")
                .contains("2 input(s) already processed by earlier runs");
    }

    /**
     * Packs are made smaller so that every one of a run's parallel splits has one: `plan --parallelism N` and `run
     * --dry-run --parallelism N` show the splits `run --parallelism N` makes, not those of run.parallelism.
     */
    @Test
    void planAndDryRunWithParallelismShowTheSplitsOfARunWithIt() throws Exception {
        Workspace ws = Workspace.in(tmp);
        String rows = "id,v\n" + "123456,abcdefghij\n".repeat(64_000); // 1.2 MB: above the smallest pack
        for (int i = 0; i < 8; i++) ws.input("f" + i + ".csv", rows);
        Path pipeline = ws.pipeline("""
                pipeline: packed
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """);
        String p = pipeline.toString();
        assertThat(sluice("plan", p).ok().out()).contains("a run now would process 1 new split(s)");
        assertThat(sluice("plan", p, "--parallelism", "8").ok().out())
                .contains("a run now would process 8 new split(s)");
        assertThat(sluice("run", p, "--dry-run", "--parallelism", "8").ok().out())
                .contains("a run now would process 8 new split(s)");
        assertThat(sluice("plan", p, "--parallelism", "0").code()).isEqualTo(2);
        assertThat(run(pipeline, "--parallelism", "8").ok().out()).contains("8 split(s) done");
    }

    /** A split sent back by `retry` is processed by the next run: it was not processed by an earlier one. */
    @Test
    void aRunAfterRetryCountsOnlyTheInputsDoneEarlier() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("good.csv", "id,v\n1,2\n");
        ws.input("bad.csv", "id,v\n3,x\n");
        Path pipeline = ws.pipeline(FAILING);
        assertThat(run(pipeline).code()).as("a split died").isEqualTo(1);
        ws.pipeline(FAILING.replace("CAST(v AS INTEGER)", "TRY_CAST(v AS INTEGER)"));
        assertThat(sluice("retry", pipeline.toString()).ok().out()).contains("1 split(s) sent back to pending");
        CliRun again = run(pipeline).ok();
        assertThat(again.out()).contains("1 split(s) done").contains("1 input(s) already processed by earlier runs");
    }

    @Test
    void retryOfASplitThatDoesNotExistSaysSoAndFails() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("bad.csv", "id,v\n3,x\n");
        Path pipeline = ws.pipeline(FAILING);
        assertThat(run(pipeline).code()).isEqualTo(1);
        CliRun r = sluice("retry", pipeline.toString(), "NOSUCHSPLIT");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .contains("no split NOSUCHSPLIT in pipeline failing")
                .contains("failed or dead ones: bad.csv")
                .contains("sluice status");
        CliRun known = sluice("retry", pipeline.toString(), "bad.csv").ok();
        assertThat(known.out()).contains("1 split(s) sent back to pending");
    }

    /** A worker of a pool knows no total (it lists the source only while it leads): it says what it did. */
    @Test
    void aWorkersProgressCountsItsOwnSplitsWithoutAMadeUpTotal() throws Exception {
        Workspace ws = Workspace.in(tmp);
        for (int f = 0; f < 3; f++) ws.input("f" + f + ".csv", "id\n" + f + "\n");
        Path pipeline = ws.pipeline("""
                pipeline: pool
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: csv } }
                run: { interval: 500ms }
                """);
        Path log = tmp.resolve("worker.log");
        Process worker = ChildJvm.start(log, "io.sluice.cli.Main", "worker", pipeline.toString(), "--progress", "log");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(log).contains("3 split(s) done by this worker") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(Files.readString(log))
                    .contains("3 split(s) done by this worker")
                    .doesNotContain("/3 split(s)");
        } finally {
            worker.destroy();
            worker.waitFor(60, TimeUnit.SECONDS);
        }
        assertThat(worker.exitValue()).isZero();
    }
}
