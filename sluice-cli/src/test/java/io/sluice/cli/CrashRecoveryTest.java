package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.OwnerId;
import io.sluice.spi.Claim;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery on one machine: the claims of a run killed with SIGKILL are taken over at once by the next run (not
 * after their lease of an hour), while claims of live processes and of other machines are left to their lease.
 */
class CrashRecoveryTest {
    private static final String MAIN = "io.sluice.cli.Main";
    private static final int FILES = 4;
    private static final int ROWS = 300_000;

    @TempDir
    Path tmp;

    @Test
    void aRunAfterAKilledRunTakesItsClaimsOverAtOnceAndCountsRight() throws Exception {
        Workspace ws = Workspace.in(tmp);
        List<String> expected = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            StringBuilder csv = new StringBuilder("id,v\n");
            for (int r = 0; r < ROWS; r++) {
                csv.append(f * 1_000_000 + r).append(',').append(r % 7).append('\n');
                expected.add((f * 1_000_000 + r) + "|" + r % 7);
            }
            ws.input("f" + f + ".csv", csv.toString());
        }
        expected.sort(null);
        Path pipeline = ws.pipeline("""
                pipeline: killed
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1, lease: 1h }
                """);
        Path db = tmp.resolve(".sluice/killed.db");
        Path log = tmp.resolve("killed.log");
        long doneBefore = -1;
        for (int attempt = 0; attempt < 5 && doneBefore < 0; attempt++) {
            Process p = ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "none");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (splits(db, SplitState.CLAIMED).isEmpty() && p.isAlive() && System.nanoTime() < deadline)
                Thread.sleep(20);
            p.destroyForcibly().waitFor();
            if (!splits(db, SplitState.CLAIMED).isEmpty())
                doneBefore = splits(db, SplitState.DONE).size();
            else ws.forgetRuns(); // the run ended (or died) before a claim was seen: start the next try afresh
        }
        assertThat(doneBefore)
                .as("a run killed while it held a claim (log: %s)", log)
                .isNotNegative();

        Path rerun = tmp.resolve("rerun.log");
        Process p = ChildJvm.start(rerun, MAIN, "run", pipeline.toString(), "--progress", "log");
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly().waitFor(); // else it would wait out the lease after the test
        String said = Files.readString(rerun);
        // the run's log in the message: the temp folder is gone after the test. A run killed during a commit held its
        // output lock for the lease, and this rerun waited for it (LedgerLocks now releases a gone process's lock)
        assertThat(finished)
                .as("finished without waiting for the hour-long lease; the run's log:%n%s", said)
                .isTrue();
        assertThat(p.exitValue()).as("log: %s", rerun).isZero();
        assertThat(said).contains("a process of this machine that is gone: taken over now");
        assertThat(said).contains("finished in").contains((FILES - doneBefore) + " split(s) done");
        if (doneBefore == 0) assertThat(said).doesNotContain("already processed");
        else assertThat(said).contains(doneBefore + " input(s) already processed by earlier runs");
        assertThat(ws.outputRows("id, v", "parquet")).isEqualTo(expected);
    }

    @Test
    void onlyClaimsOfGoneProcessesOfThisMachineAreTakenOver() throws Exception {
        Workspace ws = Workspace.in(tmp);
        for (String f : List.of("a", "b", "c")) ws.input(f + ".csv", "id\n" + f + "\n");
        Path pipeline = ws.pipeline("""
                pipeline: held
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1, lease: 1h }
                """);
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        String gone = OwnerId.of(sleeper.pid()).orElseThrow().toString();
        sleeper.destroyForcibly().waitFor();
        String alive = OwnerId.forThisProcess();
        String elsewhere = "elsewhere:" + ProcessHandle.current().pid() + ":0123abcd/12345/89abcdef";
        Map<String, Claim> claims = new java.util.HashMap<>();
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(pipeline);
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            assertThat(new io.sluice.planning.Planner(a.source(), a.ledger())
                            .plan()
                            .splits())
                    .hasSize(3);
            for (String owner : List.of(gone, alive, elsewhere))
                claims.put(owner, a.ledger().claim(owner, Duration.ofHours(1)).orElseThrow());
        }

        Path log = tmp.resolve("held.log");
        Process run = ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "log");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(log).contains("waiting for 2 split(s) claimed by other processes")
                    && run.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(log))
                    .contains("waiting for 2 split(s) claimed by other processes")
                    .contains("split " + claims.get(gone).splitId() + " was claimed by " + gone);
        } finally {
            run.destroy();
            run.waitFor(60, TimeUnit.SECONDS);
        }
        Map<String, SplitInfo> byId =
                splits(tmp.resolve(".sluice/held.db"), SplitState.CLAIMED, SplitState.DONE).stream()
                        .collect(Collectors.toMap(SplitInfo::id, Function.identity()));
        assertThat(byId.get(claims.get(gone).splitId()).state())
                .as("the killed process's split")
                .isEqualTo(SplitState.DONE);
        for (String owner : List.of(alive, elsewhere)) {
            SplitInfo s = byId.get(claims.get(owner).splitId());
            assertThat(s.state()).as("held by %s", owner).isEqualTo(SplitState.CLAIMED);
            assertThat(s.owner()).isEqualTo(owner);
            assertThat(s.token()).isEqualTo(claims.get(owner).token());
        }
    }

    private static List<SplitInfo> splits(Path db, SplitState... states) {
        if (!Files.exists(db)) return List.of();
        try (Ledger ledger = SqliteLedger.open(db, db.getFileName().toString().replace(".db", ""), Clock.systemUTC())) {
            return ledger.splits(EnumSet.of(states[0], states), Integer.MAX_VALUE);
        } catch (RuntimeException e) {
            return List.of(); // the run is still creating the schema
        }
    }
}
