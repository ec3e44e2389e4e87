package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * The ledger server is stopped mid-run for longer than a lease and started again on the same port with the same
 * data (PostgreSQL; Redis with an append-only file). The workers keep running: they say the ledger is unreachable,
 * claim nothing meanwhile, say when it is back, and carry on; the run completes with every split done once and
 * every row in the output exactly once.
 */
class LedgerRestartTest {
    private static final int FILES = 1_000;

    @TempDir
    Path tmp;

    @Test
    void postgresRestartedMidRun() throws Exception {
        int port = Servers.freePort();
        Path data = tmp.resolve("pg");
        EmbeddedPostgres[] server = {Servers.postgres(port, data)};
        try {
            survive(
                    Backend.postgres(port, "restart"),
                    () -> server[0].close(),
                    () -> server[0] = Servers.postgres(port, data));
        } finally {
            server[0].close();
        }
    }

    @Test
    void redisRestartedMidRun() throws Exception {
        int port = Servers.freePort();
        Path data = Files.createDirectories(tmp.resolve("redis"));
        RedisServer[] server = {Servers.redis(port, data)};
        try {
            survive(
                    Backend.redis(port, "restart"),
                    () -> Servers.stop(server[0]),
                    () -> server[0] = Servers.redis(port, data));
        } finally {
            Servers.stop(server[0]);
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private void survive(Backend backend, Step stop, Step start) throws Exception {
        Scenario s = new Scenario(tmp.resolve("ws"), backend, "restart", "lease: 2s");
        s.writeFiles(0, FILES);
        Crew crew = new Crew(s);
        for (int i = 0; i < 3; i++) crew.start();
        awaitDone(s, FILES / 5);

        stop.run();
        Thread.sleep(6_000); // three leases: every claim in flight expires while the server is away
        start.run();

        awaitDone(s, FILES);
        String logs = crew.logs();
        assertThat(logs).as("the workers noticed the outage").contains("ledger unreachable");
        assertThat(logs).as("and its end").contains("ledger reachable again");
        crew.stopAll();
        Procs.Proc catchUp = Procs.sluice(
                "catch-up",
                s.logs.resolve("catch-up.log"),
                s.env(),
                "run",
                s.pipeline.toString(),
                "--mode",
                "once",
                "--progress",
                "none");
        assertThat(catchUp.exitCode(300))
                .as("catch-up run; log:%n%s", catchUp.tail())
                .isZero();

        s.assertExactlyOnce();
    }

    /** Waits until at least {@code n} splits are done, asking through a fresh handle each time. */
    private static void awaitDone(Scenario s, int n) throws Exception {
        long until = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < until) {
            try (Ledger ledger = s.backend.open(s.name)) {
                if (ledger.counts().getOrDefault(SplitState.DONE, 0L) >= n) return;
            } catch (RuntimeException notYet) {
                // the server is still starting, or the workers have not created the ledger yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("fewer than " + n + " splits done after 300 s");
    }
}
