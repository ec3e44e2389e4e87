package io.sluice.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Secret;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ledger.MutableClock;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server goes away mid-use and comes back on the same port: calls fail clearly, then work again. */
class PostgresOutageTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @Test
    void aLedgerSurvivesAServerRestartAndNeverGrantsASplitTwice() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        PostgresConfig config = new PostgresConfig(
                Secret.url(TestPostgres.url(port)), "postgres", null, "sluice", 4, Duration.ofSeconds(1));
        EmbeddedPostgres server = start(port);
        try (PostgresLedger ledger = PostgresLedger.open(config, "p", clock)) {
            ledger.register(IntStream.range(0, 20)
                    .mapToObj(i -> PostgresLedgerTest.split("s" + i))
                    .toList());
            Claim held = ledger.claim("w1", LEASE).orElseThrow();

            server.close();

            assertThatThrownBy(() -> ledger.claim("w2", LEASE))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining(
                            "PostgreSQL ledger " + config.url() + " (schema sluice): cannot claim a split")
                    .hasMessageContaining("check that PostgreSQL runs")
                    .as("an outage, which a pool member waits out")
                    .isNotInstanceOf(io.sluice.spi.LedgerRefusedException.class);
            assertThatThrownBy(() -> ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1")))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("cannot record a completed split");

            server = start(port);

            List<Claim> claims = new ArrayList<>();
            // the pool reconnects in the background: the first calls may still fail, as a worker's retries expect
            claimOnceBack(ledger).ifPresent(claims::add);
            for (Optional<Claim> c; (c = ledger.claim("w2", LEASE)).isPresent(); ) claims.add(c.get());
            Set<String> ids = new HashSet<>();
            claims.forEach(c -> ids.add(c.splitId()));
            assertThat(claims).as("every split but the held one, each once").hasSize(19);
            assertThat(ids).hasSize(19).doesNotContain(held.splitId());
            assertThat(ledger.isCurrent(held))
                    .as("the claim from before the outage still holds")
                    .isTrue();
            ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1"));
            for (Claim c : claims) ledger.complete(c, new Completion(1, 1, 0, List.of(), "v1"));
            assertThat(ledger.counts()).containsOnly(Map.entry(SplitState.DONE, 20L));
        } finally {
            server.close();
        }
    }

    /** The first claim after the restart, tried again for up to 30 s while the connection pool reconnects. */
    private static Optional<Claim> claimOnceBack(PostgresLedger ledger) throws InterruptedException {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return ledger.claim("w2", LEASE);
            } catch (LedgerException e) {
                if (System.nanoTime() > until) throw e;
                Thread.sleep(200);
            }
        }
    }

    private EmbeddedPostgres start(int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                .start();
    }
}
