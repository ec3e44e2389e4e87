package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Kubernetes and systemd send) stops a watch run cleanly: nothing left claimed, and exit code 0, as for
 * a worker: a watching run ends by being stopped, and a systemd unit must not report that as a failure.
 */
class StopSignalTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermStopsClaimingLetsSplitsFinishAndExitsWithZero() throws Exception {
        Workspace ws = Workspace.in(tmp);
        for (int f = 0; f < 30; f++) {
            StringBuilder csv = new StringBuilder("id,v\n");
            for (int r = 0; r < 20_000; r++)
                csv.append(f * 100_000 + r).append(',').append(r % 7).append('\n');
            ws.input("f" + f + ".csv", csv.toString());
        }
        Path pipeline = ws.pipeline("""
                pipeline: stop
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: parquet } }
                run: { mode: watch, interval: 1s, parallelism: 2 }
                """);
        Path log = tmp.resolve("run.log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "run", pipeline.toString(), "--progress", "log");
        Path db = tmp.resolve(".sluice").resolve("stop.db");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done(db) == 0 && System.nanoTime() < deadline) Thread.sleep(100);
        assertThat(done(db))
                .as("some splits done before the signal (log: %s)", log)
                .isPositive();

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("stopped after SIGTERM (log: %s)", log)
                .isTrue();
        assertThat(p.exitValue()).as("exit code (log: %s)", log).isZero();
        try (Ledger ledger = SqliteLedger.open(db, "stop", Clock.systemUTC())) {
            assertThat(ledger.counts().getOrDefault(SplitState.CLAIMED, 0L))
                    .as("claims left behind")
                    .isZero();
        }
        assertThat(Files.readString(log)).contains("stopping");
    }

    private static long done(Path db) {
        if (!Files.exists(db)) return 0;
        try (Ledger ledger = SqliteLedger.open(db, "stop", Clock.systemUTC())) {
            return ledger.counts().getOrDefault(SplitState.DONE, 0L);
        } catch (RuntimeException e) {
            return 0; // the run is still creating the schema
        }
    }
}
