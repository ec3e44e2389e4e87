package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.Totals;
import io.sluice.testkit.ledger.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** What only the Redis ledger has to show: its keys, its generations, its bloom filter, what it refuses. */
class RedisLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static RedissonClient redis;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<RedisLedger> opened = new ArrayList<>();

    @BeforeAll
    static void connect() {
        Config c = new Config();
        c.setCodec(StringCodec.INSTANCE);
        c.useSingleServer().setAddress("redis://127.0.0.1:" + TestRedis.port());
        redis = Redisson.create(c);
    }

    @AfterAll
    static void disconnect() {
        redis.shutdown();
    }

    @AfterEach
    void closeAll() {
        opened.reversed().forEach(RedisLedger::close);
    }

    private RedisLedger open(RedisConfig config) {
        RedisLedger ledger = RedisLedger.open(config, "p", clock);
        opened.add(ledger);
        return ledger;
    }

    @Test
    void everyKeyCarriesThePipelineAsAHashTagAndAResetLeavesOnlyTheCounters() throws Exception {
        RedisConfig config = TestRedis.freshPrefix();
        RedisLedger ledger = open(config);
        ledger.register(
                IntStream.range(0, 2_500).mapToObj(i -> split("s" + i, "d" + i)).toList());
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(1, 1, 0, List.of(), "v1"));
        assertThat(ledger.claim("w1", LEASE)).isPresent();
        ledger.incarnation();
        ledger.totals();

        assertThat(keys(config))
                .allMatch(k -> k.startsWith(config.keyPrefix() + ":{p}:"))
                .hasSizeGreaterThan(2_500);

        ledger.reset();

        assertThat(keys(config))
                .containsExactlyInAnyOrder(
                        config.keyPrefix() + ":{p}:gen",
                        config.keyPrefix() + ":{p}:token",
                        config.keyPrefix() + ":{p}:seq");
    }

    @Test
    void aTokenIsNeverHandedOutAgainWhenACrashLostTheCounter() throws Exception {
        RedisConfig config = TestRedis.freshPrefix();
        RedisLedger ledger = open(config);
        ledger.register(List.of(split("a", null)));
        Claim before = ledger.claim("w1", LEASE).orElseThrow();

        // what appendfsync everysec may cost: the last second of writes, the token counter's among them
        redis.getBucket(config.keyPrefix() + ":{p}:token").set("0");
        clock.advance(LEASE.plusSeconds(1));
        Claim after = ledger.claim("w2", LEASE).orElseThrow();

        assertThat(after.token()).isGreaterThan(before.token());
        assertThatThrownBy(() -> ledger.complete(before, new Completion(1, 1, 0, List.of(), "v1")))
                .isInstanceOf(StaleClaimException.class);
    }

    @Test
    void anInputOfASplitRegisteredBeforeLinksFallsBackToItsEarlierRegistration() throws Exception {
        RedisConfig config = TestRedis.freshPrefix();
        RedisLedger ledger = open(config);
        ledger.register(List.of(range("t:0", 0, 100), range("t:100", 100, 250), range("t:250", 250, 400)));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(1, 1, 0, List.of(), "v1"));
        // what an older Sluice registered: no links to the registrations before
        for (String id : List.of("t:100", "t:250")) {
            redis.getMap(RedisKeys.of(config.keyPrefix(), "p").splits() + "0:" + id)
                    .fastRemove("linked", "p:t.log");
        }

        ledger.replace(ledger.claim("t:100", "w1", LEASE).orElseThrow(), List.of());
        assertThat(ledger.known(List.of("t.log")).get("t.log").splitId()).isEqualTo("t:250");
        ledger.replace(ledger.claim("t:250", "w1", LEASE).orElseThrow(), List.of());

        assertThat(ledger.known(List.of("t.log")))
                .containsExactly(entry("t.log", new KnownMember("t.log", "g1", 0, 100, "t:0", SplitState.DONE)));
    }

    /**
     * latestDone walks back from a key's latest registration inside one Lua script, while Redis serves no one else: at
     * most 16 registrations, as the DynamoDB ledger's walk (a file whose every new version failed would otherwise be
     * walked to its first version, at every plan).
     */
    @Test
    void latestDoneWalksBackAtMostSixteenRegistrations() throws Exception {
        RedisLedger ledger = open(TestRedis.freshPrefix());
        ledger.register(List.of(version(1)));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(1, 1, 0, List.of(), "v1"));
        for (int v = 2; v <= 16; v++) {
            ledger.register(List.of(version(v)));
            ledger.fail(ledger.claim("w1", LEASE).orElseThrow(), "refused", Optional.empty());
        }
        KnownMember first = new KnownMember("a.csv", "v1", 0, Member.WHOLE, "a@v1", SplitState.DONE);
        assertThat(ledger.latestDone(List.of("a.csv")))
                .as("15 later versions not done: the 16th registration back is the done one")
                .containsExactly(entry("a.csv", first));

        ledger.register(List.of(version(17)));
        assertThat(ledger.latestDone(List.of("a.csv")))
                .as("past 16 registrations the key is left out")
                .isEmpty();
    }

    private static Split version(int v) {
        return new Split("a@v" + v, List.of(Member.whole("a.csv", "v" + v, null)), 10);
    }

    @Test
    void splitsDoneBeforeTalliesExistedAreCountedAtTheFirstLook() throws Exception {
        RedisConfig config = TestRedis.freshPrefix();
        RedisLedger ledger = open(config);
        ledger.register(List.of(split("a", null), split("b", null), split("c", null)));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(5, 4, 1, List.of(), "v1"));
        clock.advance(Duration.ofSeconds(3));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(7, 7, 0, List.of(), "v1"));
        // what an older Sluice left: done splits without a version, no tally
        RedisKeys keys = RedisKeys.of(config.keyPrefix(), "p");
        redis.getMap(keys.splits() + "0:b").fastRemove("pv");
        redis.getKeys().delete(keys.base() + "tally");
        clock.advance(Duration.ofSeconds(3));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(2, 1, 1, List.of(), "v2"));

        assertThat(ledger.doneByVersion()).containsOnly(entry("v1", 1L), entry("", 1L), entry("v2", 1L));
        assertThat(ledger.totals()).isEqualTo(new Totals(14, 12, 2, clock.instant()));
        assertThat(ledger.requeueOutdated("v2")).isEqualTo(2);
        assertThat(ledger.totals()).isEqualTo(new Totals(2, 1, 1, clock.instant()));
    }

    @Test
    void anExpiredLeaseFoundByAFastClockIsStillTakenOverWhenASlowClockSawItFirst() {
        RedisConfig config = TestRedis.freshPrefix();
        MutableClock fast = new MutableClock(clock.instant().plusSeconds(61));
        MutableClock slow = new MutableClock(clock.instant().plusSeconds(30));
        RedisLedger ledger = open(config);
        ledger.register(List.of(split("first", null), split("held", null)));
        assertThat(ledger.claim("held", "w1", LEASE)).isPresent(); // its lease ends at +60 s; then w1 is gone

        // a worker whose clock runs ahead finds the lease expired, but takes the older pending split
        assertThat(handle(config, fast).claim("w2", LEASE))
                .get()
                .extracting(Claim::splitId)
                .isEqualTo("first");
        // a worker whose clock runs behind looks at the split and finds it not due yet
        assertThat(handle(config, slow).claim("w3", LEASE)).isEmpty();
        slow.advance(Duration.ofSeconds(31));

        assertThat(handle(config, slow).claim("w3", LEASE))
                .as("due by this clock too")
                .get()
                .extracting(Claim::splitId)
                .isEqualTo("held");
    }

    /**
     * A completion whose answer was lost (the call timed out, Redis ran it all the same) is sent again by the runner
     * ({@code Outage}): the second call is the same record of the same claim, not a stale claim, or the runner would
     * report the split lost and skip what follows a completion ({@code after: delete | move_to}). Likewise a failure.
     */
    @Test
    void aCompletionOrFailureSentAgainAfterItsAnswerWasLostIsAccepted() throws Exception {
        RedisLedger ledger = open(TestRedis.freshPrefix());
        ledger.register(List.of(split("a", null), split("b", null)));
        Claim a = ledger.claim("a", "w1", LEASE).orElseThrow();
        Claim b = ledger.claim("b", "w1", LEASE).orElseThrow();
        Completion completion = new Completion(3, 3, 0, List.of(), "v1");
        ledger.complete(a, completion);
        ledger.fail(b, "boom", Optional.empty());

        ledger.complete(a, completion);
        ledger.fail(b, "boom", Optional.empty());

        assertThat(ledger.totals().rowsIn()).as("counted once").isEqualTo(3);
        assertThat(ledger.counts()).containsOnly(entry(SplitState.DONE, 1L), entry(SplitState.DEAD, 1L));
        assertThatThrownBy(() -> ledger.complete(b, completion))
                .as("an end other than the one recorded is still refused")
                .isInstanceOf(StaleClaimException.class);
        ledger.replay(List.of("a"));
        assertThatThrownBy(() -> ledger.complete(a, completion))
                .as("a completion sent back to pending is no longer this claim's")
                .isInstanceOf(StaleClaimException.class);
    }

    private RedisLedger handle(RedisConfig config, MutableClock clock) {
        RedisLedger ledger = RedisLedger.open(config, "p", clock);
        opened.add(ledger);
        return ledger;
    }

    @Test
    void aMissingBloomFilterIsRebuiltFromTheExactSetOnOpen() {
        RedisConfig config = TestRedis.freshPrefix().withBloom(new RedisConfig.Bloom(10_000, 0.01));
        open(config).register(List.of(split("a", digest('a'))));
        redis.getBloomFilter(RedisKeys.of(config.keyPrefix(), "p").bloom()).delete();

        RedisLedger reopened = open(config);

        assertThat(reopened.digestOwner(digest('a'))).contains("a.csv");
        assertThat(reopened.digestOwner(digest('b'))).isEmpty();
    }

    @Test
    void scriptsAreLoadedAgainWhenTheServerForgotThem() {
        RedisLedger ledger = open(TestRedis.freshPrefix());
        ledger.register(List.of(split("a", null)));

        redis.getScript().scriptFlush();

        assertThat(ledger.claim("w1", LEASE)).get().extracting(Claim::splitId).isEqualTo("a");
    }

    @Test
    void aServerThatMayEvictLedgerKeysIsRefused() {
        var node = redis.getRedisNodes(RedisNodes.SINGLE).getInstance();
        node.setConfig("maxmemory-policy", "allkeys-lru");
        try {
            assertThatThrownBy(() -> open(TestRedis.freshPrefix()))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("maxmemory-policy is allkeys-lru")
                    .hasMessageContaining("noeviction");
        } finally {
            node.setConfig("maxmemory-policy", "noeviction");
        }
    }

    /** Real ids hold dots, spaces and colons (a file's path, a pack's name): the refusal names the whole id. */
    @Test
    void aSplitIdRegisteredWithOtherMembersIsNamedWhole() throws Exception {
        RedisLedger ledger = open(TestRedis.freshPrefix());
        String id = "in/2026-01 01.csv@6:1700000000000";
        ledger.register(List.of(split("first", null), new Split(id, List.of(Member.whole("a.csv", "v1", null)), 10)));
        Split other = new Split(id, List.of(Member.whole("b.csv", "v1", null)), 10);

        assertThatThrownBy(() -> ledger.register(List.of(other)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("split " + id + " is already registered with other members");
        Claim first = ledger.claim("w1", LEASE).orElseThrow();
        assertThatThrownBy(() -> ledger.replace(first, List.of(split("c", null), other)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("split " + id + " is already registered with other members");
    }

    @Test
    void aPasswordInTheUrlNeverAppearsInMessages() {
        RedisConfig config = RedisConfig.of("redis://app:s3cret@cache:6379/2");

        assertThat(config.describe()).doesNotContain("s3cret").contains("redis://app:***@cache:6379/2");
        assertThat(config.database()).isEqualTo(2);
        assertThat(config.address()).isEqualTo("redis://cache:6379");
    }

    /** The keys of the prefix, each once: SCAN may return a key twice while Redis resizes its table. */
    private static List<String> keys(RedisConfig config) {
        Set<String> keys = new LinkedHashSet<>();
        redis.getKeys().getKeysByPattern(config.keyPrefix() + ":*").forEach(keys::add);
        return List.copyOf(keys);
    }

    private static Split split(String name, String digest) {
        return new Split(name, List.of(Member.whole(name + ".csv", "v1", digest)), 10);
    }

    private static Split range(String id, long start, long end) {
        return new Split(id, List.of(new Member("t.log", "g1", start, end, null)), end - start);
    }

    private static String digest(char c) {
        return String.valueOf(c).repeat(64);
    }
}
