package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.testkit.ledger.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RBloomFilter;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Content dedupe at scale: digests registered through the ledger, then unseen digests probed. The bloom filter may
 * say "maybe" for an unseen digest (a false positive); the exact set must then still answer "never seen", and a split
 * with that content must still register: a false positive never skips a file.
 *
 * <p>250,000 digests by default (10 to 30 s on this 2-core machine, depending on what else runs);
 * {@code -Dsluice.dedupe.digests=1000000} runs the full million (about 70 s here: each digest costs a bloom insert
 * and a few hash operations inside the registration script).
 */
class RedisDedupeAtScaleTest {
    private static final int DIGESTS = Integer.getInteger("sluice.dedupe.digests", 250_000);
    private static final int PROBES = 100_000;
    private static final int PER_SPLIT = 100;
    // 10,000 digests per registration script: a bigger batch can outlast the client's response timeout on a busy
    // machine
    private static final int SPLITS_PER_CALL = 100;

    @Test
    void manyDigestsAndNoFalsePositiveSkipsAFile() throws Exception {
        RedisConfig config = TestRedis.freshPrefix().withBloom(new RedisConfig.Bloom(DIGESTS, 0.01));
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (RedisLedger ledger = RedisLedger.open(config, "dedupe", clock)) {
            for (int first = 0; first < DIGESTS; first += PER_SPLIT * SPLITS_PER_CALL) {
                int from = first;
                List<Split> batch = IntStream.range(0, SPLITS_PER_CALL)
                        .mapToObj(s -> split("seen", from + s * PER_SPLIT, PER_SPLIT))
                        .toList();
                assertThat(ledger.register(batch)).hasSize(SPLITS_PER_CALL);
            }
            RBloomFilter<String> bloom = bloomOf(config);
            Set<String> maybe = new HashSet<>();
            for (int first = 0; first < PROBES; first += 10_000) {
                int from = first;
                maybe.addAll(bloom.exists(IntStream.range(from, from + 10_000)
                        .mapToObj(i -> sha256("unseen-" + i))
                        .toList()));
            }

            assertThat(maybe)
                    .as("the bloom's false positives (1% asked; Redisson's filter gives 1-3%)")
                    .hasSizeBetween(PROBES / 1000, PROBES / 20);
            for (String digest : maybe) {
                assertThat(ledger.digestOwner(digest))
                        .as("decided by the exact set")
                        .isEmpty();
            }
            List<Member> falsePositives =
                    maybe.stream().map(d -> Member.whole("new/" + d, "v1", d)).toList();
            assertThat(ledger.register(List.of(new Split("false-positives", falsePositives, 1))))
                    .as("content the bloom only thought it saw is new work")
                    .containsExactly("false-positives");
            for (int i = 0; i < DIGESTS; i += 97) {
                assertThat(ledger.digestOwner(sha256("seen-" + i))).contains("seen/" + i);
            }
            assertThat(ledger.register(List.of(split("again", 0, 1))))
                    .as("the same content under another name is skipped")
                    .isEmpty();
        }
    }

    private static Split split(String name, int first, int members) {
        List<Member> list = new ArrayList<>();
        for (int i = first; i < first + members; i++) list.add(Member.whole(name + "/" + i, "v1", sha256("seen-" + i)));
        return new Split(name + "-" + first, list, members);
    }

    /** The ledger's bloom filter, read through a client of the test's own. */
    private static RBloomFilter<String> bloomOf(RedisConfig config) {
        Config c = new Config();
        c.useSingleServer().setAddress(config.address());
        RedissonClient client = Redisson.create(c);
        Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
        return client.getBloomFilter(RedisKeys.of(config.keyPrefix(), "dedupe").bloom(), StringCodec.INSTANCE);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
