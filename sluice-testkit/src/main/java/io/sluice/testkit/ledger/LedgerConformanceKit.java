package io.sluice.testkit.ledger;

import static io.sluice.spi.SplitState.CLAIMED;
import static io.sluice.spi.SplitState.DEAD;
import static io.sluice.spi.SplitState.DONE;
import static io.sluice.spi.SplitState.FAILED;
import static io.sluice.spi.SplitState.PENDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.Totals;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import io.sluice.spi.ledger.OutputLocks.Lock;
import io.sluice.spi.ledger.PlanStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Ledger} backend must do for the exactly-once contract to hold. A backend's module subclasses
 * this kit and says how to open its ledger; every test here then runs against that backend.
 *
 * <p>Time is a {@link MutableClock} handed to the ledger: leases expire and retries come due by moving it, never
 * by sleeping.
 *
 * <pre>{@code
 * class PostgresLedgerConformanceTest extends LedgerConformanceKit {
 *     protected Ledger openLedger(String pipeline, Clock clock) {
 *         return PostgresLedger.open(dataSource, newSchema(), pipeline, clock);   // a new schema per call
 *     }
 *     protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
 *         PostgresLedger pg = (PostgresLedger) existing;
 *         return PostgresLedger.open(newDataSource(), pg.schema(), pipeline, clock);
 *     }
 * }
 * }</pre>
 */
public abstract class LedgerConformanceKit {
    protected static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    protected static final Duration LEASE = Duration.ofMinutes(1);
    protected static final String PIPELINE = "kit";

    private static final EnumSet<SplitState> ALL = EnumSet.allOf(SplitState.class);

    protected final MutableClock clock = new MutableClock(START);
    protected Ledger ledger;
    private final List<Ledger> opened = new ArrayList<>();

    /** A fresh, empty store (a new file, database schema or key prefix) with a ledger for the pipeline on it. */
    protected abstract Ledger openLedger(String pipeline, Clock clock);

    /**
     * Another handle on the store behind {@code existing}, with its own connections, as a second process would
     * open it; {@code pipeline} may differ from the existing handle's.
     */
    protected abstract Ledger reopen(Ledger existing, String pipeline, Clock clock);

    /**
     * For a ledger that writes one {@code register} call in several steps (DynamoDB: transactions of 100 items): a
     * handle on the store behind {@code existing} whose process dies right before its {@code step}th write (that call
     * and every later one fail, and it releases nothing it holds). Null, the default, for a ledger that writes each
     * call in one step (one database transaction, one script), which a death cannot leave half done.
     */
    protected Ledger dyingBefore(Ledger existing, int step, String pipeline, Clock clock) {
        return null;
    }

    @BeforeEach
    void openTheLedger() {
        ledger = track(openLedger(PIPELINE, clock));
    }

    @AfterEach
    void closeEveryHandle() {
        opened.reversed().forEach(Ledger::close);
    }

    /** A second handle on the same store, closed after the test. */
    protected final Ledger anotherHandle(String pipeline) {
        return track(reopen(ledger, pipeline, clock));
    }

    private Ledger track(Ledger handle) {
        opened.add(handle);
        return handle;
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Test
    void registeringTheSameSplitsAgainIsANoOp() throws Exception {
        List<Split> plan = List.of(fileSplit("a.csv"), fileSplit("b.csv"));
        assertThat(ledger.register(plan)).containsExactly("a.csv@v1", "b.csv@v1");
        assertThat(ledger.register(plan)).isEmpty();

        ledger.complete(claim(ledger, "w1"), completion("a.csv@v1"));
        assertThat(ledger.register(plan))
                .as("a rescan does not bring done work back")
                .isEmpty();
        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L), entry(PENDING, 1L));
    }

    /**
     * {@code newestSplit}: the split registered last, whatever the state of it and of the others (a ledger may keep
     * one index per state), of this pipeline only, and none after a reset. The jdbc source asks it to find an earlier
     * definition of itself.
     */
    @Test
    void theNewestSplitIsTheOneRegisteredLastInAnyStateOfThisPipeline() throws Exception {
        assertThat(ledger.newestSplit()).isEmpty();
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv")));
        assertThat(ledger.newestSplit()).contains("b.csv@v1");
        ledger.complete(claim(ledger, "w1"), completion("a.csv@v1"));
        ledger.fail(claim(ledger, "w1"), "broke", Optional.empty());
        assertThat(ledger.newestSplit())
                .as("b dead, a done: b is still the newest")
                .contains("b.csv@v1");
        Ledger other = anotherHandle("another-pipeline");
        other.register(List.of(fileSplit("z.csv")));
        assertThat(ledger.newestSplit()).contains("b.csv@v1");
        assertThat(other.newestSplit()).contains("z.csv@v1");
        ledger.register(List.of(fileSplit("c.csv")));
        claim(ledger, "w2");
        assertThat(ledger.newestSplit()).as("c, claimed").contains("c.csv@v1");
        ledger.reset();
        assertThat(ledger.newestSplit()).isEmpty();
        assertThat(other.newestSplit()).contains("z.csv@v1");
    }

    @Test
    void aSecondPlannerSkipsSplitsWhoseInputsAreAlreadyRegistered() {
        assertThat(ledger.register(List.of(split("p1-0", file("x.csv", "v1"))))).containsExactly("p1-0");

        Ledger planner2 = anotherHandle(PIPELINE);
        List<String> registered = planner2.register(
                List.of(split("p2-0", file("y.csv", "v1"), file("x.csv", "v1")), split("p2-1", file("z.csv", "v1"))));

        assertThat(registered).containsExactly("p2-1");
        assertThat(ids(ledger.splits(ALL, 100))).containsExactly("p1-0", "p2-1");
        assertThat(ledger.known(List.of("y.csv")))
                .as("a skipped split registers none of its inputs")
                .isEmpty();
    }

    /**
     * Two planners read the ledger when only version A of x.csv was registered; then one registers B after A. The
     * other, which found C, cannot register C after A any more (a third planner that saw B registers C after B), nor
     * a planner that saw no registration register a first version: each version is registered once, after the
     * registration it really follows.
     */
    @Test
    void aSplitFollowingARegistrationThatIsNoLongerTheLatestIsSkipped() {
        assertThat(ledger.register(List.of(split("x", file("x.csv", "A"))), Map.of("x.csv", PlanStore.NOTHING)))
                .containsExactly("x");
        assertThat(ledger.register(List.of(split("x@B", file("x.csv", "B~a"))), Map.of("x.csv", "A")))
                .containsExactly("x@B");

        Ledger stale = anotherHandle(PIPELINE);
        assertThat(stale.register(List.of(split("x@C~a", file("x.csv", "C~a"))), Map.of("x.csv", "A")))
                .as("C after A, once B followed A")
                .isEmpty();
        assertThat(stale.register(
                        List.of(split("x", file("x.csv", "C")), split("y", file("y.csv", "A"))),
                        Map.of("x.csv", PlanStore.NOTHING, "y.csv", PlanStore.NOTHING)))
                .as(
                        "a first version of x.csv (under the id of the one registered: refused, not an error), once x.csv has one")
                .containsExactly("y");
        assertThat(ledger.register(List.of(split("x@C~b", file("x.csv", "C~b"))), Map.of("x.csv", "B~a")))
                .containsExactly("x@C~b");
        assertThat(ledger.known(List.of("x.csv")).get("x.csv").fingerprint()).isEqualTo("C~b");
        assertThat(ledger.register(List.of(split("x@D", file("x.csv", "D~c"))))) // no condition: as before
                .containsExactly("x@D");
    }

    /** The ranges of one version follow the same registration: each registers, in one call or one by one. */
    @Test
    void rangesOfAVersionFollowTheSameRegistration() {
        ledger.register(List.of(split("r", file("r.csv", "A"))));
        Map<String, String> afterA = Map.of("r.csv", "A");
        assertThat(ledger.register(
                        List.of(
                                split("r#0@B", new Member("r.csv", "B~a", 0, 100, null)),
                                split("r#100@B", new Member("r.csv", "B~a", 100, 200, null))),
                        afterA))
                .containsExactly("r#0@B", "r#100@B");
        assertThat(ledger.register(List.of(split("r#200@B", new Member("r.csv", "B~a", 200, 300, null))), afterA))
                .containsExactly("r#200@B");
        assertThat(ledger.register(List.of(split("r#0@C", new Member("r.csv", "C~a", 0, 150, null))), afterA))
                .as("another version after A")
                .isEmpty();
    }

    @Test
    void byteRangesAndNewVersionsOfAnInputAreNewWork() {
        assertThat(ledger.register(List.of(
                        split("x:0", new Member("x.log", "v1", 0, 100, null)),
                        split("x:100", new Member("x.log", "v1", 100, 250, null)),
                        split("x@v2", file("x.log", "v2")))))
                .containsExactly("x:0", "x:100", "x@v2");
    }

    @Test
    void knownGivesTheRangeRegisteredLastSoATailContinuesFromIt() {
        ledger.register(List.of(split("t:0", new Member("t.log", "g1", 0, 100, null))));
        ledger.register(List.of(split("t:100", new Member("t.log", "g1", 100, 250, null))));
        assertThat(ledger.known(List.of("t.log")))
                .containsExactly(entry("t.log", new KnownMember("t.log", "g1", 100, 250, "t:100", PENDING)));
    }

    @Test
    void aDigestOwnedByAnotherKeySkipsTheSplit() {
        String d = "d".repeat(64);
        String e = "e".repeat(64);
        String f = "f".repeat(64);
        assertThat(ledger.register(List.of(split("a", Member.whole("a.csv", "v1", d)))))
                .containsExactly("a");

        assertThat(ledger.register(List.of(
                        split("b", Member.whole("b.csv", "v1", d), Member.whole("b2.csv", "v1", f)),
                        split("c", Member.whole("c.csv", "v1", e)))))
                .as("b holds a.csv's content under another name")
                .containsExactly("c");
        assertThat(ledger.register(List.of(split("a@v2", Member.whole("a.csv", "v2", d)))))
                .as("the digest's own key may register a new version")
                .containsExactly("a@v2");

        assertThat(ledger.digestOwner(d)).contains("a.csv");
        assertThat(ledger.digestOwner(e)).contains("c.csv");
        assertThat(ledger.digestOwner(f)).as("a skipped split claims no digest").isEmpty();
    }

    @Test
    void knownReturnsTheLatestVersionOfEachKeyWithItsState() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        ledger.complete(claim(ledger, "w1"), completion("a.csv@v1"));
        ledger.register(List.of(
                split("a.csv@v2", file("a.csv", "v2")), split("pair", file("b.csv", "v7"), file("c.csv", "v3"))));

        Map<String, KnownMember> known = ledger.known(List.of("a.csv", "b.csv", "c.csv", "never.csv"));

        assertThat(known)
                .containsOnly(
                        entry("a.csv", new KnownMember("a.csv", "v2", 0, Member.WHOLE, "a.csv@v2", PENDING)),
                        entry("b.csv", new KnownMember("b.csv", "v7", 0, Member.WHOLE, "pair", PENDING)),
                        entry("c.csv", new KnownMember("c.csv", "v3", 0, Member.WHOLE, "pair", PENDING)));
        claim(ledger, "w1");
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").state()).isEqualTo(CLAIMED);
        assertThat(ledger.known(List.of())).isEmpty();
    }

    /**
     * {@code latestDone} gives each key's latest registration whose split is done, past later versions that ended
     * dead or are not processed yet: the done version whose output a new version replaces ({@code sluice plan}).
     */
    @Test
    void latestDoneGivesTheDoneVersionPastLaterOnesThatAreNot() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv")));
        ledger.complete(claim(ledger, "w1"), completion("a.csv@v1"));
        ledger.fail(claim(ledger, "w1"), "refused", Optional.empty());
        ledger.register(List.of(split("a.csv@v2", file("a.csv", "v2"))));
        ledger.fail(claim(ledger, "w1"), "refused", Optional.empty());
        ledger.register(List.of(split("a.csv@v3", file("a.csv", "v3"))));

        KnownMember first = new KnownMember("a.csv", "v1", 0, Member.WHOLE, "a.csv@v1", DONE);
        assertThat(ledger.latestDone(List.of("a.csv", "b.csv", "never.csv")))
                .as("a.csv: v2 dead, v3 pending; b.csv: its only version dead; never.csv unknown")
                .containsOnly(entry("a.csv", first));
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").splitId()).isEqualTo("a.csv@v3");

        ledger.complete(claim(ledger, "w1"), completion("a.csv@v3"));
        assertThat(ledger.latestDone(List.of("a.csv")))
                .containsOnly(entry("a.csv", new KnownMember("a.csv", "v3", 0, Member.WHOLE, "a.csv@v3", DONE)));
        ledger.register(List.of(split("pack:p.csv+2", file("p.csv", "p1"), file("q.csv", "q1"))));
        ledger.complete(claim(ledger, "w1"), completion("pack:p.csv+2"));
        assertThat(ledger.latestDone(List.of("p.csv", "q.csv", "a.csv")))
                .as("the inputs of one done pack, asked together, each with its own version")
                .containsOnly(
                        entry("p.csv", new KnownMember("p.csv", "p1", 0, Member.WHOLE, "pack:p.csv+2", DONE)),
                        entry("q.csv", new KnownMember("q.csv", "q1", 0, Member.WHOLE, "pack:p.csv+2", DONE)),
                        entry("a.csv", new KnownMember("a.csv", "v3", 0, Member.WHOLE, "a.csv@v3", DONE)));
        ledger.replay(List.of("a.csv@v3"));
        assertThat(ledger.latestDone(List.of("a.csv")))
                .as("sent back to pending: no longer done")
                .containsOnly(entry("a.csv", first));
        assertThat(ledger.latestDone(List.of())).isEmpty();
    }

    /**
     * A pack planned again because one of its inputs changed holds every input of the pack; the files source registers
     * the unchanged ones again under their fingerprint tagged with the new pack's version. Those are new identities:
     * the split is new work, {@code known} points every input to it, and another planner's split with the same
     * tagged input is refused, as for any input.
     */
    @Test
    void aPackPlannedAgainRegistersItsUnchangedInputsAgainUnderTaggedFingerprints() throws Exception {
        assertThat(ledger.register(
                        List.of(split("pack:a+2:0000", file("a.csv", "v1"), file("b.csv", "v1"), file("c.csv", "v1")))))
                .containsExactly("pack:a+2:0000");
        ledger.complete(claim(ledger, "w1"), completion("pack:a+2:0000"));

        Split again = split("pack:a+2:0000@t2", file("a.csv", "v1~t2"), file("b.csv", "v2"), file("c.csv", "v1~t2"));
        assertThat(ledger.register(List.of(again))).containsExactly("pack:a+2:0000@t2");
        assertThat(ledger.register(List.of(again)))
                .as("the same split again: a no-op")
                .isEmpty();
        assertThat(anotherHandle(PIPELINE)
                        .register(List.of(split("rival", file("c.csv", "v1~t2"), file("d.csv", "v1")))))
                .as("a tagged input registered once, like any")
                .isEmpty();

        assertThat(ledger.known(List.of("a.csv", "b.csv", "c.csv")))
                .containsOnly(
                        entry("a.csv", new KnownMember("a.csv", "v1~t2", 0, Member.WHOLE, "pack:a+2:0000@t2", PENDING)),
                        entry("b.csv", new KnownMember("b.csv", "v2", 0, Member.WHOLE, "pack:a+2:0000@t2", PENDING)),
                        entry(
                                "c.csv",
                                new KnownMember("c.csv", "v1~t2", 0, Member.WHOLE, "pack:a+2:0000@t2", PENDING)));
        Claim claim = claim(ledger, "w1");
        assertThat(claim.split()).isEqualTo(again);
    }

    /**
     * A planner takes an input's version as seen once the ledger holds any split of it ({@link PlanStore#known}), so
     * a registration that dies midway must leave each version of an input (a file's byte ranges, a pack) registered
     * whole or not at all: registered in part, its other splits would never be planned again. For a ledger that
     * writes a registration in several steps, a death before each step in turn; then another process sees each
     * version whole or not at all, and registers the plan again, one file having changed meanwhile: every input ends
     * with a version registered whole, and no version in part. Rule 1.
     */
    @Test
    void aRegistrationThatDiesMidwayLeavesEachInputWholeOrNotAtAll() {
        List<Split> first = new ArrayList<>();
        List<Split> again = new ArrayList<>();
        Map<String, String> follows = new java.util.HashMap<>();
        for (var file : Map.of("a.csv", 40, "b.csv", 40, "c.csv", 100).entrySet()) {
            String key = file.getKey();
            for (int i = 0; i < file.getValue(); i++) {
                first.add(split(key + "#" + i, new Member(key, "v1", i * 100L, i * 100L + 100, null)));
                // c.csv changed while no planner was alive: planned again in its new version
                again.add(
                        key.equals("c.csv")
                                ? split(key + "#" + i + "@v2", new Member(key, "v2", i * 90L, i * 90L + 90, null))
                                : first.getLast());
            }
            follows.put(key, PlanStore.NOTHING);
        }
        Split pack = split(
                "pack",
                IntStream.range(0, 60)
                        .mapToObj(i -> file("p/" + i + ".csv", "v1"))
                        .toArray(Member[]::new));
        Split single = split("d.csv@v1", file("d.csv", "v1"));
        first.addAll(List.of(pack, single));
        again.addAll(List.of(pack, single));

        for (int step = 1; ; step++) {
            Ledger store = track(openLedger(PIPELINE, clock));
            Ledger dying = dyingBefore(store, step, PIPELINE, clock);
            if (dying == null) {
                assertThat(store.register(first, follows))
                        .as("one step: all at once")
                        .hasSize(first.size());
                assertEachVersionWholeOrNone(store, first, again, "registered in one step");
                return;
            }
            try {
                assertThat(dying.register(first, follows)).hasSize(first.size());
                assertThat(step).as("the registration took several steps").isGreaterThan(2);
                return; // it took fewer steps: every point of death was tried
            } catch (RuntimeException died) {
                // as asked
            } finally {
                dying.close();
            }
            clock.advance(Duration.ofMinutes(2)); // whatever the dead process held has run out

            Ledger next = track(reopen(store, PIPELINE, clock));
            assertEachVersionWholeOrNone(next, first, again, "died before step " + step);
            next.register(again, follows);
            Map<String, KnownMember> known =
                    assertEachVersionWholeOrNone(next, first, again, "died before step " + step + ", registered again");
            assertThat(known.keySet())
                    .as("died before step %d, registered again: every input", step)
                    .containsAll(follows.keySet());
        }
    }

    /**
     * Each version of an input in these plans (the splits holding it in that fingerprint) is held whole or not at all,
     * and an input is known only in a version held whole. Returns what {@code known} said.
     */
    private static Map<String, KnownMember> assertEachVersionWholeOrNone(
            Ledger ledger, List<Split> first, List<Split> again, String when) {
        Map<String, Set<String>> versions = new java.util.TreeMap<>();
        for (List<Split> plan : List.of(first, again)) {
            for (Split s : plan) {
                for (Member m : s.members()) {
                    versions.computeIfAbsent(m.key() + " in " + m.fingerprint(), v -> new java.util.HashSet<>())
                            .add(s.id());
                }
            }
        }
        // known first, as a planner asks: a ledger may finish what a dead process left half written before it answers
        Map<String, KnownMember> known = ledger.known(versions.keySet().stream()
                .map(v -> v.substring(0, v.indexOf(" in ")))
                .collect(Collectors.toSet()));
        Set<String> held = ledger.splits(ALL, Integer.MAX_VALUE).stream()
                .map(SplitInfo::id)
                .collect(Collectors.toSet());
        for (var version : versions.entrySet()) {
            if (version.getValue().stream().noneMatch(held::contains)) continue;
            assertThat(held)
                    .as("%s: the splits of %s, all registered or none", when, version.getKey())
                    .containsAll(version.getValue());
        }
        known.forEach((key, k) -> assertThat(held)
                .as("%s: %s known in %s, registered whole", when, key, k.fingerprint())
                .containsAll(versions.get(key + " in " + k.fingerprint())));
        assertThat(ledger.counts().getOrDefault(PENDING, 0L))
                .as("%s: each split once, pending", when)
                .isEqualTo(held.size());
        return known;
    }

    @Test
    void twentyThousandInputsRegisterAndLookUpInOneCall() {
        List<Split> plan = IntStream.range(0, 20_000)
                .mapToObj(i -> split("s" + i, file("in/" + i + ".csv", "size" + i)))
                .toList();
        List<String> keys = new ArrayList<>(
                plan.stream().map(s -> s.members().getFirst().key()).toList());
        keys.add("in/missing.csv");

        assertThat(ledger.register(plan)).hasSize(20_000);
        Map<String, KnownMember> known = ledger.known(keys);

        assertThat(known).hasSize(20_000);
        assertThat(known.get("in/12345.csv"))
                .isEqualTo(new KnownMember("in/12345.csv", "size12345", 0, Member.WHOLE, "s12345", PENDING));
        assertThat(ledger.register(plan)).isEmpty();
    }

    @Test
    void aDifferentSplitUnderARegisteredIdIsRefusedAndTheBatchNotRegistered() {
        ledger.register(List.of(split("s", file("a.csv", "v1"))));

        assertThatThrownBy(() ->
                        ledger.register(List.of(split("t", file("t.csv", "v1")), split("s", file("a.csv", "v2")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s");
        assertThat(ledger.known(List.of("t.csv"))).isEmpty();
        assertThat(ledger.counts()).containsOnly(entry(PENDING, 1L));
    }

    // ---- payloads and output keys ---------------------------------------------------------------------

    @Test
    void aSplitsPayloadAndOutputKeyComeBackWhereverTheSplitDoes() {
        Split range = new Split(
                "logs/a.log#0-100",
                List.of(new Member("logs/a.log", "etag-1", 0, 100, null)),
                100,
                "{\"path\":\"logs/a.log\",\"range\":[0,100],\"note\":\"quotes \\\" and \\\\, ünïcödé, 日本\\n\"}",
                new OutputKey("logs/a.log", "etag-1", 0, 100));
        Split pack = new Split(
                "pack:b+1:0000",
                List.of(file("b.csv", "v1"), file("c.csv", "v1")),
                200,
                "",
                new OutputKey("pack:b+1:0000", "", 0, Member.WHOLE));
        Split tail =
                new Split("t.log#0-50", List.of(new Member("t.log", "g1", 0, 50, null)), 50, "{\"tail\":true}", null);
        Split bare = fileSplit("d.csv");
        assertThat(ledger.register(List.of(range, pack, tail, bare))).hasSize(4);

        Ledger other = anotherHandle(PIPELINE);
        for (Split s : List.of(range, pack, tail, bare)) {
            assertThat(other.split(s.id())).as("split(id) of " + s.id()).contains(s);
        }
        assertThat(ledger.split("nope")).isEmpty();
        assertThat(anotherHandle("other-pipeline").split(range.id()))
                .as("splits belong to their pipeline")
                .isEmpty();
        assertThat(other.splits(List.of(bare.id(), "nope", range.id(), pack.id(), tail.id())))
                .as("splits(ids): each as split(id) gives it, unknown ids absent")
                .containsOnly(
                        entry(bare.id(), bare),
                        entry(range.id(), range),
                        entry(pack.id(), pack),
                        entry(tail.id(), tail));
        assertThat(anotherHandle("other-pipeline").splits(List.of(range.id()))).isEmpty();
        assertThat(ledger.splits(List.of())).isEmpty();

        assertThat(claim(ledger, "w1").split())
                .as("a claim: the payload and every field of the output key")
                .isEqualTo(range);
        assertThat(other.claim(tail.id(), "w2", LEASE).orElseThrow().split())
                .as("a named claim, output key null")
                .isEqualTo(tail);
        assertThat(claim(other, "w3").split())
                .as("an empty payload stays empty, not none")
                .isEqualTo(pack);
        assertThat(claim(ledger, "w1").split()).as("none stays none").isEqualTo(bare);
    }

    @Test
    void aLargePayloadIsKeptWhole() {
        String payload = "{\"objects\":["
                + IntStream.range(0, 2_000)
                        .mapToObj(i -> "\"s3://bucket/päth/" + i + ".csv.gz\"")
                        .collect(Collectors.joining(","))
                + "]}";
        Split big = new Split("big", List.of(file("big.csv", "v1")), 100, payload, null);
        ledger.register(List.of(big));

        assertThat(ledger.split("big").orElseThrow().payload()).isEqualTo(payload);
        assertThat(claim(ledger, "w1").split().payload()).isEqualTo(payload);
    }

    @Test
    void replacementsKeepTheirPayloadsAndOutputKeys() throws Exception {
        Split pack = new Split(
                "pack",
                List.of(file("a.csv", "v1"), file("b.csv", "v1")),
                200,
                "{\"n\":2}",
                new OutputKey("pack", "", 0, Member.WHOLE));
        ledger.register(List.of(pack));
        Claim held = claim(ledger, "w1");
        Split good = new Split(
                "pack", List.of(file("a.csv", "v1")), 100, "{\"n\":1}", new OutputKey("pack", "h1", 0, Member.WHOLE));
        Split bad = new Split(
                "b.csv", List.of(file("b.csv", "v1")), 100, null, new OutputKey("b.csv", "v1", 0, Member.WHOLE));

        assertThat(ledger.replace(held, List.of(good, bad))).containsExactly("pack", "b.csv");

        assertThat(anotherHandle(PIPELINE).split("pack"))
                .as("the replacement under the replaced split's id")
                .contains(good);
        assertThat(ledger.split("b.csv")).contains(bad);
        Claim b = ledger.claim("b.csv", "w2", LEASE).orElseThrow();
        assertThat(b.split()).isEqualTo(bad);
        assertThat(claim(ledger, "w2").split()).isEqualTo(good);

        ledger.replace(b, List.of());
        assertThat(ledger.split("b.csv")).as("a split forgotten by a replace").isEmpty();
        assertThat(ledger.splits(List.of("b.csv", "pack"))).containsOnlyKeys("pack");
    }

    /** {@code splits(ids)} of more splits than one request or script holds (DynamoDB reads 100, Redis 1,000 a call). */
    @Test
    void splitsReadsManyInOneCall() {
        List<Split> many = IntStream.range(0, 1_050)
                .mapToObj(i -> split("s" + i, file("f" + i + ".csv", "v1")))
                .toList();
        ledger.register(many);
        List<String> asked = new ArrayList<>(many.stream().map(Split::id).toList());
        asked.add("nope");
        Map<String, Split> found = ledger.splits(asked);
        assertThat(found).hasSize(many.size());
        many.forEach(s -> assertThat(found.get(s.id())).isEqualTo(s));
    }

    // ---- claims ---------------------------------------------------------------------------------------

    @Test
    void claimsGoOldestFirstAndCarryTheWholeSplit() {
        Split multi = new Split(
                "multi",
                List.of(
                        new Member("z.csv", "fz", 0, 1000, "1".repeat(64)),
                        new Member("a.csv", "fa", 500, Member.WHOLE, null),
                        Member.whole("m.csv", "fm", "3".repeat(64))),
                12_345);
        ledger.register(List.of(multi));
        ledger.register(List.of(fileSplit("second.csv")));

        Claim first = claim(ledger, "w1");

        assertThat(first.split())
                .as("members in registered order, every field kept")
                .isEqualTo(multi);
        assertThat(first.owner()).isEqualTo("w1");
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.leaseUntil()).isEqualTo(START.plus(LEASE));
        assertThat(claim(ledger, "w1").splitId()).isEqualTo("second.csv@v1");
        assertThat(ledger.claim("w1", LEASE)).isEmpty();
    }

    @Test
    void racingWorkersNeverGetTheSameSplit() throws Exception {
        int splits = 500;
        int threads = 8;
        ledger.register(
                IntStream.range(0, splits).mapToObj(i -> fileSplit("f" + i)).toList());
        List<Ledger> handles = List.of(ledger, anotherHandle(PIPELINE), anotherHandle(PIPELINE));
        Map<String, AtomicInteger> grants = new ConcurrentHashMap<>();
        Queue<Claim> claims = new ConcurrentLinkedQueue<>();

        inParallel(threads, worker -> {
            Ledger handle = handles.get(worker % handles.size());
            for (Optional<Claim> c; (c = handle.claim("w" + worker, Duration.ofHours(1))).isPresent(); ) {
                grants.computeIfAbsent(c.get().splitId(), id -> new AtomicInteger())
                        .incrementAndGet();
                claims.add(c.get());
            }
        });

        assertThat(grants).hasSize(splits);
        assertThat(grants.values())
                .allSatisfy(n -> assertThat(n.get()).as("grants of one split").isEqualTo(1));
        List<Claim> all = List.copyOf(claims);
        inParallel(threads, worker -> {
            Ledger handle = handles.get((worker + 1) % handles.size());
            for (int i = worker; i < all.size(); i += threads) handle.complete(all.get(i), completion("x"));
        });
        assertThat(ledger.counts()).containsOnly(entry(DONE, (long) splits));
    }

    @Test
    void anExpiredLeaseIsTakenOverAndTheOldHolderIsFenced() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim old = claim(ledger, "w1");
        clock.advance(LEASE.minusSeconds(1));
        assertThat(ledger.claim("w2", LEASE))
                .as("no takeover before the lease ends")
                .isEmpty();
        clock.advance(Duration.ofSeconds(2));

        Claim fresh = claim(ledger, "w2");

        assertThat(fresh.splitId()).isEqualTo(old.splitId());
        assertThat(fresh.token()).isGreaterThan(old.token());
        assertThat(fresh.attempt()).isEqualTo(2);
        assertThatThrownBy(() -> ledger.complete(old, completion("a.csv@v1"))).isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger.fail(old, "late", Optional.empty())).isInstanceOf(StaleClaimException.class);
        assertThat(ledger.heartbeat(old, LEASE)).isFalse();
        ledger.release(old);
        assertThat(ledger.isCurrent(old)).isFalse();
        assertThat(ledger.isCurrent(fresh)).isTrue();
        assertThat(info("a.csv@v1").owner()).isEqualTo("w2");

        ledger.complete(fresh, new Completion(7, 6, 1, List.of("out/a.parquet"), "v1"));

        SplitInfo done = info("a.csv@v1");
        assertThat(done.state()).isEqualTo(DONE);
        assertThat(done.rowsIn()).isEqualTo(7);
        assertThat(done.rowsOut()).isEqualTo(6);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(ledger.isCurrent(fresh))
                .as("a done split has no current claim")
                .isFalse();
    }

    /**
     * {@code splitsNamed} looks the named splits up whatever their state, as {@code splits} shows them (a Kubernetes
     * controller counts a split whose Job ended so): unknown ids and a split forgotten by a replace are left out.
     */
    @Test
    void namedSplitsAreLookedUpInAnyStateAsTheListingShowsThem() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv")));
        ledger.complete(claim(ledger, "w1"), new Completion(7, 6, 1, List.of("out/a.parquet"), "v1"));
        ledger.fail(claim(ledger, "w1"), "broken", Optional.empty());
        Claim replaced = claim(ledger, "w1");
        ledger.replace(replaced, List.of(split("c-again", file("c2.csv", "v1"))));

        List<SplitInfo> named = ledger.splitsNamed(List.of("b.csv@v1", "never", "a.csv@v1", "c.csv@v1", "d.csv@v1"));

        assertThat(named)
                .containsExactlyInAnyOrderElementsOf(ledger.splits(ALL, 100).stream()
                        .filter(s -> List.of("a.csv@v1", "b.csv@v1", "d.csv@v1").contains(s.id()))
                        .toList());
        assertThat(named).extracting(SplitInfo::state).containsExactlyInAnyOrder(DONE, DEAD, PENDING);
        assertThat(named.stream().filter(s -> s.state() == DONE).findFirst().orElseThrow())
                .extracting(SplitInfo::rowsIn, SplitInfo::rowsOut, SplitInfo::rejected)
                .containsExactly(7L, 6L, 1L);
        assertThat(ledger.splitsNamed(List.of())).isEmpty();
    }

    @Test
    void anExpiredClaimThatNobodyTookOverMayStillComplete() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim slow = claim(ledger, "w1");
        clock.advance(LEASE.multipliedBy(3));

        assertThat(ledger.isCurrent(slow)).isTrue();
        ledger.complete(slow, completion("a.csv@v1"));

        assertThat(info("a.csv@v1").state()).isEqualTo(DONE);
        assertThat(ledger.claim("w2", LEASE)).isEmpty();
    }

    @Test
    void aCompletionOrFailureMadeAgainByItsClaimIsAccepted() throws Exception {
        // the same call sent again after its answer was lost (a connection reset after the commit went through, which
        // a pool member retries): it finds its own record, and is not refused as stale (the worker would report the
        // split lost and skip after: delete/move_to)
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv")));
        Claim a = claim(ledger, "w1");
        ledger.complete(a, completion("a.csv@v1"));
        ledger.complete(a, completion("a.csv@v1"));
        Claim b = claim(ledger, "w1");
        Optional<Instant> retryAt = Optional.of(START.plus(Duration.ofHours(1)));
        ledger.fail(b, "b broke", retryAt);
        ledger.fail(b, "b broke", retryAt);
        Claim c = claim(ledger, "w1");
        ledger.fail(c, "c broke", Optional.empty());
        ledger.fail(c, "c broke", Optional.empty());

        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L), entry(FAILED, 1L), entry(DEAD, 1L));
        assertThat(info("a.csv@v1").rowsIn()).isEqualTo(10);
        assertThatThrownBy(() -> ledger.fail(a, "late", Optional.empty()))
                .as("another end of a claim already ended is stale")
                .isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger.complete(c, completion("c.csv@v1")))
                .as("another end of a claim already ended is stale")
                .isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger.fail(b, "b broke", Optional.empty()))
                .as("another end of a claim already ended is stale")
                .isInstanceOf(StaleClaimException.class);
    }

    @Test
    void anEndRecordedByAnotherClaimIsNeverTakenForThisClaimsRepeat() throws Exception {
        // accepting a repeated complete/fail must not accept a claim that did not record it: not one from before a
        // reset (whose split's new record another claim ended), nor one a replay sent back and another claim ended
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv")));
        Claim beforeReset = claim(ledger, "w1");
        ledger.reset();
        ledger.register(List.of(fileSplit("a.csv")));
        ledger.complete(claim(ledger, "w2"), completion("a.csv@v1"));
        assertThatThrownBy(() -> ledger.complete(beforeReset, completion("a.csv@v1")))
                .as("a claim from before the reset, the new record done by another")
                .isInstanceOf(StaleClaimException.class);

        ledger.register(List.of(fileSplit("b.csv")));
        Claim first = claim(ledger, "w1");
        ledger.complete(first, completion("b.csv@v1"));
        assertThat(ledger.replay(List.of("b.csv@v1"))).isEqualTo(1);
        ledger.fail(claim(ledger, "w2"), "b broke", Optional.empty());
        assertThatThrownBy(() -> ledger.complete(first, completion("b.csv@v1")))
                .as("a claim whose split was replayed and ended by another")
                .isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger.fail(first, "b broke", Optional.empty()))
                .as("a claim whose split was replayed and ended by another")
                .isInstanceOf(StaleClaimException.class);
        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L), entry(DEAD, 1L));
    }

    @Test
    void aHeartbeatExtendsTheLease() {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim c = claim(ledger, "w1");
        clock.advance(Duration.ofSeconds(50));
        assertThat(ledger.heartbeat(c, LEASE)).isTrue();

        clock.advance(Duration.ofSeconds(50));
        assertThat(ledger.claim("w2", LEASE))
                .as("past the first lease, within the renewed one")
                .isEmpty();
        assertThat(ledger.isCurrent(c)).isTrue();
        assertThat(info("a.csv@v1").leaseUntil()).isEqualTo(START.plusSeconds(110));

        clock.advance(Duration.ofSeconds(11));
        assertThat(claim(ledger, "w2").token()).isGreaterThan(c.token());
        assertThat(ledger.heartbeat(c, LEASE)).isFalse();
    }

    @Test
    void aNamedSplitIsClaimedOnlyWhenClaimable() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv")));

        Claim b = ledger.claim("b.csv@v1", "w1", LEASE).orElseThrow();
        assertThat(b.split()).isEqualTo(fileSplit("b.csv"));
        assertThat(b.owner()).isEqualTo("w1");
        assertThat(b.attempt()).isEqualTo(1);
        assertThat(b.leaseUntil()).isEqualTo(START.plus(LEASE));
        assertThat(claim(ledger, "w2").splitId())
                .as("the oldest is still claimable by anyone")
                .isEqualTo("a.csv@v1");
        assertThat(ledger.claim("b.csv@v1", "w2", LEASE))
                .as("held by a live lease")
                .isEmpty();
        assertThat(ledger.claim("nope", "w2", LEASE)).as("unknown").isEmpty();

        ledger.complete(claim(ledger, "w1"), completion("c.csv@v1"));
        assertThat(ledger.claim("c.csv@v1", "w2", LEASE)).as("done").isEmpty();
        ledger.fail(ledger.claim("d.csv@v1", "w1", LEASE).orElseThrow(), "d broke", Optional.empty());
        assertThat(ledger.claim("d.csv@v1", "w2", LEASE)).as("dead").isEmpty();

        clock.advance(LEASE);
        Claim taken = anotherHandle(PIPELINE).claim("b.csv@v1", "w2", LEASE).orElseThrow();
        assertThat(taken.token()).as("a takeover gets a newer token").isGreaterThan(b.token());
        assertThat(taken.attempt()).isEqualTo(2);
        assertThatThrownBy(() -> ledger.complete(b, completion("b.csv@v1"))).isInstanceOf(StaleClaimException.class);

        Instant retryAt = clock.instant().plusSeconds(10);
        ledger.fail(taken, "b broke", Optional.of(retryAt));
        assertThat(ledger.claim("b.csv@v1", "w3", LEASE))
                .as("waiting for its retry time")
                .isEmpty();
        clock.set(retryAt);
        Claim retried = ledger.claim("b.csv@v1", "w3", LEASE).orElseThrow();
        assertThat(retried.token()).isGreaterThan(taken.token());
        assertThat(retried.attempt()).isEqualTo(3);
        assertThat(info("b.csv@v1"))
                .extracting(SplitInfo::state, SplitInfo::owner, SplitInfo::token)
                .containsExactly(CLAIMED, "w3", retried.token());
    }

    @Test
    void racingNamedClaimsGrantTheSplitOnce() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv")));
        List<Ledger> handles = List.of(ledger, anotherHandle(PIPELINE), anotherHandle(PIPELINE));
        Queue<Claim> grants = new ConcurrentLinkedQueue<>();

        inParallel(
                8,
                worker -> handles.get(worker % handles.size())
                        .claim("b.csv@v1", "w" + worker, LEASE)
                        .ifPresent(grants::add));

        assertThat(grants).hasSize(1);
        assertThat(info("b.csv@v1").owner()).isEqualTo(grants.peek().owner());
        assertThat(info("a.csv@v1").state()).isEqualTo(PENDING);
    }

    @Test
    void expireEndsALeaseAtOnceAndATakeoverCountsAnAttempt() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim gone = claim(ledger, "w1");
        assertThat(ledger.claim("w2", LEASE)).isEmpty();

        assertThat(anotherHandle(PIPELINE).expire("a.csv@v1", gone.token())).isTrue();

        assertThat(info("a.csv@v1").leaseUntil()).isEqualTo(START);
        assertThat(ledger.isCurrent(gone))
                .as("current until someone takes it over, like any expired claim")
                .isTrue();
        Claim taken = claim(ledger, "w2");
        assertThat(taken.splitId()).isEqualTo("a.csv@v1");
        assertThat(taken.attempt()).isEqualTo(2);
        assertThat(taken.token()).isGreaterThan(gone.token());
        assertThat(ledger.expire("a.csv@v1", gone.token())).as("a stale token").isFalse();
        assertThat(ledger.expire("nope", taken.token())).as("an unknown split").isFalse();
        assertThatThrownBy(() -> ledger.complete(gone, completion("a.csv@v1"))).isInstanceOf(StaleClaimException.class);
        assertThat(info("a.csv@v1").leaseUntil())
                .as("the new lease is untouched")
                .isEqualTo(START.plus(LEASE));

        ledger.complete(taken, completion("a.csv@v1"));
        assertThat(ledger.expire("a.csv@v1", taken.token())).as("a done split").isFalse();
        assertThat(info("a.csv@v1").state()).isEqualTo(DONE);
    }

    @Test
    void expiringAnExpiredLeaseKeepsItsEnd() {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim late = claim(ledger, "w1");
        clock.advance(LEASE.multipliedBy(2));

        assertThat(ledger.expire("a.csv@v1", late.token())).isTrue();

        assertThat(info("a.csv@v1").leaseUntil()).isEqualTo(START.plus(LEASE));
        assertThat(claim(ledger, "w2").attempt()).isEqualTo(2);
    }

    // ---- replacing a split ----------------------------------------------------------------------------

    @Test
    void replaceForgetsTheSplitAndRegistersItsReplacementsWithTheSameInputs() throws Exception {
        String da = "a".repeat(64);
        String dc = "c".repeat(64);
        Split pack =
                split("pack", Member.whole("a.csv", "v1", da), file("b.csv", "v1"), Member.whole("c.csv", "v1", dc));
        ledger.register(List.of(pack, fileSplit("z.csv")));
        Claim held = claim(ledger, "w1");

        List<String> registered = ledger.replace(
                held,
                List.of(
                        split("pack-good", Member.whole("a.csv", "v1", da), file("b.csv", "v1")),
                        split("pack-bad", Member.whole("c.csv", "v1", dc))));

        assertThat(registered).containsExactly("pack-good", "pack-bad");
        assertThat(ids(ledger.splits(ALL, 100))).containsExactlyInAnyOrder("z.csv@v1", "pack-good", "pack-bad");
        assertThat(ledger.counts()).as("the replaced split is counted nowhere").containsOnly(entry(PENDING, 3L));
        assertThat(ledger.isCurrent(held)).isFalse();
        assertThatThrownBy(() -> ledger.complete(held, completion("pack"))).isInstanceOf(StaleClaimException.class);
        assertThat(ledger.known(List.of("a.csv", "c.csv")))
                .containsOnly(
                        entry("a.csv", new KnownMember("a.csv", "v1", 0, Member.WHOLE, "pack-good", PENDING)),
                        entry("c.csv", new KnownMember("c.csv", "v1", 0, Member.WHOLE, "pack-bad", PENDING)));
        assertThat(ledger.digestOwner(da)).contains("a.csv");
        assertThat(ledger.digestOwner(dc)).contains("c.csv");

        assertThat(anotherHandle(PIPELINE).register(List.of(pack, split("rival", file("b.csv", "v1")))))
                .as("planning again registers nothing twice")
                .isEmpty();
        assertThat(ledger.register(List.of(split("copy", Member.whole("copy-of-a.csv", "v1", da)))))
                .as("the digest still belongs to a.csv")
                .isEmpty();
        Claim next = claim(ledger, "w2");
        assertThat(next.splitId()).isEqualTo("z.csv@v1");
        Claim good = claim(ledger, "w2");
        assertThat(good.split()).isEqualTo(split("pack-good", Member.whole("a.csv", "v1", da), file("b.csv", "v1")));
        assertThat(good.token()).isGreaterThan(held.token());
        assertThat(good.attempt()).isEqualTo(1);
    }

    @Test
    void aReplacementMayReuseTheReplacedSplitsId() throws Exception {
        ledger.register(List.of(split("pack", file("a.csv", "v1"), file("b.csv", "v1"))));
        Claim held = claim(ledger, "w1");

        assertThat(ledger.replace(
                        held, List.of(split("pack", file("a.csv", "v1")), split("pack~b", file("b.csv", "v1")))))
                .containsExactly("pack", "pack~b");

        Claim again = ledger.claim("pack", "w1", LEASE).orElseThrow();
        assertThat(again.split().members()).containsExactly(file("a.csv", "v1"));
        assertThat(again.token()).isGreaterThan(held.token());
        assertThat(again.attempt()).as("a new split: its attempts start over").isEqualTo(1);
    }

    @Test
    void replaceWithAStaleClaimIsRefusedAndChangesNothing() throws Exception {
        ledger.register(List.of(split("pack", file("a.csv", "v1"), file("b.csv", "v1"))));
        Claim old = claim(ledger, "w1");
        clock.advance(LEASE);
        Claim fresh = claim(ledger, "w2");
        List<Split> replacements = List.of(split("pack-a", file("a.csv", "v1")), split("pack-b", file("b.csv", "v1")));

        assertThatThrownBy(() -> ledger.replace(old, replacements)).isInstanceOf(StaleClaimException.class);

        assertThat(ledger.splits(ALL, 100))
                .extracting(SplitInfo::id, SplitInfo::state, SplitInfo::owner)
                .containsExactly(tuple("pack", CLAIMED, "w2"));
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").splitId()).isEqualTo("pack");
        assertThat(ledger.isCurrent(fresh)).isTrue();
        ledger.complete(fresh, completion("pack"));
        assertThatThrownBy(() -> ledger.replace(fresh, replacements))
                .as("a done split has no current claim")
                .isInstanceOf(StaleClaimException.class);
        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L));
    }

    @Test
    void aReplacementRefusedByTheRegistrationRulesChangesNothing() {
        ledger.register(List.of(split("pack", file("a.csv", "v1"), file("b.csv", "v1")), fileSplit("z.csv")));
        Claim held = claim(ledger, "w1");

        assertThatThrownBy(() -> ledger.replace(
                        held, List.of(split("pack-a", file("a.csv", "v1")), split("z.csv@v1", file("b.csv", "v1")))))
                .as("an id registered with other members")
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(ids(ledger.splits(ALL, 100))).containsExactly("pack", "z.csv@v1");
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").splitId()).isEqualTo("pack");
        assertThat(ledger.isCurrent(held)).isTrue();
    }

    @Test
    void aReplacedSplitsInputsFallBackToTheirEarlierVersionsInKnown() throws Exception {
        ledger.register(List.of(split("t:0", new Member("t.log", "g1", 0, 100, null))));
        ledger.complete(claim(ledger, "w1"), completion("t:0"));
        ledger.register(List.of(split("t:100", new Member("t.log", "g1", 100, 250, null))));
        Claim held = claim(ledger, "w1");

        assertThat(ledger.replace(held, List.of())).isEmpty();

        assertThat(ledger.known(List.of("t.log")))
                .containsExactly(entry("t.log", new KnownMember("t.log", "g1", 0, 100, "t:0", DONE)));
        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L));
    }

    @Test
    void replacingARegistrationBetweenOthersOfAnInputKeepsKnownOnTheOthers() throws Exception {
        ledger.register(List.of(split("t:0", new Member("t.log", "g1", 0, 100, null))));
        ledger.register(List.of(split("t:100", new Member("t.log", "g1", 100, 250, null))));
        ledger.register(List.of(split("t:250", new Member("t.log", "g1", 250, 400, null))));
        ledger.complete(claim(ledger, "w1"), completion("t:0"));

        assertThat(ledger.replace(ledger.claim("t:100", "w1", LEASE).orElseThrow(), List.of()))
                .isEmpty();
        assertThat(ledger.known(List.of("t.log")).get("t.log").splitId())
                .as("the later one stays the latest")
                .isEqualTo("t:250");
        assertThat(ledger.replace(ledger.claim("t:250", "w1", LEASE).orElseThrow(), List.of()))
                .isEmpty();

        assertThat(ledger.known(List.of("t.log")))
                .as("back to the one before both")
                .containsExactly(entry("t.log", new KnownMember("t.log", "g1", 0, 100, "t:0", DONE)));
    }

    @Test
    void aSplitRegisteredLaterUnderAReplacedSplitsIdIsFencedFromItsClaims() throws Exception {
        ledger.register(List.of(split("x", file("a.csv", "v1"))));
        Claim first = claim(ledger, "w1");
        clock.advance(LEASE);
        Claim second = claim(ledger, "w2");
        ledger.replace(second, List.of(split("y", file("a.csv", "v1"))));

        assertThat(ledger.register(List.of(split("x", file("b.csv", "v1")))))
                .as("the id is free")
                .containsExactly("x");
        Claim again = ledger.claim("x", "w3", LEASE).orElseThrow();

        assertThat(again.token()).isGreaterThan(second.token());
        assertThatThrownBy(() -> ledger.complete(first, completion("x"))).isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger.complete(second, completion("x"))).isInstanceOf(StaleClaimException.class);
        assertThat(ledger.isCurrent(again)).isTrue();
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Test
    void aLockIsExclusiveBetweenOwnersAndRenewedByItsHolder() {
        Ledger other = anotherHandle(PIPELINE);
        Lock a = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        assertThat(a).extracting(Lock::name, Lock::owner).containsExactly("out/a", "w1");
        assertThat(other.holds(a)).as("seen by another handle").isTrue();
        assertThat(other.lock("out/a", "w2", LEASE)).as("held by w1").isEmpty();
        assertThat(other.lock("out/b", "w2", LEASE)).as("another lock").isPresent();
        assertThat(anotherHandle("other-pipeline").lock("out/a", "w2", LEASE))
                .as("locks belong to their pipeline")
                .isPresent();

        clock.advance(LEASE.minusSeconds(1));
        assertThat(ledger.lock("out/a", "w1", LEASE))
                .as("renewed: the same grant")
                .contains(a);
        clock.advance(Duration.ofSeconds(2));
        assertThat(other.holds(a))
                .as("past the first lease, within the renewed one")
                .isTrue();
        assertThat(other.lock("out/a", "w2", LEASE)).isEmpty();
        clock.advance(LEASE.minusSeconds(1));
        assertThat(ledger.holds(a)).as("the renewed lease ran out").isFalse();
        assertThat(ledger.lock("out/a", "w1", LEASE))
                .as("nobody took it meanwhile: renewed again")
                .contains(a);
        assertThat(ledger.holds(a)).isTrue();
    }

    @Test
    void anExpiredLockIsTakenOverWithAGreaterTokenAndTheStaleGrantNeitherHoldsNorUnlocks() {
        Lock old = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        clock.advance(LEASE.minusMillis(1));
        assertThat(ledger.holds(old)).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(ledger.holds(old)).as("its lease ran out").isFalse();

        Lock fresh = anotherHandle(PIPELINE).lock("out/a", "w2", LEASE).orElseThrow();

        assertThat(fresh.token()).isGreaterThan(old.token());
        assertThat(ledger.holds(fresh)).isTrue();
        assertThat(ledger.lock("out/a", "w1", LEASE))
                .as("the stale holder cannot take it back")
                .isEmpty();
        ledger.unlock(old);
        assertThat(ledger.holds(fresh))
                .as("a stale unlock leaves the new grant alone")
                .isTrue();
        assertThat(ledger.lock("out/a", "w3", LEASE)).isEmpty();
        assertThat(ledger.holds(old)).isFalse();
    }

    @Test
    void theHolderOfALockIsSeenWhileItsLeaseRuns() {
        assertThat(ledger.holder("out/a")).as("nobody holds it").isEmpty();
        Lock a = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        assertThat(anotherHandle(PIPELINE).holder("out/a"))
                .as("seen by another handle")
                .contains(a);
        assertThat(anotherHandle("other-pipeline").holder("out/a"))
                .as("locks belong to their pipeline")
                .isEmpty();
        ledger.unlock(a);
        assertThat(ledger.holder("out/a")).as("released").isEmpty();

        Lock b = ledger.lock("out/a", "w2", LEASE).orElseThrow();
        clock.advance(LEASE.minusMillis(1));
        assertThat(ledger.holder("out/a")).contains(b);
        clock.advance(Duration.ofMillis(1));
        assertThat(ledger.holder("out/a")).as("its lease ran out").isEmpty();
    }

    @Test
    void unlockFreesTheLockAtOnceAndEveryNewHolderGetsAGreaterToken() {
        Lock first = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        ledger.unlock(first);

        assertThat(ledger.holds(first)).isFalse();
        Lock second = ledger.lock("out/a", "w2", LEASE).orElseThrow();
        assertThat(second.token()).isGreaterThan(first.token());
        ledger.unlock(first);
        assertThat(ledger.holds(second))
                .as("unlocking a released grant again changes nothing")
                .isTrue();
        anotherHandle(PIPELINE).unlock(second);
        Lock third = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        assertThat(third.token()).as("its first owner again, as a new holder").isGreaterThan(second.token());
        assertThat(ledger.holds(first)).isFalse();

        clock.advance(LEASE.multipliedBy(2));
        ledger.unlock(third);
        assertThat(ledger.lock("out/a", "w2", LEASE).orElseThrow().token())
                .as("unlocked after its lease ran out")
                .isGreaterThan(third.token());
    }

    @Test
    void racingLockersGetOneGrant() throws Exception {
        List<Ledger> handles = List.of(ledger, anotherHandle(PIPELINE), anotherHandle(PIPELINE));
        Queue<Lock> grants = new ConcurrentLinkedQueue<>();

        inParallel(
                8,
                worker -> handles.get(worker % handles.size())
                        .lock("out/a", "w" + worker, LEASE)
                        .ifPresent(grants::add));

        assertThat(grants).hasSize(1);
        Lock won = grants.poll();
        assertThat(ledger.holds(won)).isTrue();

        clock.advance(LEASE);
        inParallel(
                8,
                worker -> handles.get(worker % handles.size())
                        .lock("out/a", "v" + worker, LEASE)
                        .ifPresent(grants::add));

        assertThat(grants).as("racing to take over an expired lock").hasSize(1);
        assertThat(grants.peek().token()).isGreaterThan(won.token());
        assertThat(ledger.holds(grants.peek())).isTrue();
        assertThat(ledger.holds(won)).isFalse();
    }

    @Test
    void resetDropsTheLocksAndTheirGrantsStayStale() {
        Lock before = ledger.lock("out/a", "w1", LEASE).orElseThrow();
        assertThat(ledger.lock("out/b", "w1", LEASE)).isPresent();

        ledger.reset();

        assertThat(ledger.holds(before)).isFalse();
        Lock after = anotherHandle(PIPELINE).lock("out/a", "w2", LEASE).orElseThrow();
        assertThat(after.token()).as("tokens never go back").isGreaterThan(before.token());
        assertThat(ledger.lock("out/b", "w2", LEASE)).isPresent();
        ledger.unlock(before);
        assertThat(ledger.holds(after)).isTrue();
    }

    // ---- failures -------------------------------------------------------------------------------------

    @Test
    void aFailedSplitWaitsForItsRetryTimeThenDies() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        Instant retryAt = START.plusSeconds(10);
        ledger.fail(claim(ledger, "w1"), "boom", Optional.of(retryAt));

        SplitInfo failed = info("a.csv@v1");
        assertThat(failed.state()).isEqualTo(FAILED);
        assertThat(failed.lastError()).isEqualTo("boom");
        assertThat(failed.nextRetry()).isEqualTo(retryAt);
        assertThat(failed.attempts()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(9));
        assertThat(ledger.claim("w1", LEASE)).isEmpty();
        clock.set(retryAt);

        Claim second = claim(ledger, "w2");
        assertThat(second.attempt()).isEqualTo(2);
        ledger.fail(second, "boom again", Optional.empty());

        SplitInfo dead = info("a.csv@v1");
        assertThat(dead.state()).isEqualTo(DEAD);
        assertThat(dead.lastError()).isEqualTo("boom again");
        assertThat(dead.attempts()).isEqualTo(2);
        clock.advance(Duration.ofDays(30));
        assertThat(ledger.claim("w1", LEASE))
                .as("dead splits are never claimed")
                .isEmpty();
    }

    @Test
    void retrySendsEveryDeadAndFailedSplitBackToPending() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv")));
        ledger.fail(claim(ledger, "w1"), "a broke", Optional.empty());
        ledger.fail(claim(ledger, "w1"), "b broke", Optional.of(START.plus(Duration.ofHours(1))));
        ledger.complete(claim(ledger, "w1"), completion("c.csv@v1"));

        assertThat(ledger.retry(List.of())).isEqualTo(2);

        assertThat(info("a.csv@v1"))
                .extracting(SplitInfo::state, SplitInfo::attempts)
                .containsExactly(PENDING, 0);
        assertThat(info("b.csv@v1"))
                .extracting(SplitInfo::state, SplitInfo::attempts)
                .containsExactly(PENDING, 0);
        Claim a = claim(ledger, "w2");
        Claim b = claim(ledger, "w2");
        assertThat(List.of(a.splitId(), b.splitId())).containsExactly("a.csv@v1", "b.csv@v1");
        assertThat(a.attempt()).isEqualTo(1);
        ledger.complete(a, completion("a"));
        ledger.complete(b, completion("b"));
        assertThat(ledger.counts()).containsOnly(entry(DONE, 3L));
    }

    @Test
    void retryOfGivenIdsTouchesOnlyThose() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv")));
        ledger.fail(claim(ledger, "w1"), "a broke", Optional.empty());
        ledger.fail(claim(ledger, "w1"), "b broke", Optional.empty());

        assertThat(ledger.retry(List.of("a.csv@v1", "c.csv@v1", "nonexistent"))).isEqualTo(1);

        assertThat(info("a.csv@v1").state()).isEqualTo(PENDING);
        assertThat(info("b.csv@v1").state()).isEqualTo(DEAD);
        assertThat(info("c.csv@v1").state()).isEqualTo(PENDING);
    }

    @Test
    void releaseGivesTheSplitBackWithoutCountingAnAttempt() throws Exception {
        ledger.register(List.of(fileSplit("a.csv")));
        Claim first = claim(ledger, "w1");

        ledger.release(first);

        SplitInfo released = info("a.csv@v1");
        assertThat(released.state()).isEqualTo(PENDING);
        assertThat(released.attempts()).isZero();
        assertThat(released.owner()).isNull();
        Claim second = claim(ledger, "w2");
        assertThat(second.attempt()).isEqualTo(1);
        assertThat(second.token()).isGreaterThan(first.token());
        ledger.release(first);
        assertThat(info("a.csv@v1"))
                .as("a stale release is ignored")
                .extracting(SplitInfo::state, SplitInfo::owner)
                .containsExactly(CLAIMED, "w2");
        ledger.complete(second, completion("a.csv@v1"));
        assertThat(info("a.csv@v1").state()).isEqualTo(DONE);
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Test
    void statusFollowsEveryTransitionAndDoneIsNeverClaimedAgain() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv")));
        assertThat(ledger.counts()).containsOnly(entry(PENDING, 4L));

        Claim a = claim(ledger, "w1");
        SplitInfo claimed = ledger.splits(EnumSet.of(CLAIMED), 10).getFirst();
        assertThat(claimed.id()).isEqualTo("a.csv@v1");
        assertThat(claimed.owner()).isEqualTo("w1");
        assertThat(claimed.leaseUntil()).isEqualTo(START.plus(LEASE));
        assertThat(claimed.attempts()).isEqualTo(1);
        assertThat(claimed.members()).isEqualTo(1);
        assertThat(claimed.bytes()).isEqualTo(100);
        clock.advance(Duration.ofSeconds(5));
        ledger.complete(a, completion("a.csv@v1"));
        assertThat(info("a.csv@v1").updated()).isEqualTo(START.plusSeconds(5));
        ledger.fail(claim(ledger, "w1"), "b broke", Optional.of(START.plus(Duration.ofHours(1))));
        ledger.fail(claim(ledger, "w1"), "c broke", Optional.empty());

        assertThat(ledger.counts())
                .containsOnly(entry(PENDING, 1L), entry(DONE, 1L), entry(FAILED, 1L), entry(DEAD, 1L));
        assertThat(ledger.splits(EnumSet.of(FAILED, DEAD), 10))
                .extracting(SplitInfo::id, SplitInfo::lastError)
                .containsExactly(tuple("b.csv@v1", "b broke"), tuple("c.csv@v1", "c broke"));
        assertThat(ids(ledger.splits(ALL, 2)))
                .as("oldest first, at most the limit")
                .containsExactly("a.csv@v1", "b.csv@v1");

        ledger.complete(claim(ledger, "w1"), completion("d.csv@v1"));
        clock.advance(Duration.ofDays(1));
        assertThat(claim(ledger, "w1").splitId()).isEqualTo("b.csv@v1");
        assertThat(ledger.claim("w1", LEASE))
                .as("a and d are done, c is dead, b is held")
                .isEmpty();
    }

    @Test
    void resetForgetsEverythingAndFencesClaimsFromBefore() throws Exception {
        String digest = "a".repeat(64);
        ledger.register(List.of(split("a", Member.whole("a.csv", "v1", digest)), fileSplit("b.csv")));
        Claim before = claim(ledger, "w1");

        ledger.reset();

        assertThat(ledger.counts()).isEmpty();
        assertThat(ledger.splits(ALL, 100)).isEmpty();
        assertThat(ledger.known(List.of("a.csv", "b.csv"))).isEmpty();
        assertThat(ledger.digestOwner(digest)).isEmpty();
        assertThat(ledger.split("b.csv@v1")).isEmpty();
        assertThat(ledger.claim("w1", LEASE)).isEmpty();

        assertThat(ledger.register(List.of(split("a", Member.whole("a.csv", "v1", digest)))))
                .containsExactly("a");
        Claim after = claim(ledger, "w2");
        assertThatThrownBy(() -> ledger.complete(before, completion("a")))
                .as("a worker still running across the reset cannot complete the new split")
                .isInstanceOf(StaleClaimException.class);
        assertThat(ledger.isCurrent(after)).isTrue();
    }

    @Test
    void pipelinesSharingAStoreDoNotSeeEachOther() throws Exception {
        Ledger other = anotherHandle("other-pipeline");
        String digest = "b".repeat(64);
        Split s = split("s", Member.whole("a.csv", "v1", digest));
        assertThat(ledger.register(List.of(s))).containsExactly("s");
        assertThat(other.register(List.of(s))).containsExactly("s");

        ledger.complete(claim(ledger, "w1"), completion("s"));

        assertThat(other.counts()).containsOnly(entry(PENDING, 1L));
        assertThat(claim(other, "w2").splitId()).isEqualTo("s");
        other.reset();
        assertThat(ledger.counts()).containsOnly(entry(DONE, 1L));
        assertThat(ledger.known(List.of("a.csv"))).containsKey("a.csv");
        assertThat(ledger.digestOwner(digest)).contains("a.csv");
        assertThat(other.known(List.of("a.csv"))).isEmpty();
    }

    @Test
    void theIncarnationIsStableForEveryHandleAndNewAfterResetOrALostStore() throws Exception {
        Ledger other = anotherHandle(PIPELINE);
        String first = other.incarnation();

        assertThat(first).isNotBlank();
        assertThat(ledger.incarnation())
                .as("made by one handle, seen by another")
                .isEqualTo(first);
        assertThat(ledger.incarnation()).isEqualTo(first);
        assertThat(anotherHandle(PIPELINE).incarnation())
                .as("a store opened again")
                .isEqualTo(first);
        assertThat(anotherHandle("other-pipeline").incarnation())
                .as("each pipeline its own")
                .isNotEqualTo(first);
        assertThat(track(openLedger(PIPELINE, clock)).incarnation())
                .as("another (a lost) store")
                .isNotEqualTo(first);

        ledger.reset();

        String after = other.incarnation();
        assertThat(after).as("new after reset").isNotEqualTo(first);
        assertThat(ledger.incarnation()).isEqualTo(after);
    }

    @Test
    void handlesRacingToMakeTheIncarnationAgree() throws Exception {
        List<Ledger> handles = List.of(ledger, anotherHandle(PIPELINE), anotherHandle(PIPELINE));
        Set<String> seen = ConcurrentHashMap.newKeySet();

        inParallel(6, worker -> seen.add(handles.get(worker % handles.size()).incarnation()));

        assertThat(seen).hasSize(1);
    }

    @Test
    void splitInfoCarriesTheTokenBadRecordsAndVersion() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv")));
        assertThat(info("a.csv@v1"))
                .extracting(SplitInfo::token, SplitInfo::rejected, SplitInfo::pipelineVersion)
                .as("never claimed")
                .containsExactly(0L, 0L, null);

        Claim a = claim(ledger, "w1");
        assertThat(info("a.csv@v1").token()).isEqualTo(a.token());
        ledger.complete(a, new Completion(10, 7, 3, List.of("out/a.parquet"), "f00d"));
        Claim b = claim(ledger, "w1");
        ledger.fail(b, "b broke", Optional.empty());
        ledger.complete(claim(ledger, "w1"), new Completion(1, 1, 0, List.of(), ""));

        assertThat(info("a.csv@v1"))
                .extracting(
                        SplitInfo::token,
                        SplitInfo::rowsIn,
                        SplitInfo::rowsOut,
                        SplitInfo::rejected,
                        SplitInfo::pipelineVersion)
                .containsExactly(a.token(), 10L, 7L, 3L, "f00d");
        assertThat(info("b.csv@v1"))
                .extracting(SplitInfo::token, SplitInfo::pipelineVersion)
                .as("the last token; no version unless done")
                .containsExactly(b.token(), null);
        assertThat(info("c.csv@v1").pipelineVersion()).isEmpty();
    }

    @Test
    void doneSplitsAreCountedByVersionAndOutdatedOnesGoBackToPending() throws Exception {
        ledger.register(List.of(
                fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv"), fileSplit("e.csv")));
        Claim a = claim(ledger, "w1");
        ledger.complete(a, completion("a.csv@v1", "old"));
        ledger.complete(claim(ledger, "w1"), completion("b.csv@v1", "new"));
        ledger.complete(claim(ledger, "w1"), completion("c.csv@v1", ""));
        ledger.fail(claim(ledger, "w1"), "d broke", Optional.empty());
        Claim e = claim(ledger, "w1");

        assertThat(ledger.doneByVersion()).containsOnly(entry("old", 1L), entry("new", 1L), entry("", 1L));

        clock.advance(Duration.ofSeconds(3));
        assertThat(anotherHandle(PIPELINE).requeueOutdated("new")).isEqualTo(2);

        assertThat(ledger.doneByVersion()).containsOnly(entry("new", 1L));
        assertThat(ledger.counts())
                .containsOnly(entry(PENDING, 2L), entry(DONE, 1L), entry(DEAD, 1L), entry(CLAIMED, 1L));
        assertThat(info("a.csv@v1"))
                .extracting(
                        SplitInfo::state,
                        SplitInfo::attempts,
                        SplitInfo::owner,
                        SplitInfo::rowsIn,
                        SplitInfo::pipelineVersion,
                        SplitInfo::updated)
                .containsExactly(PENDING, 0, null, 0L, null, START.plusSeconds(3));
        assertThat(ledger.isCurrent(e)).as("claimed splits are left alone").isTrue();
        Claim again = claim(ledger, "w2");
        assertThat(again.splitId()).isEqualTo("a.csv@v1");
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.token()).isGreaterThan(a.token());
        ledger.complete(again, completion("a.csv@v1", "new"));
        assertThat(ledger.doneByVersion()).containsOnly(entry("new", 2L));
        assertThat(ledger.requeueOutdated("new")).isZero();
        assertThat(ledger.known(List.of("a.csv")).get("a.csv").state()).isEqualTo(DONE);
    }

    @Test
    void namedDoneSplitsAreReplayedWithTheirResultsDropped() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv")));
        Claim a = claim(ledger, "w1");
        ledger.complete(a, new Completion(10, 8, 2, List.of(), "v1"));
        ledger.complete(claim(ledger, "w1"), new Completion(7, 6, 1, List.of(), "v1"));
        ledger.fail(claim(ledger, "w1"), "c broke", Optional.empty());
        Claim d = claim(ledger, "w1");
        assertThat(ledger.totals().rowsIn()).isEqualTo(17);

        clock.advance(Duration.ofSeconds(3));
        assertThat(anotherHandle(PIPELINE).replay(List.of("a.csv@v1", "c.csv@v1", "d.csv@v1", "nope", "a.csv@v1")))
                .as("only the done one of those named")
                .isEqualTo(1);

        assertThat(ledger.counts())
                .containsOnly(entry(PENDING, 1L), entry(DONE, 1L), entry(DEAD, 1L), entry(CLAIMED, 1L));
        assertThat(info("a.csv@v1"))
                .extracting(
                        SplitInfo::state,
                        SplitInfo::attempts,
                        SplitInfo::owner,
                        SplitInfo::rowsIn,
                        SplitInfo::pipelineVersion,
                        SplitInfo::updated)
                .containsExactly(PENDING, 0, null, 0L, null, START.plusSeconds(3));
        assertThat(ledger.totals().rowsIn())
                .as("the replayed split's rows no longer count")
                .isEqualTo(7);
        assertThat(ledger.doneByVersion()).containsOnly(entry("v1", 1L));
        assertThat(ledger.isCurrent(d)).as("claimed splits are left alone").isTrue();
        Claim again = claim(ledger, "w2");
        assertThat(again.splitId()).isEqualTo("a.csv@v1");
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.token())
                .as("a replay is fenced from the claim before it")
                .isGreaterThan(a.token());
        ledger.complete(again, new Completion(11, 9, 2, List.of(), "v1"));
        assertThat(ledger.totals().rowsIn()).isEqualTo(18);
        assertThat(ledger.replay(List.of())).isZero();
    }

    @Test
    void totalsAddUpTheDoneSplits() throws Exception {
        assertThat(ledger.totals()).isEqualTo(new Totals(0, 0, 0, null));
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv"), fileSplit("d.csv")));
        clock.advance(Duration.ofSeconds(5));
        ledger.complete(claim(ledger, "w1"), new Completion(10, 8, 2, List.of(), "v1"));
        clock.advance(Duration.ofSeconds(4));
        ledger.complete(claim(ledger, "w1"), new Completion(7, 6, 1, List.of(), "v2"));
        clock.advance(Duration.ofSeconds(4));
        ledger.fail(claim(ledger, "w1"), "c broke", Optional.empty());
        claim(ledger, "w1");

        assertThat(anotherHandle(PIPELINE).totals()).isEqualTo(new Totals(17, 14, 3, START.plusSeconds(9)));
        ledger.requeueOutdated("v2");
        assertThat(ledger.totals()).isEqualTo(new Totals(7, 6, 1, START.plusSeconds(9)));
        ledger.reset();
        assertThat(ledger.totals()).isEqualTo(new Totals(0, 0, 0, null));
    }

    // ---- worker pools ---------------------------------------------------------------------------------

    @Test
    void announcingAgainUpdatesLastSeenAndWhatTheWorkerSays() {
        ledger.announce(worker("w1", 2), LEASE);
        clock.advance(Duration.ofSeconds(5));
        ledger.announce(worker("w1", 4), LEASE);

        List<WorkerStatus> workers = anotherHandle(PIPELINE).workers(LEASE);

        assertThat(workers)
                .as("one entry per worker id, as another process sees it")
                .containsExactly(new WorkerStatus(worker("w1", 4), START.plusSeconds(5), List.of(), false));
        assertThat(anotherHandle("other-pipeline").workers(LEASE))
                .as("workers belong to their pipeline")
                .isEmpty();
    }

    @Test
    void workersNotSeenWithinTheWindowDropOut() {
        ledger.announce(worker("w1", 1), LEASE);
        clock.advance(Duration.ofSeconds(30));
        ledger.announce(worker("w2", 1), LEASE);
        clock.advance(Duration.ofSeconds(10));

        assertThat(workerIds(ledger.workers(Duration.ofSeconds(20)))).containsExactly("w2");
        assertThat(workerIds(ledger.workers(Duration.ofSeconds(40))))
                .as("ordered by id")
                .containsExactly("w1", "w2");
        clock.advance(Duration.ofSeconds(21));
        assertThat(ledger.workers(Duration.ofSeconds(20))).isEmpty();
    }

    @Test
    void heldFollowsTheLiveClaimsOfEachWorker() throws Exception {
        ledger.register(List.of(fileSplit("a.csv"), fileSplit("b.csv"), fileSplit("c.csv")));
        ledger.announce(worker("w1", 2), LEASE);
        ledger.announce(worker("w2", 1), LEASE);
        Claim a = claim(ledger, "w1");
        Claim b = claim(ledger, "w1");
        Claim c = claim(ledger, "w2");
        assertThat(held(ledger.workers(LEASE)))
                .containsExactly(entry("w1", List.of("a.csv@v1", "b.csv@v1")), entry("w2", List.of("c.csv@v1")));

        ledger.complete(a, completion("a.csv@v1"));
        ledger.release(c);
        assertThat(held(ledger.workers(LEASE)))
                .as("done and released splits are held by nobody")
                .containsExactly(entry("w1", List.of("b.csv@v1")), entry("w2", List.of()));

        clock.advance(LEASE.plusSeconds(1));
        ledger.announce(worker("w1", 2), LEASE);
        ledger.announce(worker("w2", 1), LEASE);
        assertThat(held(ledger.workers(LEASE)))
                .as("an expired lease is held by nobody")
                .containsExactly(entry("w1", List.of()), entry("w2", List.of()));
        Claim taken = claim(ledger, "w2");
        assertThat(taken.splitId()).isEqualTo(b.splitId());
        assertThat(held(ledger.workers(LEASE)))
                .as("a takeover moves the split to its new holder")
                .containsExactly(entry("w1", List.of()), entry("w2", List.of("b.csv@v1")));
    }

    @Test
    void retireRemovesTheWorkerAndGivesUpItsLeadership() {
        ledger.announce(worker("w1", 1), LEASE);
        ledger.announce(worker("w2", 1), LEASE);
        assertThat(ledger.lead("w1", LEASE)).isTrue();

        ledger.retire("w1");
        ledger.retire("never-announced");

        assertThat(workerIds(ledger.workers(LEASE))).containsExactly("w2");
        assertThat(ledger.lead("w2", LEASE))
                .as("leadership is free at once, not after the lease")
                .isTrue();
    }

    @Test
    void oneLeaderAtATimeUntilItsLeaseEnds() {
        Ledger other = anotherHandle(PIPELINE);
        ledger.announce(worker("w1", 1), LEASE);
        ledger.announce(worker("w2", 1), LEASE);

        assertThat(ledger.lead("w1", LEASE)).isTrue();
        assertThat(other.lead("w2", LEASE)).as("held by w1").isFalse();
        assertThat(ledger.workers(LEASE)).extracting(WorkerStatus::leader).containsExactly(true, false);
        clock.advance(Duration.ofSeconds(50));
        assertThat(ledger.lead("w1", LEASE)).as("the holder renews").isTrue();
        clock.advance(Duration.ofSeconds(50));
        assertThat(other.lead("w2", LEASE))
                .as("past the first lease, within the renewed one")
                .isFalse();
        assertThat(anotherHandle("other-pipeline").lead("w2", LEASE))
                .as("each pipeline has its own leader")
                .isTrue();

        clock.advance(Duration.ofSeconds(11));
        ledger.announce(worker("w1", 1), LEASE);
        ledger.announce(worker("w2", 1), LEASE);
        assertThat(ledger.workers(LEASE))
                .as("an expired leader leads no more")
                .extracting(WorkerStatus::leader)
                .containsExactly(false, false);
        assertThat(other.lead("w2", LEASE)).as("taken over after the lease").isTrue();
        assertThat(ledger.lead("w1", LEASE)).isFalse();
        assertThat(ledger.workers(LEASE)).extracting(WorkerStatus::leader).containsExactly(false, true);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    protected static Member file(String key, String fingerprint) {
        return Member.whole(key, fingerprint, null);
    }

    protected static Split split(String id, Member... members) {
        return new Split(id, List.of(members), 100L * members.length);
    }

    /** A split of one whole file at version v1, with id {@code key@v1}. */
    protected static Split fileSplit(String key) {
        return split(key + "@v1", file(key, "v1"));
    }

    protected static Completion completion(String splitId) {
        return completion(splitId, "v1");
    }

    protected static Completion completion(String splitId, String pipelineVersion) {
        return new Completion(10, 8, 2, List.of("out/" + splitId + ".parquet"), pipelineVersion);
    }

    protected static Claim claim(Ledger ledger, String owner) {
        return ledger.claim(owner, LEASE).orElseThrow(() -> new AssertionError("nothing claimable for " + owner));
    }

    protected final SplitInfo info(String splitId) {
        return ledger.splits(ALL, Integer.MAX_VALUE).stream()
                .filter(i -> i.id().equals(splitId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("split " + splitId + " is not in the ledger"));
    }

    protected static WorkerInfo worker(String id, int threads) {
        return new WorkerInfo(id, "host-" + id, 4242, START.minusSeconds(60), threads);
    }

    private static Map<String, List<String>> held(List<WorkerStatus> workers) {
        Map<String, List<String>> held = new java.util.LinkedHashMap<>();
        workers.forEach(w -> held.put(w.worker().id(), w.held()));
        return held;
    }

    private static List<String> workerIds(List<WorkerStatus> workers) {
        return workers.stream().map(w -> w.worker().id()).toList();
    }

    private static List<String> ids(List<SplitInfo> infos) {
        return infos.stream().map(SplitInfo::id).toList();
    }

    @FunctionalInterface
    public interface Worker {
        void run(int worker) throws Exception;
    }

    /** Runs {@code workers} copies of the task on their own threads, all at once, and rethrows the first failure. */
    public static void inParallel(int workers, Worker task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Void>> futures = IntStream.range(0, workers)
                    .mapToObj(w -> pool.submit((Callable<Void>) () -> {
                        go.await();
                        task.run(w);
                        return null;
                    }))
                    .toList();
            go.countDown();
            for (Future<Void> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
