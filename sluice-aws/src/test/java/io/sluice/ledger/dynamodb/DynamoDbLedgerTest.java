package io.sluice.ledger.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.ledger.OutputLocks.Lock;
import io.sluice.testkit.ledger.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** What only the DynamoDB ledger has to show: its table, large splits, the registration lock and its repairs. */
class DynamoDbLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static DynamoDbClient db;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<DynamoDbLedger> opened = new ArrayList<>();

    @BeforeAll
    static void connect() {
        db = DynamoDbClient.builder()
                .endpointOverride(TestDynamo.endpoint(TestDynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(TestDynamo.CREDENTIALS)
                .build();
    }

    @AfterAll
    static void disconnect() {
        db.close();
    }

    @AfterEach
    void closeAll() {
        opened.reversed().forEach(DynamoDbLedger::close);
    }

    private DynamoDbLedger open(DynamoDbConfig config) {
        DynamoDbLedger ledger = DynamoDbLedger.open(config, "p", clock, TestDynamo.CREDENTIALS);
        opened.add(ledger);
        return ledger;
    }

    /** A handle whose client's requests and answers pass through {@code interceptor}. */
    private DynamoDbLedger open(DynamoDbConfig config, ExecutionInterceptor interceptor) {
        DynamoDbLedger ledger = DynamoDbLedger.open(config, "p", clock, client(interceptor));
        opened.add(ledger);
        return ledger;
    }

    private static DynamoDbClient client(ExecutionInterceptor interceptor) {
        return DynamoDbClient.builder()
                .endpointOverride(TestDynamo.endpoint(TestDynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(TestDynamo.CREDENTIALS)
                .overrideConfiguration(o -> o.addExecutionInterceptor(interceptor))
                .build();
    }

    /** A commit's lock costs three requests: taken, checked once, released; a lock another owner holds, one. */
    @Test
    void anOutputLockCostsOneRequestPerCall() {
        DynamoDbConfig config = TestDynamo.freshTable();
        open(config);
        AtomicInteger requests = new AtomicInteger();
        ExecutionInterceptor counter = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                requests.incrementAndGet();
            }
        };
        try (DynamoDbClient counted = client(counter)) {
            Locks locks = new Locks(counted, config.table(), new Items("p"), clock);

            Lock a = locks.lock("out/a", "w1", LEASE).orElseThrow();
            assertThat(locks.holds(a)).isTrue();
            locks.unlock(a);
            assertThat(requests).as("take, check, release").hasValue(3);

            assertThat(locks.lock("out/a", "w1", LEASE)).isPresent();
            requests.set(0);
            assertThat(locks.lock("out/a", "w2", LEASE)).isEmpty();
            assertThat(requests)
                    .as("refused: the failed write returns the holder")
                    .hasValue(1);
        }
    }

    @Test
    void theTableIsCreatedOnFirstUseWithItsStateIndex() {
        DynamoDbConfig config = TestDynamo.freshTable();

        open(config);
        open(config);

        var table = db.describeTable(b -> b.tableName(config.table())).table();
        assertThat(table.globalSecondaryIndexes())
                .extracting(i -> i.indexName())
                .containsExactly(Items.BY_STATE);
        assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
    }

    @Test
    void aTableOfAnotherShapeIsRefusedAndLeftAlone() {
        DynamoDbConfig config = TestDynamo.freshTable();
        db.createTable(b -> b.tableName(config.table())
                .keySchema(KeySchemaElement.builder()
                        .attributeName("id")
                        .keyType(KeyType.HASH)
                        .build())
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));

        assertThatThrownBy(() -> open(config))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("DynamoDB ledger table " + config.table())
                .hasMessageContaining("not a Sluice ledger table");
        assertThat(db.describeTable(b -> b.tableName(config.table())).table().keySchema())
                .hasSize(1);
    }

    @Test
    void aSplitTooLargeForOneTransactionRegistersWhole() {
        DynamoDbLedger ledger = open(TestDynamo.freshTable());
        List<Member> members = IntStream.range(0, 150)
                .mapToObj(i -> Member.whole(
                        "pack/" + i + ".csv",
                        "v1",
                        Integer.toString(i).repeat(64).substring(0, 64)))
                .toList();
        Split pack = new Split("pack", members, 150);

        assertThat(ledger.register(List.of(pack, split("after")))).containsExactly("pack", "after");

        assertThat(ledger.known(List.of("pack/0.csv", "pack/149.csv")))
                .hasSize(2)
                .allSatisfy((k, m) -> assertThat(m.splitId()).isEqualTo("pack"));
        assertThat(ledger.claim("w1", LEASE)).get().extracting(Claim::split).isEqualTo(pack);
        assertThat(ledger.register(List.of(new Split("again", List.of(members.get(42)), 1))))
                .isEmpty();
    }

    /**
     * latestDone walks back from a key's latest registration along the links registration writes; a split registered
     * by an earlier Sluice has none, so the walk ends there and the key is left out (plan says less, nothing wrong).
     */
    @Test
    void latestDoneEndsAtASplitRegisteredBeforeTheLinks() throws Exception {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger ledger = open(config);
        ledger.register(List.of(version("v1")));
        ledger.complete(ledger.claim("w1", LEASE).orElseThrow(), new Completion(1, 1, 0, List.of(), "v1"));
        ledger.register(List.of(version("v2")));
        ledger.fail(ledger.claim("w1", LEASE).orElseThrow(), "refused", Optional.empty());
        ledger.register(List.of(version("v3")));
        assertThat(ledger.latestDone(List.of("a.csv")).get("a.csv").splitId())
                .as("v3 pending, v2 dead: walked back to v1")
                .isEqualTo("a@v1");

        // v2's item as a Sluice before the links wrote it
        db.updateItem(b -> b.tableName(config.table())
                .key(new Items("p").split("a@v2"))
                .updateExpression("REMOVE #prev")
                .expressionAttributeNames(Map.of("#prev", Items.PREVIOUS)));

        assertThat(ledger.latestDone(List.of("a.csv")))
                .as("the walk ends at v2")
                .isEmpty();
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").splitId()).isEqualTo("a@v3");
    }

    private static Split version(String fingerprint) {
        return new Split("a@" + fingerprint, List.of(Member.whole("a.csv", fingerprint, null)), 1);
    }

    @Test
    void aRegistrationLeftHalfDoneIsFinishedByTheNextPlanner() {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger ledger = open(config);
        Items items = new Items("p");
        Split orphan = new Split("orphan", List.of(Member.whole("o.csv", "v1", null)), 1);
        // what a planner killed in the middle of a large split leaves: the split registering, listed in the meta item
        db.putItem(b -> b.tableName(config.table())
                .item(Codec.newSplit(items, orphan, 7, 0, clock.millis(), Items.REGISTERING, Map.of())));
        db.putItem(b -> b.tableName(config.table())
                .item(with(
                        items.meta(),
                        Map.of("epoch", Items.n(0)),
                        Map.of("seq", Items.n(7)),
                        Map.of("inflight", AttributeValue.fromSs(List.of("orphan"))))));
        assertThat(ledger.known(List.of("o.csv"))).isEmpty();

        ledger.register(List.of(split("next")));

        assertThat(ledger.known(List.of("o.csv")))
                .containsEntry(
                        "o.csv",
                        new KnownMember("o.csv", "v1", 0, io.sluice.spi.Member.WHOLE, "orphan", SplitState.PENDING));
        assertThat(ledger.claim("w1", LEASE)).get().extracting(Claim::splitId).isEqualTo("orphan");
    }

    @Test
    void aReplaceLargerThanOneTransactionReplacesWhole() throws Exception {
        DynamoDbLedger ledger = open(TestDynamo.freshTable());
        List<Member> members = IntStream.range(0, 150)
                .mapToObj(i -> Member.whole("pack/" + i + ".csv", "v1", null))
                .toList();
        ledger.register(List.of(new Split("pack", members, 150)));
        Claim held = ledger.claim("w1", LEASE).orElseThrow();

        List<Member> good = new ArrayList<>(members.subList(1, 150));
        good.add(Member.whole("more.csv", "v1", null)); // not in the pack

        assertThat(ledger.replace(
                        held, List.of(new Split("good", good, 150), new Split("bad", members.subList(0, 1), 1))))
                .containsExactly("good", "bad");

        assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 2L));
        assertThat(ledger.known(List.of("pack/0.csv", "pack/149.csv", "more.csv")))
                .extractingFromEntries(e -> e.getValue().splitId())
                .containsExactlyInAnyOrder("bad", "good", "good");
        assertThat(ledger.claim("w1", LEASE))
                .get()
                .extracting(c -> c.split().members())
                .isEqualTo(good);
        assertThat(ledger.register(List.of(new Split("again", List.of(members.get(42)), 1))))
                .isEmpty();
    }

    @Test
    void aReplaceLeftHalfDoneIsFinishedByTheNextLookup() throws Exception {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger ledger = open(config);
        Items items = new Items("p");
        ledger.register(List.of(
                new Split("pack", List.of(Member.whole("a.csv", "v1", null), Member.whole("b.csv", "v1", null)), 2),
                split("z")));
        Claim held = ledger.claim("w1", LEASE).orElseThrow();
        // what a replace's commit writes, and a process killed right after it leaves: the split replaced, holding the
        // plan, listed in the meta item (as Registrar.replace writes them)
        Split packA = new Split(
                "pack-a",
                List.of(Member.whole("a.csv", "v1", null)),
                1,
                "{\"files\":[\"a.csv\"]}",
                new OutputKey("pack", "h1", 0, Member.WHOLE));
        Replacement plan = Replacement.plan(
                held.split(),
                List.of(packA, new Split("pack-b", List.of(Member.whole("b.csv", "v1", null)), 1)),
                2,
                Map.of("pack-a", held.token(), "pack-b", held.token()),
                Map.of(),
                Map.of());
        db.updateItem(b -> b.tableName(config.table())
                .key(items.split("pack"))
                .updateExpression("SET #state = :replaced, #plan = :plan REMOVE #st, #owner, #lease")
                .expressionAttributeNames(
                        Map.of("#state", "state", "#plan", "plan", "#st", "st", "#owner", "owner", "#lease", "lease"))
                .expressionAttributeValues(
                        Map.of(":replaced", Items.s(Items.REPLACED), ":plan", Items.s(plan.json()))));
        db.updateItem(b -> b.tableName(config.table())
                .key(items.meta())
                .updateExpression("SET #seq = :seq ADD #inflight :ids")
                .expressionAttributeNames(Map.of("#seq", "seq", "#inflight", "inflight"))
                .expressionAttributeValues(Map.of(":seq", Items.n(4), ":ids", AttributeValue.fromSs(List.of("pack")))));
        assertThat(ledger.isCurrent(held)).as("fenced from the commit on").isFalse();
        assertThat(ledger.counts())
                .as("the inputs out of the counts meanwhile")
                .containsOnly(entry(SplitState.PENDING, 1L));

        assertThat(ledger.known(List.of("a.csv", "b.csv")))
                .as("a lookup finishes the replace before it answers")
                .extractingFromEntries(e -> e.getValue().splitId())
                .containsExactlyInAnyOrder("pack-a", "pack-b");
        ledger.register(List.of(split("next")));
        assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 4L));
        assertThatThrownBy(() -> ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1")))
                .isInstanceOf(StaleClaimException.class);
        List<Claim> claims = new ArrayList<>();
        for (Optional<Claim> c; (c = ledger.claim("w2", LEASE)).isPresent(); ) claims.add(c.get());
        assertThat(claims).extracting(Claim::splitId).containsExactly("z", "pack-a", "pack-b", "next");
        assertThat(claims.get(1).split())
                .as("the payload and output key, through the recorded plan")
                .isEqualTo(packA);
        assertThat(claims.subList(1, 3)).allSatisfy(c -> assertThat(c.token()).isGreaterThan(held.token()));
    }

    @Test
    void aTableCreatedAgainIsANewIncarnation() {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger first = open(config);
        first.register(List.of(split("a")));
        String before = first.incarnation();

        db.deleteTable(b -> b.tableName(config.table()));
        db.waiter().waitUntilTableNotExists(b -> b.tableName(config.table()));
        DynamoDbLedger again = open(config);

        assertThat(again.counts()).isEmpty();
        assertThat(again.incarnation()).isNotEqualTo(before).isEqualTo(first.incarnation());
    }

    @Test
    void aPlannerWaitsForTheRegistrationLockAndTakesItOverWhenItsLeaseRunsOut() throws Exception {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger ledger = open(config);
        Items items = new Items("p");
        // a planner that died holding the lock
        db.putItem(b -> b.tableName(config.table())
                .item(with(
                        items.meta(),
                        Map.of("epoch", Items.n(0)),
                        Map.of("seq", Items.n(0)),
                        Map.of("lock_owner", Items.s("dead"), "lock_until", Items.n(clock.millis() + 30_000)))));

        CompletableFuture<List<String>> registered =
                CompletableFuture.supplyAsync(() -> ledger.register(List.of(split("a"))));
        Thread.sleep(500);
        assertThat(registered).as("waiting for the lock").isNotDone();
        clock.advance(Duration.ofSeconds(31));

        assertThat(registered.get(10, TimeUnit.SECONDS)).containsExactly("a");
        assertThat(ledger.claim("w1", LEASE)).map(Claim::splitId).isEqualTo(Optional.of("a"));
    }

    @Test
    void claimsUseTheBatchTheHandleReadButTheConditionalWriteDecides() throws Exception {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger mine = open(config);
        DynamoDbLedger other = open(config);
        mine.register(IntStream.range(0, 5).mapToObj(i -> split("s" + i)).toList());

        assertThat(mine.claim("w1", LEASE)).map(Claim::splitId).contains("s0"); // mine now holds s1..s4 as candidates
        Claim taken = other.claim("w2", LEASE).orElseThrow();
        assertThat(taken.splitId()).as("the other handle read its own batch").isEqualTo("s1");
        // s1 loses its race; after a lost race the rest of the batch is tried in random order
        String next = mine.claim("w1", LEASE).orElseThrow().splitId();
        assertThat(next).isIn("s2", "s3", "s4");
        other.release(taken);
        List<String> rest = new ArrayList<>();
        for (Optional<Claim> c; (c = mine.claim("w1", LEASE)).isPresent(); )
            rest.add(c.get().splitId());
        assertThat(rest).hasSize(3).doesNotContain(next).endsWith("s1"); // the released split, found by a new query
    }

    @Test
    void anExpiredLeaseWaitsAtMostDueEveryWhilePendingSplitsRemain() throws Exception {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger ledger = open(config);
        ledger.register(IntStream.range(0, 5).mapToObj(i -> split("s" + i)).toList());
        Claim crashed = ledger.claim("w1", Duration.ofSeconds(1)).orElseThrow();

        clock.advance(Duration.ofMillis(1_100)); // expired, and the handle looked for expired leases 1.1 s ago
        assertThat(ledger.claim("w2", LEASE))
                .map(Claim::splitId)
                .as("looked again: due")
                .contains(crashed.splitId());
        Claim second = ledger.claim("w2", Duration.ofSeconds(1)).orElseThrow();
        clock.advance(Duration.ofMillis(1_001)); // expired; the handle last looked 1,001 ms ago, at the takeover
        assertThat(ledger.claim("w3", LEASE)).map(Claim::splitId).contains(second.splitId());
        Claim third = ledger.claim("w3", Duration.ofMillis(200)).orElseThrow();
        clock.advance(Duration.ofMillis(300)); // expired, last look 300 ms ago: pending splits first
        assertThat(ledger.claim("w4", LEASE).orElseThrow().splitId()).isNotEqualTo(third.splitId());
        clock.advance(DynamoDbLedger.DUE_EVERY);
        assertThat(ledger.claim("w4", LEASE))
                .map(Claim::splitId)
                .as("within DUE_EVERY")
                .contains(third.splitId());
    }

    /**
     * A registration whose answer is lost is sent again by the SDK. Applied a second time, it would put back as
     * pending a split a worker claimed in between, with the token before that claim: the next claim would get the same
     * token, and both workers would pass the fence. The transaction's client token (which the SDK adds) prevents it.
     */
    @Test
    void aRegistrationSentAgainAfterItsAnswerWasLostDoesNotUndoAClaimMadeMeanwhile() {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger other = open(config);
        AtomicReference<Claim> meanwhile = new AtomicReference<>();
        // the registration was applied; a worker claims the new split before the SDK sends it again
        LoseAnAnswer lose = new LoseAnAnswer(
                "TransactWriteItems",
                () -> meanwhile.set(other.claim("a", "w1", LEASE).orElseThrow()));
        DynamoDbLedger planner = open(config, lose);

        lose.arm();
        planner.register(List.of(split("a")));

        assertThat(lose.sends).as("sent again by the SDK").hasValue(2);
        assertThat(other.isCurrent(meanwhile.get()))
                .as("the claim made meanwhile holds")
                .isTrue();
        assertThat(other.claim("a", "w2", LEASE))
                .as("a second claim while the first holds")
                .isEmpty();
    }

    /**
     * The registration lock's taking whose answer is lost is sent again by the SDK and finds the lock held, by this
     * very call: read as another planner's, the registration waited for its own lock until it gave up (60 s of its
     * lease, then 10 more) and failed.
     */
    @Test
    void aRegistrationLockTakenAgainAfterItsAnswerWasLostIsHeld() {
        LoseAnAnswer lose = new LoseAnAnswer("UpdateItem", () -> {});
        DynamoDbLedger ledger = open(TestDynamo.freshTable(), lose);

        lose.arm(); // a registration's first UpdateItem takes the lock
        assertThat(ledger.register(List.of(split("a")))).containsExactly("a");

        assertThat(lose.sends).as("sent again by the SDK").hasValueGreaterThanOrEqualTo(2);
        assertThat(ledger.register(List.of(split("b"))))
                .as("registered: the lock was released")
                .containsExactly("b");
    }

    /**
     * A completion or failure whose answer is lost is sent again by the SDK; applied the first time, it then fails its
     * condition. Read as a stale claim, the runner would report the split lost and skip what follows a completion
     * ({@code after: delete | move_to}).
     */
    @Test
    void aCompletionOrFailureSentAgainAfterItsAnswerWasLostIsAccepted() throws Exception {
        LoseAnAnswer lose = new LoseAnAnswer("UpdateItem", () -> {});
        DynamoDbLedger ledger = open(TestDynamo.freshTable(), lose);
        ledger.register(List.of(split("a"), split("b")));
        Claim a = ledger.claim("a", "w1", LEASE).orElseThrow();
        Claim b = ledger.claim("b", "w1", LEASE).orElseThrow();
        Completion completion = new Completion(3, 3, 0, List.of(), "v1");

        lose.arm();
        ledger.complete(a, completion);
        assertThat(lose.sends).as("sent again by the SDK").hasValue(2);
        lose.arm();
        ledger.fail(b, "boom", Optional.of(clock.instant().plusSeconds(60)));

        assertThat(ledger.counts()).containsOnly(entry(SplitState.DONE, 1L), entry(SplitState.FAILED, 1L));
        assertThatThrownBy(() -> ledger.complete(b, completion))
                .as("an end other than the one recorded is still refused")
                .isInstanceOf(StaleClaimException.class);
    }

    /**
     * A claim whose answer is lost is sent again by the SDK and fails its condition (the split is claimed now, by this
     * very call): read as taken by another, the split was stranded until its lease ran out, with an attempt spent, and
     * a Kubernetes Job's pod gave its split up.
     */
    @Test
    void aClaimSentAgainAfterItsAnswerWasLostIsGranted() {
        LoseAnAnswer lose = new LoseAnAnswer("UpdateItem", () -> {});
        DynamoDbLedger ledger = open(TestDynamo.freshTable(), lose);
        ledger.register(List.of(split("a"), split("b")));

        lose.arm();
        Optional<Claim> named = ledger.claim("a", "w1", LEASE);
        assertThat(lose.sends).as("sent again by the SDK").hasValue(2);
        lose.arm();
        Optional<Claim> oldest = ledger.claim("w1", LEASE);

        assertThat(named).map(Claim::splitId).contains("a");
        assertThat(oldest).map(Claim::splitId).contains("b");
        assertThat(List.of(named.orElseThrow(), oldest.orElseThrow())).allSatisfy(c -> {
            assertThat(c.attempt()).isEqualTo(1);
            assertThat(ledger.isCurrent(c)).isTrue();
        });
        assertThat(ledger.claim("a", "w2", LEASE)).as("held").isEmpty();
    }

    /**
     * A reset deletes the splits after it starts the new epoch, so a worker may still claim and commit a split of the
     * old record meanwhile. Its output must carry the old record's incarnation (the runner asks it after the claim),
     * which sinks take for an earlier record's; a new incarnation made then would stay the ledger's after the reset
     * and label that output as the new record's, though the ledger forgot its split.
     */
    @Test
    void aSplitClaimedWhileAResetDeletesCommitsUnderTheRecordItBelongsTo() {
        DynamoDbConfig config = TestDynamo.freshTable();
        DynamoDbLedger worker = open(config);
        worker.register(List.of(split("a")));
        String before = worker.incarnation();
        AtomicReference<String> whileResetting = new AtomicReference<>();
        // after the reset's first transaction (the new epoch), before it deletes the split
        LoseAnAnswer lose = new LoseAnAnswer("TransactWriteItems", () -> {
            assertThat(worker.claim("a", "w1", LEASE))
                    .as("claimable while the reset runs")
                    .isPresent();
            whileResetting.set(worker.incarnation());
        });
        DynamoDbLedger admin = open(config, lose);

        lose.arm();
        admin.reset();

        assertThat(whileResetting.get()).as("while the reset deletes").isEqualTo(before);
        assertThat(worker.incarnation()).as("after the reset").isNotEqualTo(before);
    }

    /**
     * Once armed, turns the next successful answer to a request of one kind ({@code X-Amz-Target}) into a 500 (what
     * DynamoDB answers when a write may or may not have been applied) after running {@code meanwhile}; counts the
     * sends of that kind from the moment it is armed.
     */
    private static final class LoseAnAnswer implements ExecutionInterceptor {
        private final AtomicBoolean armed = new AtomicBoolean();
        final AtomicInteger sends = new AtomicInteger();
        private final String target;
        private final Runnable meanwhile;

        LoseAnAnswer(String target, Runnable meanwhile) {
            this.target = target;
            this.meanwhile = meanwhile;
        }

        private boolean ofKind(SdkHttpRequest request) {
            return request.firstMatchingHeader("X-Amz-Target").orElse("").endsWith("." + target);
        }

        void arm() {
            sends.set(0);
            armed.set(true);
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (ofKind(context.httpRequest())) sends.incrementAndGet();
        }

        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            SdkHttpResponse answer = context.httpResponse();
            if (!ofKind(context.httpRequest()) || !answer.isSuccessful() || !armed.compareAndSet(true, false)) {
                return answer;
            }
            meanwhile.run();
            return answer.toBuilder().statusCode(500).build();
        }
    }

    @SafeVarargs
    private static Map<String, AttributeValue> with(
            Map<String, AttributeValue> key, Map<String, AttributeValue>... attributes) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(key);
        for (Map<String, AttributeValue> a : attributes) item.putAll(a);
        return item;
    }

    private static Split split(String name) {
        return new Split(name, List.of(Member.whole(name + ".csv", "v1", null)), 10);
    }
}
