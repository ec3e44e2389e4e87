package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planning a large listing streams: each batch of the listing is compared with the ledger and registered while the
 * store is still being listed, so memory holds a batch, not the bucket. Measured on a real store (a local folder)
 * behind a wrapper that counts the objects the listing has handed out, and a real ledger.
 */
class FilesSourceListingTest {
    private static final int FILES = 2_000;
    private static final int BATCH = 100;
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(2).toMillis();

    @TempDir
    Path dir;

    private Path in;
    private SqliteLedger ledger;
    private CountingStore store;

    @BeforeEach
    void setUp() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), "test", Clock.systemUTC());
        store = new CountingStore(new LocalObjectStore(in));
    }

    @AfterEach
    void tearDown() throws IOException {
        ledger.close();
        store.close();
    }

    private void file(String key, String content, long mtime) throws IOException {
        Path p = in.resolve(key);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
    }

    /** A files source on the counting store, as an object store reached over the network (no local folder). */
    private FilesSource source(int batch) {
        return new FilesSource(
                CsvSettings.of(new Storage(store, null), Optional.empty(), null), Clock.systemUTC(), 1, batch);
    }

    @Test
    void eachBatchIsProposedAndRegisteredBeforeTheListingGoesOnSoMemoryHoldsABatchNotTheBucket() throws IOException {
        for (int i = 0; i < FILES; i++) file(String.format("d%02d/f%04d.csv", i / 100, i), "x\n" + i + "\n", OLD);
        Observed observed = new Observed(source(BATCH));

        Plan first = new Planner(observed, ledger).plan();

        assertThat(first.splits().stream().mapToLong(s -> s.members().size()).sum())
                .as("every file registered once")
                .isEqualTo(FILES);
        assertThat(observed.batches).as("proposed in batches").hasSizeGreaterThanOrEqualTo(FILES / BATCH);
        assertThat(observed.ahead)
                .as("objects listed but not yet proposed when each batch was handed over: at most a batch")
                .allSatisfy(ahead -> assertThat(ahead).isBetween(0L, (long) BATCH));
        assertThat(observed.registeredBefore.get(1))
                .as("the first batch was registered before the second was proposed")
                .isEqualTo(BATCH);

        observed.reset();
        Plan again = new Planner(observed, ledger).plan();
        assertThat(again.splits()).as("nothing new").isEmpty();
        assertThat(again.count(Skipped.Why.SEEN)).isEqualTo(FILES);
        assertThat(again.skipped())
                .as("a plan names only the first of the inputs already registered, and counts them all")
                .hasSizeLessThan(FILES);
        assertThat(observed.ahead).allSatisfy(ahead -> assertThat(ahead).isBetween(0L, (long) BATCH));
    }

    @Test
    void aChangedFileOfAPackWhoseOtherFilesAreInOtherBatchesIsReadAgainWithAllOfThem() throws IOException {
        for (String k : List.of("a.csv", "b.csv", "c.csv", "d.csv", "e.csv")) file(k, "x\n" + k + "\n", OLD);
        Split pack = new Planner(source(1000), ledger).plan().splits().getFirst();
        assertThat(pack.members()).hasSize(5);

        file("c.csv", "x\nchanged\n", OLD + 5_000);
        FilesSource small = source(2); // c.csv's batch holds c.csv and d.csv only
        Plan preview = new Planner(small, ledger).preview();
        Plan plan = new Planner(small, ledger).plan();

        assertThat(plan.splits())
                .as("one pack again, with every file of the earlier pack")
                .singleElement()
                .satisfies(s -> assertThat(s.members())
                        .extracting(Member::key)
                        .containsExactly("a.csv", "b.csv", "c.csv", "d.csv", "e.csv"));
        assertThat(preview.splits()).extracting(Split::id).containsExactlyElementsOf(ids(plan.splits()));
        assertThat(new Planner(source(2), ledger).plan().splits())
                .as("planned once")
                .isEmpty();
    }

    @Test
    void withAMarkerAnObjectWhoseMarkerIsInTheNextBatchIsReady() throws IOException {
        // a.csv and a.csv.done fall in different pages of the listing (batches of 1)
        file("a.csv", "x\n1\n", OLD);
        file("a.csv.done", "", OLD);
        file("b.csv", "x\n2\n", OLD);
        Plan plan = new Planner(
                        new FilesSource(
                                CsvSettings.of(new Storage(store, null), Optional.of(".done"), null),
                                Clock.systemUTC(),
                                1,
                                1),
                        ledger)
                .plan();
        Set<String> keys = new HashSet<>();
        plan.splits().forEach(s -> s.members().forEach(m -> keys.add(m.key())));
        assertThat(keys).containsExactly("a.csv");
        assertThat(plan.skipped())
                .singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("waiting for its marker b.csv.done"));
    }

    @Test
    void aDeletedObjectOfAStoreIsLeftOutWhenItsSplitIsRead() throws IOException {
        file("a.csv", "x\n1\n", OLD);
        file("b.csv", "x\n2\n", OLD);
        FilesSource source = source(1000);
        Split pack = new Planner(source, ledger).plan().splits().getFirst();
        Files.delete(in.resolve("a.csv"));
        try (SplitReader reader = source.open(pack, new ReadContext(Files.createDirectories(dir.resolve("s"))))) {
            assertThat(reader.files().parts()).extracting(p -> p.key()).containsExactly("b.csv");
            assertThat(reader.skipped())
                    .singleElement()
                    .satisfies(s -> assertThat(s.reason())
                            .isEqualTo("object " + in.resolve("a.csv") + " was deleted after it was listed"));
        }
    }

    private static List<String> ids(List<Split> splits) {
        return splits.stream().map(Split::id).toList();
    }

    /** The source, recording at each batch it hands over how far the listing had gone and what was registered. */
    private final class Observed implements Source {
        private final FilesSource files;
        final List<Proposal> batches = new ArrayList<>();
        final List<Long> ahead = new ArrayList<>();
        final List<Integer> registeredBefore = new ArrayList<>();
        private long proposed;
        private int registered;

        Observed(FilesSource files) {
            this.files = files;
        }

        void reset() {
            batches.clear();
            ahead.clear();
            registeredBefore.clear();
            proposed = 0;
            registered = 0;
            store.listed.set(0);
        }

        @Override
        public Proposal propose(KnownSplits known) {
            throw new AssertionError("a plan proposes in batches");
        }

        @Override
        public void propose(KnownSplits known, Consumer<Proposal> out) throws IOException {
            files.propose(known, p -> {
                proposed +=
                        p.splits().stream().mapToLong(s -> s.members().size()).sum()
                                + p.units().size()
                                + p.skipped().size();
                ahead.add(store.listed.get() - proposed);
                registeredBefore.add(registered);
                batches.add(p);
                out.accept(p);
            });
        }

        @Override
        public Split pack(List<Split> units) {
            return files.pack(units);
        }

        @Override
        public void registered(List<Split> splits) {
            registered += splits.stream().mapToInt(s -> s.members().size()).sum();
            files.registered(splits);
        }

        @Override
        public SplitReader open(Split split, ReadContext context) throws IOException {
            return files.open(split, context);
        }
    }

    /** A real store that counts the objects its listings have handed out. */
    private static final class CountingStore extends ForwardingObjectStore {
        final AtomicLong listed = new AtomicLong();

        CountingStore(ObjectStore store) {
            super(store);
        }

        @Override
        public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
            return store.list(prefix, startAfter).peek(o -> listed.incrementAndGet());
        }
    }
}
