package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code state: { redis: ... }} in a pipeline file: found on the class path, validated, opened. */
class RedisLedgerFactoryTest {
    @TempDir
    Path dir;

    @Test
    void aPipelineOpensItsRedisLedgerWithTheUrlFromTheEnvironment() throws Exception {
        String url = "redis://127.0.0.1:" + TestRedis.port() + "/3";
        Pipeline p = load("""
                redis: { url: "${REDIS_URL}", key_prefix: factory, bloom: { expected: 1000 } }""", Map.of("REDIS_URL", url));

        try (Ledger ledger = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            ledger.register(List.of(new Split("a", List.of(Member.whole("a.csv", "v1", "d".repeat(64))), 1)));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 1L));
            assertThat(ledger.digestOwner("d".repeat(64))).contains("a.csv");
            assertThat(ledger.toString()).isEqualTo("Redis ledger " + url + " (key prefix factory) (pipeline p)");
        }
    }

    @Test
    void aWorkerWhoseClockIsOffTheServersIsRefused() throws Exception {
        String url = "redis://127.0.0.1:" + TestRedis.port() + "/3";
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(35));
        Pipeline p = load("redis: { url: \"%s\", key_prefix: skew }".formatted(url), Map.of());

        try (Ledger inSync = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            assertThat(inSync.counts()).as("opened: its clock is the server's").isEmpty();
        }
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), ahead))
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageMatching("(?s).*this machine's clock is 3[45](\\.\\d)? s ahead of the Redis server's.*")
                .hasMessageContaining("state.redis.max_clock_skew (5s)");
        Pipeline tolerant =
                load("redis: { url: \"%s\", key_prefix: skew, max_clock_skew: 1m }".formatted(url), Map.of());
        try (Ledger fast = Assembly.openLedger(tolerant, Components.discover(), ahead)) {
            assertThat(fast.counts())
                    .as("opened: the skew is within the bound given")
                    .isEmpty();
        }
    }

    @Test
    void badOptionsAreNamedWithTheirPath() throws Exception {
        assertThatThrownBy(
                        () -> load("redis: { url: \"redis://h:6379\", bloom: { expected: 10, fpp: 1.5 } }", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.redis.bloom.fpp")
                .hasMessageContaining("number between 0 and 1 (exclusive)");
        Pipeline p = load("redis: { url: \"http://h:6379\" }", Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.redis.url")
                .hasMessageContaining("not a Redis url");
    }

    private Pipeline load(String state, Map<String, String> env) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: p
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  %s
                """.formatted(state));
        return new PipelineLoader(Components.discover(), env::get).load(file);
    }
}
