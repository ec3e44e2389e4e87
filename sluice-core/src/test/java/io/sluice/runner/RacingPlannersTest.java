package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planners of one pipeline (several `sluice run` processes, a pool whose leader changed) that race on one ledger while
 * a file changes, each having seen the ledger at another moment: every version of the file a planner saw is registered
 * once, so it is read once, and the output ends with the last version's rows only.
 */
class RacingPlannersTest {
    /** Modification times long past any settle time; each version of the file gets a later one. */
    private static final long OLD = 1_000_000_000_000L;

    @TempDir
    Path dir;

    /**
     * The file goes A, B, C. One planner proposed B after A, another proposed C after A (both saw only A registered),
     * then the first registers B, a third planner plans C after B, and only then the second registers: its C follows a
     * registration that is no longer the file's latest, and is refused, or C would be registered (and read) twice.
     */
    @Test
    void aPlannerThatSawAnOlderLedgerDoesNotRegisterAVersionAgain() throws Exception {
        Pipeline p = pipeline("sink: { files: { path: out, format: csv } }");
        version("region,amount\neu,1\n", 0); // A
        List<String> registered = new ArrayList<>();
        try (Assembly first = assembly(p);
                Assembly second = assembly(p);
                Assembly third = assembly(p)) {
            registered.addAll(ids(new Planner(first.source(), first.ledger()).plan()));

            version("region,amount\neu,10\n", 1); // B
            Paused afterA = new Paused(first);
            version("region,amount\neu,100\nus,5\n", 2); // C
            Paused alsoAfterA = new Paused(second);

            registered.addAll(ids(afterA.register()));
            registered.addAll(ids(new Planner(third.source(), third.ledger()).plan()));
            Plan late = alsoAfterA.register();
            registered.addAll(ids(late));

            assertThat(versionsRegistered(first.ledger()))
                    .as("each version of a.csv is registered once")
                    .containsExactly(
                            Map.entry(fingerprint("A"), 1L),
                            Map.entry(fingerprint("B"), 1L),
                            Map.entry(fingerprint("C"), 1L));
            assertThat(late.splits())
                    .as("the planner that saw only A registers nothing")
                    .isEmpty();

            RunSummary run =
                    new LocalRunner(first, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(run.died()).isZero();
            assertThat(run.rowsIn())
                    .as("C's two rows, read once (the splits of A and B find the file changed and read nothing)")
                    .isEqualTo(2);
        }
        assertThat(registered).hasSize(3);
        assertThat(outputRows()).containsExactlyInAnyOrder("eu,100", "us,5");
    }

    /** The same race, through an aggregate: the totals count C once (eu 100, not 200). */
    @Test
    void anAggregateCountsTheVersionTwoPlannersSawOnce() throws Exception {
        Pipeline p = pipeline("""
                steps:
                  - aggregate: { group_by: [region], measures: { total: sum(amount) } }
                sink: { files: { path: out, format: csv } }
                """);
        version("region,amount\neu,1\n", 0);
        try (Assembly first = assembly(p);
                Assembly second = assembly(p);
                Assembly third = assembly(p)) {
            new Planner(first.source(), first.ledger()).plan();
            version("region,amount\neu,10\n", 1);
            Paused afterA = new Paused(first);
            version("region,amount\neu,100\nus,5\n", 2);
            Paused alsoAfterA = new Paused(second);
            afterA.register();
            new Planner(third.source(), third.ledger()).plan();
            alsoAfterA.register();

            RunSummary run =
                    new LocalRunner(first, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(run.died()).isZero();
            assertThat(versionsRegistered(first.ledger()).get(fingerprint("C")))
                    .as("C registered once")
                    .isEqualTo(1L);
        }
        assertThat(Files.readAllLines(dir.resolve("out/totals.csv")).stream().sorted())
                .containsExactly("eu,100", "region,total", "us,5");
    }

    /**
     * A planner that saw no registration of a.csv (its first version, A, not registered yet) while the file changed to B
     * proposes B as the file's first version: once A is registered, that proposal is refused (not an error about a
     * reused split id) and the planner plans B again after A.
     */
    @Test
    void aPlannerThatSawNoRegistrationWhileAnotherRegisteredTheFirstVersionPlansItsVersionAfterIt() throws Exception {
        Pipeline p = pipeline("sink: { files: { path: out, format: csv } }");
        version("region,amount\neu,1\n", 0);
        try (Assembly first = assembly(p);
                Assembly second = assembly(p)) {
            Paused sawA = new Paused(first);
            version("region,amount\neu,10\n", 1);
            Paused sawB = new Paused(second);
            assertThat(ids(sawA.register())).containsExactly("a.csv");
            Plan b = sawB.register();
            assertThat(b.splits())
                    .singleElement()
                    .satisfies(s -> assertThat(s.id()).startsWith("a.csv@" + fingerprint("B")));
            assertThat(versionsRegistered(first.ledger()))
                    .containsExactly(Map.entry(fingerprint("A"), 1L), Map.entry(fingerprint("B"), 1L));
            RunSummary run =
                    new LocalRunner(first, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(run.died()).isZero();
        }
        assertThat(outputRows()).containsExactly("eu,10");
    }

    /**
     * The same race for a file read in a pack with b.csv: planned again with b.csv at each change, after the pack's
     * registration the planner saw. The planner that saw only the first pack does not plan C with b.csv again.
     */
    @Test
    void aPackPlannedAgainByAPlannerThatSawAnOlderLedgerIsNotRegisteredAgain() throws Exception {
        Pipeline p = pipeline("sink: { files: { path: out, format: csv } }");
        version("region,amount\neu,1\n", 0); // A
        Path b = dir.resolve("in/b.csv");
        Files.writeString(b, "region,amount\nasia,7\n");
        Files.setLastModifiedTime(b, FileTime.fromMillis(OLD));
        try (Assembly first = assembly(p);
                Assembly second = assembly(p);
                Assembly third = assembly(p)) {
            assertThat(new Planner(first.source(), first.ledger()).plan().splits())
                    .singleElement()
                    .satisfies(s -> assertThat(s.members()).hasSize(2));
            version("region,amount\neu,10\n", 1); // B
            Paused afterPack = new Paused(first);
            version("region,amount\neu,100\nus,5\n", 2); // C
            Paused alsoAfterPack = new Paused(second);
            afterPack.register();
            new Planner(third.source(), third.ledger()).plan();
            assertThat(alsoAfterPack.register().splits()).isEmpty();
            assertThat(versionsRegistered(first.ledger()).get(fingerprint("C")))
                    .as("C registered once")
                    .isEqualTo(1L);

            RunSummary run =
                    new LocalRunner(first, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(run.died()).isZero();
        }
        assertThat(outputRows()).containsExactlyInAnyOrder("eu,100", "us,5", "asia,7");
    }

    /**
     * A planner listed the folder when a.csv was B, and read the ledger only after another planner had registered C
     * (after A): its B would follow C, a newer version than itself, and the next plan would then register C again. It
     * sees that a.csv changed since its listing, and leaves it to the next scan.
     */
    @Test
    void aPlannerThatListedAVersionBeforeAnotherRegisteredANewerOneDoesNotRegisterItAfterIt() throws Exception {
        Pipeline p = pipeline("sink: { files: { path: out, format: csv } }");
        version("region,amount\neu,1\n", 0); // A
        try (Assembly first = assembly(p);
                Assembly second = assembly(p);
                Assembly third = assembly(p)) {
            new Planner(first.source(), first.ledger()).plan();
            version("region,amount\neu,10\n", 1); // B
            Paused listedB = new Paused(second, "known");
            version("region,amount\neu,100\nus,5\n", 2); // C
            new Planner(third.source(), third.ledger()).plan();

            Plan late = listedB.register();
            assertThat(late.splits()).as("B, after C").isEmpty();
            assertThat(late.skipped())
                    .anySatisfy(s -> assertThat(s.reason()).contains("changed again while it was being planned"));
            new Planner(third.source(), third.ledger()).plan();
            assertThat(versionsRegistered(first.ledger()))
                    .as("C once, not again after a B registered after it")
                    .containsExactly(Map.entry(fingerprint("A"), 1L), Map.entry(fingerprint("C"), 1L));

            RunSummary run =
                    new LocalRunner(first, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(run.rowsIn()).as("C's rows, read once").isEqualTo(2);
        }
        assertThat(outputRows()).containsExactlyInAnyOrder("eu,100", "us,5");
    }

    /**
     * Four planners plan over and over on their own threads while the file goes through 30 versions: the versions
     * registered are registered once each, in the order the file had them, and the last one is registered last.
     */
    @Test
    void plannersPlanningWhileTheFileChangesRegisterEachVersionOnceInOrder() throws Exception {
        Pipeline p = pipeline("sink: { files: { path: out, format: csv } }");
        version("region,amount\neu,0\n", 0);
        List<Assembly> planners = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) planners.add(assembly(p));
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (Assembly a : planners) {
                Planner planner = new Planner(a.source(), a.ledger());
                running.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                while (writing.get()) planner.plan();
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        },
                        r -> Thread.ofPlatform().daemon().start(r)));
            }
            for (int n = 1; n < 30; n++) {
                version("region,amount\neu," + n + "\n", n);
                Thread.sleep(7);
            }
            writing.set(false);
            for (CompletableFuture<Void> r : running) r.get(60, TimeUnit.SECONDS);
            new Planner(planners.getFirst().source(), planners.getFirst().ledger()).plan();

            Ledger ledger = planners.getFirst().ledger();
            List<Integer> order = new ArrayList<>();
            for (SplitInfo s : ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE)) {
                String v = OutputKey.fileVersion(
                        ledger.split(s.id()).orElseThrow().members().getFirst().fingerprint());
                order.add((int) ((Long.parseLong(v.substring(v.indexOf(':') + 1)) - OLD) / 10_000));
            }
            assertThat(order).as("versions in registration order").isSorted().doesNotHaveDuplicates();
            assertThat(order.getLast()).as("the last version").isEqualTo(29);
        } finally {
            for (Assembly a : planners) a.close();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** The versions' contents, by name, as {@link #version} wrote them. */
    private final Map<String, String> versions = new TreeMap<>();

    /**
     * Delivers a.csv in its {@code n}th version (A, B, C), with a modification time of its own, whole: written aside
     * and renamed into place, as a finished file is delivered (the time set in the past would defeat `settle`).
     */
    private void version(String content, int n) throws Exception {
        Path a = Files.createDirectories(dir.resolve("in")).resolve("a.csv");
        Path aside = Files.writeString(dir.resolve("in/.a.csv.tmp"), content);
        Files.setLastModifiedTime(aside, FileTime.fromMillis(OLD + n * 10_000L));
        Files.move(aside, a, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        versions.put(String.valueOf((char) ('A' + n)), content.length() + ":" + (OLD + n * 10_000L));
    }

    /** The local fingerprint (size:mtime) of the version written as {@code name}. */
    private String fingerprint(String name) {
        return versions.get(name);
    }

    private Pipeline pipeline(String rest) throws Exception {
        return PipelineLoader.withSystemEnv()
                .load(Files.writeString(
                        dir.resolve("p.yaml"),
                        "pipeline: racing\nsource: { files: { path: in } }\n" + rest + "\nrun: { parallelism: 1 }\n"));
    }

    /** One process's parts: its own source (and memory of what it saw), on the pipeline's one SQLite ledger. */
    private static Assembly assembly(Pipeline p) {
        return Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC());
    }

    /** How many registrations each version of a.csv has (by the file's own fingerprint, without a tag). */
    private static Map<String, Long> versionsRegistered(Ledger ledger) {
        Map<String, Long> count = new TreeMap<>();
        for (SplitInfo s : ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE)) {
            for (Member m : ledger.split(s.id()).orElseThrow().members()) {
                count.merge(OutputKey.fileVersion(m.fingerprint()), 1L, Long::sum);
            }
        }
        return count;
    }

    private static List<String> ids(Plan plan) {
        return plan.splits().stream().map(io.sluice.spi.Split::id).toList();
    }

    /** Every data row of the csv files the sink wrote, without their header lines. */
    private List<String> outputRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".csv")
                            && !dir.resolve("out").relativize(f).toString().startsWith("_"))
                    .toList()) {
                List<String> lines = Files.readAllLines(f);
                rows.addAll(lines.subList(1, lines.size()));
            }
        }
        return rows;
    }

    /**
     * A planner on a thread of its own that has listed the folder and read the ledger, and waits before its first
     * registration until {@link #register} lets it go: a process paused between the two (a GC pause, a slow disk).
     * Or one paused before its first call of another ledger method ({@code known}: after its listing).
     */
    private static final class Paused {
        private final CountDownLatch proposed = new CountDownLatch(1);
        private final CountDownLatch go = new CountDownLatch(1);
        private final CompletableFuture<Plan> plan;

        Paused(Assembly a) throws InterruptedException {
            this(a, "register");
        }

        Paused(Assembly a, String before) throws InterruptedException {
            Ledger real = a.ledger();
            boolean[] paused = {false};
            Ledger pausing = (Ledger) Proxy.newProxyInstance(
                    Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, m, args) -> {
                        if (m.getName().equals(before) && !paused[0]) {
                            paused[0] = true;
                            proposed.countDown();
                            assertThat(go.await(30, TimeUnit.SECONDS)).isTrue();
                        }
                        try {
                            return m.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            Planner planner = new Planner(a.source(), pausing);
            plan = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return planner.plan();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    },
                    r -> Thread.ofPlatform().daemon().start(r)); // a thread of its own: the common pool may have one
            assertThat(proposed.await(30, TimeUnit.SECONDS))
                    .as("the planner proposed something")
                    .isTrue();
        }

        /** Lets the planner register what it proposed (and plan again what the ledger refused); its plan. */
        Plan register() throws Exception {
            go.countDown();
            return plan.get(30, TimeUnit.SECONDS);
        }
    }
}
