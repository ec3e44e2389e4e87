package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ledger.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/** The server goes away mid-use and comes back on the same port (from its append-only file): calls fail clearly,
 * then work again on the same ledger object. */
class RedisOutageTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @Test
    void aLedgerSurvivesAServerRestartAndNeverGrantsASplitTwice() throws Exception {
        int port = TestRedis.freePort();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        RedisConfig config = RedisConfig.of("redis://127.0.0.1:" + port + "/0").withTimeout(Duration.ofSeconds(1));
        RedisServer server = TestRedis.start(port, dir);
        try (RedisLedger ledger = RedisLedger.open(config, "p", clock)) {
            ledger.register(
                    IntStream.range(0, 20).mapToObj(RedisOutageTest::split).toList());
            Claim held = ledger.claim("w1", LEASE).orElseThrow();
            String incarnation = ledger.incarnation();

            TestRedis.stop(server);

            assertThatThrownBy(() -> ledger.claim("w2", LEASE))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("Redis ledger " + config.url() + " (key prefix sluice): cannot claim a split")
                    .hasMessageContaining("check that Redis runs")
                    .as("an outage, which a pool member waits out")
                    .isNotInstanceOf(io.sluice.spi.LedgerRefusedException.class);
            assertThatThrownBy(() -> ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1")))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("cannot record a completed split");

            server = TestRedis.start(port, dir);

            List<Claim> claims = new ArrayList<>();
            for (Optional<Claim> c; (c = claimOnceReconnected(ledger)).isPresent(); ) claims.add(c.get());
            Set<String> ids = new HashSet<>();
            claims.forEach(c -> ids.add(c.splitId()));
            assertThat(claims).as("every split but the held one, each once").hasSize(19);
            assertThat(ids).hasSize(19).doesNotContain(held.splitId());
            assertThat(ledger.isCurrent(held))
                    .as("the claim from before the outage still holds")
                    .isTrue();
            assertThat(ledger.incarnation())
                    .as("the same record of the pipeline")
                    .isEqualTo(incarnation);
            ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1"));
            for (Claim c : claims) ledger.complete(c, new Completion(1, 1, 0, List.of(), "v1"));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.DONE, 20L));
        } finally {
            TestRedis.stop(server);
        }
    }

    @Test
    void aServerRestartedWithoutItsDataIsANewIncarnation() throws Exception {
        int port = TestRedis.freePort();
        RedisConfig config = RedisConfig.of("redis://127.0.0.1:" + port + "/0").withTimeout(Duration.ofSeconds(5));
        RedisServer server = TestRedis.start(port, null);
        try (RedisLedger ledger =
                RedisLedger.open(config, "p", new MutableClock(Instant.parse("2026-01-01T00:00:00Z")))) {
            ledger.register(List.of(split(1)));
            String before = ledger.incarnation();

            TestRedis.stop(server);
            server = TestRedis.start(port, null);
            claimOnceReconnected(ledger);

            assertThat(ledger.counts()).as("the ledger was lost").isEmpty();
            assertThat(ledger.incarnation()).isNotEqualTo(before);
        } finally {
            TestRedis.stop(server);
        }
    }

    /** Redisson reconnects in the background; a worker's backoff does the same as this short wait. */
    private static Optional<Claim> claimOnceReconnected(RedisLedger ledger) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return ledger.claim("w2", LEASE);
            } catch (LedgerException e) {
                if (attempt == 20) throw e;
                Thread.sleep(250);
            }
        }
    }

    private static Split split(int i) {
        return new Split("s" + i, List.of(Member.whole("s" + i + ".csv", "v1", null)), 10);
    }
}
