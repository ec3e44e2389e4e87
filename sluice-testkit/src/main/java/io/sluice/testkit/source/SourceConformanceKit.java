package io.sluice.testkit.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Source} must do for the framework to plan it exactly once: a preview is the plan, racing planners
 * register each input once, a changed input is planned again, and an input that is gone or changed when its split is
 * read is never read silently in another version. A source's module subclasses the kit and says how to make a source
 * over a fresh input and how to add, change and delete an input (its member key is its name); every test then runs
 * against that source, planned by the framework's {@link Planner} on a real (SQLite) ledger.
 *
 * <pre>{@code
 * class LocalFilesSourceTest extends SourceConformanceKit {
 *     protected Source newSource(int parallelism) { return FilesSources.create(tmp, "path: in\nsettle: 0s", parallelism, Map.of()); }
 *     protected void write(String name, String content) { Files.writeString(tmp.resolve("in").resolve(name), content); }
 *     protected void delete(String name) { Files.delete(tmp.resolve("in").resolve(name)); }
 * }
 * }</pre>
 */
public abstract class SourceConformanceKit {
    /** Planners racing on one ledger, each with its own source, as separate processes would. */
    private static final int PLANNERS = 6;

    @TempDir
    protected Path tmp;

    protected Ledger ledger;

    private final List<Source> opened = new ArrayList<>();

    /**
     * A new source over the kit's input, as another process with this parallelism would make it: no memory shared
     * with earlier ones. Racing planners get different parallelisms, so that where the source packs by parallelism
     * their proposals overlap without being equal, and refused ones must be proposed again.
     */
    protected abstract Source newSource(int parallelism) throws IOException;

    /** Adds the input {@code name}, or replaces it (a new version). */
    protected abstract void write(String name, String content) throws IOException;

    protected abstract void delete(String name) throws IOException;

    @BeforeEach
    void openLedger() {
        ledger = SqliteLedger.open(tmp.resolve("kit-ledger.db"), "kit", Clock.systemUTC());
    }

    @AfterEach
    void closeAll() throws IOException {
        for (Source s : opened) s.close();
        ledger.close();
    }

    private Source source() throws IOException {
        return source(2);
    }

    private Source source(int parallelism) throws IOException {
        Source s = newSource(parallelism);
        synchronized (opened) {
            opened.add(s);
        }
        return s;
    }

    private static String csv(String name, int rows) {
        StringBuilder b = new StringBuilder("id,name\n");
        for (int i = 0; i < rows; i++) b.append(i).append(',').append(name).append('\n');
        return b.toString();
    }

    // ---- planning ------------------------------------------------------------------------------------

    @Test
    void aPreviewIsThePlanAndRegistersNothing() throws IOException {
        for (int i = 0; i < 7; i++) write("p" + i + ".csv", csv("p" + i, 3 + i));
        Source s = source();
        Plan preview = new Planner(s, ledger).preview();
        assertThat(preview.splits()).isNotEmpty();
        assertThat(new Planner(s, ledger).preview().splits())
                .as("a preview registers nothing")
                .isEqualTo(preview.splits());

        Plan plan = new Planner(source(), ledger).plan();
        assertThat(plan.splits()).as("ids, members, payloads and output keys").isEqualTo(preview.splits());
        assertThat(keys(plan.splits()))
                .containsExactlyInAnyOrder("p0.csv", "p1.csv", "p2.csv", "p3.csv", "p4.csv", "p5.csv", "p6.csv");
        for (Split split : plan.splits()) assertThat(ledger.split(split.id())).contains(split);
        assertThat(new Planner(source(), ledger).preview().splits())
                .as("registered: nothing left to propose")
                .isEmpty();
    }

    @Test
    void racingPlannersRegisterEachInputOnce() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            names.add(String.format("r%02d.csv", i));
            write(names.getLast(), csv("r" + i, 2 + i % 5));
        }
        CountDownLatch start = new CountDownLatch(1);
        Ledger racing = registeringTogether(ledger, PLANNERS);
        ExecutorService pool = Executors.newFixedThreadPool(PLANNERS);
        try {
            List<Future<Plan>> plans = new ArrayList<>();
            for (int p = 0; p < PLANNERS; p++) {
                Source s = source(1 + p);
                Callable<Plan> plan = () -> {
                    start.await();
                    return new Planner(s, racing).plan();
                };
                plans.add(pool.submit(plan));
            }
            start.countDown();
            List<Split> registered = new ArrayList<>();
            for (Future<Plan> f : plans) registered.addAll(f.get().splits());
            Set<String> ids = new HashSet<>();
            for (Split split : registered)
                assertThat(ids.add(split.id()))
                        .as("registered twice: " + split.id())
                        .isTrue();
            assertThat(keys(registered))
                    .as("every input in exactly one registered split")
                    .hasSameSizeAs(names)
                    .containsExactlyInAnyOrderElementsOf(names);
        } finally {
            pool.shutdownNow();
        }
        assertThat(new Planner(source(), ledger).plan().splits())
                .as("nothing left")
                .isEmpty();
    }

    @Test
    void aChangedInputIsPlannedAgainAndReplacesTheEarlierOutput() throws IOException {
        write("c.csv", csv("c", 3));
        write("d.csv", csv("d", 3));
        Plan first = new Planner(source(), ledger).plan();
        Member before = member(first.splits(), "c.csv");
        write("c.csv", csv("c-changed", 30));

        Plan second = new Planner(source(), ledger).plan();
        assertThat(keys(second.splits()))
                .as("only the changed input, whatever it was packed with before")
                .contains("c.csv");
        Member after = member(second.splits(), "c.csv");
        assertThat(after.fingerprint()).isNotEqualTo(before.fingerprint());
        Split earlier = holding(first.splits(), "c.csv");
        Split later = holding(second.splits(), "c.csv");
        assertThat(later.id()).isNotEqualTo(earlier.id());
        if (earlier.outputKey() != null) {
            assertThat(later.outputKey())
                    .as("the new version's output replaces the earlier one's")
                    .isNotNull();
            assertThat(later.outputKey().key()).isEqualTo(earlier.outputKey().key());
            assertThat(later.outputKey().version())
                    .isNotEqualTo(earlier.outputKey().version());
        }
        assertThat(new Planner(source(), ledger).plan().splits())
                .as("each version is planned once")
                .isEmpty();
    }

    // ---- reading -------------------------------------------------------------------------------------

    @Test
    void aSplitReadsTheVersionItWasPlannedWith() throws IOException {
        write("v.csv", csv("v", 4));
        Source s = source();
        Split split = holding(new Planner(s, ledger).plan().splits(), "v.csv");
        assertThat(read(s, split, "read-1")).contains("0,v").doesNotContain("changed");

        write("v.csv", csv("changed", 9));
        Path scratch = Files.createDirectories(tmp.resolve("read-2"));
        try (SplitReader reader = s.open(split, new ReadContext(scratch))) {
            assertThat(text(reader.files()))
                    .as("never the new version under the old split")
                    .doesNotContain("changed");
            assertThat(reader.skipped())
                    .as("the stale version is left out, with its reason")
                    .singleElement()
                    .satisfies(k -> assertThat(k.key()).isEqualTo("v.csv"))
                    .satisfies(k -> assertThat(k.reason()).contains("stale"));
        }
    }

    @Test
    void aSplitIsCurrentUntilOneOfItsInputsChangesWhateverElseIsAdded() throws IOException {
        for (String k : List.of("m/a.csv", "m/b.csv", "m/c.csv", "n/d.csv")) write(k, csv(k, 2));
        Source s = source(1);
        Split split = holding(new Planner(s, ledger).plan().splits(), "m/b.csv");
        assertThat(s.current(split)).isTrue();

        for (String k : List.of("a.csv", "m/a0.csv", "m/b.csv.bak", "m/bb.csv", "z.csv")) write(k, csv(k, 1));
        assertThat(s.current(split))
                .as("other inputs before, between and after its own do not matter")
                .isTrue();
        List<String> others = split.members().stream()
                .map(Member::key)
                .filter(k -> !k.equals("m/b.csv"))
                .toList();
        if (!others.isEmpty()) {
            delete(others.getLast());
            assertThat(s.current(split))
                    .as("a removed input has no newer version to replace it")
                    .isTrue();
        }
        write("m/b.csv", csv("changed", 5));
        assertThat(s.current(split))
                .as("a changed input makes the split stale where the source plans new versions")
                .isEqualTo(!s.plansNewVersions());
    }

    @Test
    void anInputDeletedAfterPlanningIsNeverReadSilently() throws IOException {
        write("a.csv", csv("a", 2));
        write("gone.csv", csv("gone", 2));
        Source s = source();
        List<Split> splits = new Planner(s, ledger).plan().splits();
        delete("gone.csv");
        Split split = holding(splits, "gone.csv");
        Path scratch = Files.createDirectories(tmp.resolve("read-gone"));
        try (SplitReader reader = s.open(split, new ReadContext(scratch))) {
            List<Skipped> left = reader.skipped();
            assertThat(left)
                    .as("opened: then the input is left out with its reason")
                    .anySatisfy(k -> assertThat(k.key()).isEqualTo("gone.csv"));
        } catch (IOException e) {
            assertThat(e.toString()).as("or the split fails naming the input").contains("gone.csv");
        }
    }

    @Test
    void anInputDeletedBeforeListingIsNotPlanned() throws IOException {
        write("kept.csv", csv("kept", 2));
        write("deleted.csv", csv("deleted", 2));
        delete("deleted.csv");
        assertThat(keys(new Planner(source(), ledger).plan().splits())).containsExactly("kept.csv");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * The ledger, but the first registration of each of {@code planners} threads waits until all of them proposed: every
     * planner then registers from a view in which no other has registered yet, the race at its worst.
     */
    private static Ledger registeringTogether(Ledger ledger, int planners) {
        java.util.concurrent.CyclicBarrier proposed = new java.util.concurrent.CyclicBarrier(planners);
        ThreadLocal<Boolean> waited = ThreadLocal.withInitial(() -> false);
        return (Ledger) java.lang.reflect.Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register") && !waited.get()) {
                        waited.set(true);
                        proposed.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    }
                    try {
                        return method.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static List<String> keys(List<Split> splits) {
        return splits.stream()
                .flatMap(s -> s.members().stream())
                .map(Member::key)
                .toList();
    }

    private static Split holding(List<Split> splits, String key) {
        return splits.stream()
                .filter(s -> s.members().stream().anyMatch(m -> m.key().equals(key)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no split holds " + key + ": " + splits));
    }

    private static Member member(List<Split> splits, String key) {
        return holding(splits, key).members().stream()
                .filter(m -> m.key().equals(key))
                .findFirst()
                .orElseThrow();
    }

    private String read(Source s, Split split, String folder) throws IOException {
        try (SplitReader reader = s.open(split, new ReadContext(Files.createDirectories(tmp.resolve(folder))))) {
            return text(reader.files());
        }
    }

    /** The text of every file of a split, as the engine would read it. */
    private static String text(LocalFiles files) throws IOException {
        StringBuilder all = new StringBuilder();
        for (LocalFiles.Part p : files.parts()) all.append(Files.readString(p.file(), StandardCharsets.UTF_8));
        return all.toString();
    }
}
