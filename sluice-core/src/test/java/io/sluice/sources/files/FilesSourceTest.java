package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.config.ConfigException;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Plan;
import io.sluice.planning.TestSources;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files source as a user relies on it: which files become work (globs, hidden names, settle, marker), which
 * are skipped and why (dedupe, changes), and how work is cut (packs of small files, byte ranges of large ones).
 */
class FilesSourceTest {
    /** Long ago enough that any settle time has passed. */
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(2).toMillis();

    @TempDir
    Path dir;

    private Path in;
    private SqliteLedger ledger;

    @BeforeEach
    void setUp() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), "test", Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        ledger.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** A files source from the options as a user writes them under {@code source.files}. */
    private Source source(String yaml, int parallelism) {
        return source(yaml, parallelism, Clock.systemUTC());
    }

    private Source source(String yaml, int parallelism, Clock clock) {
        Options o =
                new Validator(dir, k -> null).validate(YamlReader.parse("test.yaml", yaml), FilesSourceFactory.OPTIONS);
        var context =
                new PipelineContext("test", dir.resolve("p.yaml"), parallelism, BadRecordPolicy.DEAD_LETTER, clock);
        return new FilesSourceFactory().create(o, context);
    }

    private Source source(String yaml) {
        return source(yaml, 1);
    }

    private Path file(String rel, String content, long mtime) throws IOException {
        return file(rel, content.getBytes(StandardCharsets.UTF_8), mtime);
    }

    private Path file(String rel, byte[] content, long mtime) throws IOException {
        Path p = in.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
        return p;
    }

    private Path file(String rel, String content) throws IOException {
        return file(rel, content, OLD);
    }

    private static Set<String> keys(Plan plan) {
        Set<String> keys = new HashSet<>();
        for (Split s : plan.splits()) s.members().forEach(m -> keys.add(m.key()));
        return keys;
    }

    private static Map<String, Skipped> skipped(Plan plan) {
        Map<String, Skipped> byKey = new HashMap<>();
        plan.skipped().forEach(s -> byKey.put(s.key(), s));
        return byKey;
    }

    // ---- which files -------------------------------------------------------------------------------

    @Test
    void includeGlobMatchesTopLevelAndNestedFilesAndExcludeLeavesOut() throws IOException {
        file("a.csv", "x\n1\n");
        file("sub/b.csv", "x\n2\n");
        file("sub/deep/c.csv", "x\n3\n");
        file("d.txt", "hello\n");
        file("sub/e.jsonl", "{}\n");
        file("sub/deep/f.csv.gz", "not really gzip");

        assertThat(keys(TestSources.preview(source("path: in\ninclude: \"**/*.csv\""), ledger)))
                .containsExactlyInAnyOrder("a.csv", "sub/b.csv", "sub/deep/c.csv");
        assertThat(keys(TestSources.preview(source("path: in\ninclude: \"*.csv\""), ledger)))
                .as("* stays in one folder")
                .containsExactly("a.csv");
        assertThat(keys(TestSources.preview(
                        source("path: in\ninclude: \"**/*.csv\"\nexclude: \"sub/deep/**\""), ledger)))
                .containsExactlyInAnyOrder("a.csv", "sub/b.csv");
        assertThat(keys(TestSources.preview(
                        source("path: in\ninclude: [\"**/*.csv\", \"**/*.jsonl\"]\nexclude: [\"**/b.csv\"]"), ledger)))
                .containsExactlyInAnyOrder("a.csv", "sub/deep/c.csv", "sub/e.jsonl");
        assertThat(keys(TestSources.preview(source("path: in"), ledger)))
                .as("the default include is every file")
                .containsExactlyInAnyOrder(
                        "a.csv", "sub/b.csv", "sub/deep/c.csv", "d.txt", "sub/e.jsonl", "sub/deep/f.csv.gz");
    }

    @Test
    void hiddenFilesAndFoldersAreNeverListed() throws IOException {
        file("a.csv", "x\n1\n");
        file(".a.csv.swp", "x\n1\n");
        file("_tmp.csv", "x\n1\n");
        file(".staging/b.csv", "x\n1\n");
        file("_sluice/staging/c.csv", "x\n1\n");
        file("sub/_partial.csv", "x\n1\n");
        file("sub/.d.csv", "x\n1\n");
        Plan plan = TestSources.plan(source("path: in\ninclude: \"**\""), ledger);
        assertThat(keys(plan)).containsExactly("a.csv");
        assertThat(plan.skipped()).as("not even reported as skipped").isEmpty();
    }

    @Test
    void aFileWithAnUnknownExtensionIsSkippedWithAReason() throws IOException {
        file("a.csv", "x\n1\n");
        file("notes.docx", "binary");
        Plan plan = TestSources.plan(source("path: in"), ledger);
        assertThat(keys(plan)).containsExactly("a.csv");
        assertThat(skipped(plan).get("notes.docx").reason())
                .contains("unknown format")
                .contains("source.files.format");
    }

    @Test
    void aMissingFolderIsAnErrorNamingTheOption() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> source("path: nope"));
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("path");
            assertThat(p.message()).contains(dir.resolve("nope").toString()).contains("does not exist");
        });
    }

    // ---- only finished files -------------------------------------------------------------------------

    @Test
    void aFreshFileIsWaitingAndASettledOneIsPlanned() throws IOException {
        long now = System.currentTimeMillis();
        file("old.csv", "x\n1\n", now - Duration.ofMinutes(10).toMillis());
        file("fresh.csv", "x\n2\n", now - Duration.ofSeconds(10).toMillis());
        Plan plan = TestSources.plan(source("path: in\nsettle: 5m"), ledger);
        assertThat(keys(plan)).containsExactly("old.csv");
        Skipped fresh = skipped(plan).get("fresh.csv");
        assertThat(fresh.why()).isEqualTo(Skipped.Why.WAITING);
        assertThat(fresh.waiting()).isTrue();
        assertThat(fresh.settleMillis()).isEqualTo(Duration.ofMinutes(5).toMillis());
        assertThat(fresh.reason()).contains("still changing");
        assertThat(plan.waiting()).isEqualTo(1);

        // once it has not changed for the settle time, it is work (same file, now dated long enough ago)
        Files.setLastModifiedTime(
                in.resolve("fresh.csv"),
                FileTime.fromMillis(now - Duration.ofMinutes(6).toMillis()));
        Plan later = TestSources.plan(source("path: in\nsettle: 5m"), ledger);
        assertThat(keys(later)).containsExactly("fresh.csv");
        assertThat(later.waiting()).isZero();
    }

    @Test
    void withAMarkerOnlyMarkedFilesAreWorkAndMarkersAreNotRead() throws IOException {
        long now = System.currentTimeMillis();
        file("a.csv", "x\n1\n", now); // fresh: a marker overrides settle
        file("a.csv.done", "", now);
        file("b.csv", "x\n2\n");
        Plan plan = TestSources.plan(source("path: in\nmarker: .done"), ledger);
        assertThat(keys(plan)).containsExactly("a.csv");
        assertThat(skipped(plan)).containsOnlyKeys("b.csv");
        assertThat(skipped(plan).get("b.csv").reason()).contains("marker").contains("b.csv.done");

        file("b.csv.done", "");
        assertThat(keys(TestSources.plan(source("path: in\nmarker: .done"), ledger)))
                .containsExactly("b.csv");
    }

    // ---- identity: seen, changed, duplicate content ---------------------------------------------------

    @Test
    void aSecondPlanRegistersNothingNew() throws IOException {
        for (int i = 0; i < 5; i++) file("f" + i + ".csv", "x\n" + i + "\n");
        Source s = source("path: in\npack: { max_files: 2 }");
        Plan first = TestSources.plan(s, ledger);
        assertThat(keys(first)).hasSize(5);
        Plan second = TestSources.plan(s, ledger);
        assertThat(second.splits()).isEmpty();
        assertThat(second.skipped()).hasSize(5).allSatisfy(k -> {
            assertThat(k.why()).isEqualTo(Skipped.Why.SEEN);
            assertThat(k.reason()).contains("already in split");
        });
        assertThat(ledger.counts().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(first.splits().size());
        // and a preview after that agrees: nothing to do
        assertThat(TestSources.preview(s, ledger).splits()).isEmpty();
    }

    @Test
    void previewRegistersNothing() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        assertThat(keys(TestSources.preview(s, ledger))).containsExactly("a.csv");
        assertThat(keys(TestSources.preview(s, ledger))).containsExactly("a.csv");
        assertThat(ledger.counts()).isEmpty();
    }

    @Test
    void sameContentUnderAnotherNameIsSkippedNamingTheFirstFile() throws IOException {
        file("a.csv", "x\n1\n2\n");
        file("b.csv", "x\n1\n2\n");
        file("c.csv", "x\n3\n");
        Plan plan = TestSources.plan(source("path: in\ndedupe: content"), ledger);
        assertThat(keys(plan)).containsExactlyInAnyOrder("a.csv", "c.csv");
        Skipped b = skipped(plan).get("b.csv");
        assertThat(b.why()).isEqualTo(Skipped.Why.SKIPPED);
        assertThat(b.reason()).contains("same content as a.csv").contains("dedupe");
        assertThat(plan.splits())
                .flatExtracting(Split::members)
                .allSatisfy(m -> assertThat(m.digest()).hasSize(64));
    }

    @Test
    void sameContentIsSkippedAcrossPlans() throws IOException {
        file("2024/a.csv", "x\n1\n2\n");
        Source s = source("path: in\ndedupe: content");
        assertThat(keys(TestSources.plan(s, ledger))).containsExactly("2024/a.csv");

        file("2025/copy.csv", "x\n1\n2\n");
        file("2025/other.csv", "x\n9\n");
        Plan second = TestSources.plan(s, ledger);
        assertThat(keys(second)).containsExactly("2025/other.csv");
        assertThat(skipped(second).get("2025/copy.csv").reason()).contains("same content as 2024/a.csv");
        assertThat(skipped(second).get("2024/a.csv").why()).isEqualTo(Skipped.Why.SEEN);
    }

    @Test
    void withoutDedupeTheSameContentIsWork() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n1\n");
        assertThat(keys(TestSources.plan(source("path: in"), ledger))).containsExactlyInAnyOrder("a.csv", "b.csv");
    }

    @Test
    void aChangedFileIsReprocessedAsANewVersionUnderANewSplitId() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        Plan first = TestSources.plan(s, ledger);
        Split v1 = first.splits().getFirst();

        file("a.csv", "x\n1\n2\n", OLD + 60_000);
        Plan second = TestSources.plan(s, ledger);
        assertThat(second.splits()).singleElement().satisfies(v2 -> {
            assertThat(v2.id()).isNotEqualTo(v1.id()).startsWith("a.csv");
            assertThat(v2.members()).singleElement().satisfies(m -> {
                assertThat(m.key()).isEqualTo("a.csv");
                assertThat(m.fingerprint()).isNotEqualTo(v1.members().getFirst().fingerprint());
            });
        });
        assertThat(ledger.counts().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(2);
        // and that version is seen from now on
        assertThat(TestSources.plan(s, ledger).splits()).isEmpty();
    }

    @Test
    void aTouchedFileWithTheSameSizeIsAlsoANewVersion() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        TestSources.plan(s, ledger);
        file("a.csv", "x\n7\n", OLD + 1000); // same size, new mtime
        assertThat(keys(TestSources.plan(s, ledger))).containsExactly("a.csv");
    }

    @Test
    void aChangedFileIsIgnoredWithOnChangeIgnore() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in\non_change: ignore");
        String v1 = TestSources.plan(s, ledger).splits().getFirst().id();

        file("a.csv", "x\n1\n2\n", OLD + 60_000);
        Plan second = TestSources.plan(s, ledger);
        assertThat(second.splits()).isEmpty();
        Skipped a = skipped(second).get("a.csv");
        assertThat(a.why()).isEqualTo(Skipped.Why.SKIPPED);
        assertThat(a.reason()).contains("changed since split " + v1).contains("on_change: ignore");
    }

    // ---- reading a planned split after its files changed ----------------------------------------------

    @Test
    void aFileChangedAfterPlanningIsLeftOutOfItsOldSplitAndReadOnlyAsItsNewVersion() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        Source s = source("path: in");
        Split pack = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(pack.members()).hasSize(2);
        assertThat(s.current(pack)).isTrue();

        // a.csv is fixed after its split died (then `sluice retry`): the old split must not read the new bytes, which
        // are new work; b.csv is unchanged and still read by the old split, which is no longer current: its sink
        // commits nothing, and the pack's new version (a.csv's new bytes and b.csv again) writes the output
        file("a.csv", "x\n1\n11\n", OLD + 5_000);
        LocalFiles old = TestSources.open(s, pack, Files.createDirectories(dir.resolve("scratch")));
        assertThat(old.parts()).extracting(LocalFiles.Part::key).containsExactly("b.csv");
        assertThat(s.current(pack)).isFalse();
        Plan next = TestSources.plan(s, ledger);
        assertThat(next.splits()).singleElement().satisfies(v2 -> {
            assertThat(v2.members()).extracting(Member::key).containsExactly("a.csv", "b.csv");
            LocalFiles input = TestSources.open(s, v2, dir.resolve("scratch"));
            assertThat(input.parts()).extracting(LocalFiles.Part::key).containsExactly("a.csv", "b.csv");
            assertThat(s.current(v2)).isTrue();
        });
    }

    @Test
    void aSplitIsCurrentWhileItsFilesAreAsPlannedOrRemovedAndAlwaysWithOnChangeIgnore() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        Split v1 = TestSources.plan(s, ledger).splits().getFirst();
        file("a.csv", "x\n1\n2\n", OLD + 5_000);
        assertThat(s.current(v1)).isFalse();
        assertThat(source("path: in\non_change: ignore").current(v1)).isTrue();
        Files.delete(in.resolve("a.csv"));
        assertThat(s.current(v1))
                .as("no newer version can come of a removed file")
                .isTrue();
    }

    // ---- new versions keep their output key -----------------------------------------------------------

    private static OutputKey outputKey(Split split) {
        if (split.outputKey() == null) throw new AssertionError("no output key: " + split.id());
        return split.outputKey();
    }

    @Test
    void aChangedWholeFileIsReadAloneUnderItsKeyEvenAmongNewFiles() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in\npack: { max_files: 1 }");
        Split v1 = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(outputKey(v1))
                .isEqualTo(new OutputKey("a.csv", v1.members().getFirst().fingerprint(), 0, Member.WHOLE));

        file("a.csv", "x\n1\n2\n", OLD + 5_000);
        file("b.csv", "x\n3\n");
        file("c.csv", "x\n4\n");
        List<Split> next =
                TestSources.plan(source("path: in"), ledger).splits(); // packing allowed now: only new files are packed
        assertThat(next).hasSize(2);
        Split v2 = next.stream()
                .filter(sp -> sp.members().getFirst().key().equals("a.csv"))
                .findFirst()
                .orElseThrow();
        assertThat(v2.members()).hasSize(1);
        assertThat(outputKey(v2).key()).isEqualTo("a.csv");
        assertThat(outputKey(v2).version()).isNotEqualTo(outputKey(v1).version());
    }

    @Test
    void aChangedFileOfAPackIsReadAgainWithEveryFileOfThePack() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        file("c.csv", "x\n3\n");
        Source s = source("path: in");
        Split p1 = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(p1.members()).hasSize(3);
        Map<String, String> fingerprints = new HashMap<>();
        p1.members().forEach(m -> fingerprints.put(m.key(), m.fingerprint()));

        file("b.csv", "x\n2\n22\n", OLD + 5_000);
        file("d.csv", "x\n4\n");
        var plan = TestSources.plan(s, ledger);
        List<Split> next = plan.splits();
        assertThat(next).hasSize(2);
        assertThat(plan.skipped())
                .as("the unchanged files of the pack are read again, not skipped")
                .isEmpty();
        Split p2 =
                next.stream().filter(sp -> sp.members().size() == 3).findFirst().orElseThrow();
        assertThat(next)
                .filteredOn(sp -> sp != p2)
                .singleElement()
                .satisfies(
                        sp -> assertThat(sp.members()).extracting(Member::key).containsExactly("d.csv"));
        assertThat(p2.members()).extracting(Member::key).containsExactly("a.csv", "b.csv", "c.csv");
        assertThat(outputKey(p2).key()).isEqualTo(p1.id());
        assertThat(p2.id()).startsWith(p1.id() + "@");
        // the unchanged files are read as they are, registered again under the new pack's version
        for (Member m : p2.members()) {
            String now = OutputKey.fileVersion(m.fingerprint());
            if (m.key().equals("b.csv")) {
                assertThat(now).isNotEqualTo(fingerprints.get("b.csv"));
            } else {
                assertThat(now).isEqualTo(fingerprints.get(m.key()));
                assertThat(m.fingerprint()).isNotEqualTo(fingerprints.get(m.key()));
            }
        }
        assertThat(TestSources.open(s, p2, Files.createDirectories(dir.resolve("scratch")))
                        .parts())
                .hasSize(3);
        assertThat(TestSources.plan(s, ledger).splits())
                .as("every file is seen in its version now")
                .isEmpty();

        // a second change: the same pack again, still under the first pack's key
        file("c.csv", "x\n3\n33\n", OLD + 9_000);
        Split p3 = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(p3.members()).extracting(Member::key).containsExactly("a.csv", "b.csv", "c.csv");
        assertThat(outputKey(p3).key()).isEqualTo(p1.id());
        assertThat(outputKey(p3).version()).isNotEqualTo(outputKey(p2).version());
    }

    /**
     * A file that returns to a version it had before (restored from a backup with its modification time: cp -p,
     * rsync -a; an object uploaded again with the same bytes, whose ETag is the same) is a change like any other: its
     * output must replace the version read last. Whole, cut into ranges and packed.
     */
    @Test
    void aFileThatReturnsToAnEarlierVersionIsReadAgainEachTime() throws IOException {
        file("packed.csv", "x\n7\n");
        file("mate.csv", "x\n8\n");
        Source packs = source("path: in\ninclude: \"[mp]*.csv\"");
        Source alone = source("path: in\ninclude: a.csv\npack: { max_files: 1 }");
        Source ranges = source("path: in\ninclude: big.csv\nsplit_size: 1KB");
        Map<String, List<String>> versions = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            boolean first = i % 2 == 0; // A, B, A, B
            file("a.csv", first ? "x\n1\n" : "x\n2\n", first ? OLD : OLD + 5_000);
            file("packed.csv", first ? "x\n7\n" : "x\n77\n", first ? OLD : OLD + 5_000);
            file("big.csv", ("x\n" + (first ? "1" : "2") + "\n").repeat(1500), first ? OLD : OLD + 5_000);
            for (var e :
                    Map.of("alone", alone, "packs", packs, "ranges", ranges).entrySet()) {
                List<Split> planned = TestSources.plan(e.getValue(), ledger).splits();
                assertThat(planned).as("%s, version %d", e.getKey(), i + 1).isNotEmpty();
                assertThat(planned.stream().map(sp -> outputKey(sp).key()).distinct())
                        .as("%s, version %d: the same output", e.getKey(), i + 1)
                        .hasSize(1);
                versions.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                        .add(outputKey(planned.getFirst()).version());
            }
        }
        versions.forEach((kind, v) -> assertThat(v).as(kind).hasSize(4).doesNotHaveDuplicates());
        for (Source s : List.of(alone, packs, ranges)) {
            assertThat(TestSources.plan(s, ledger).splits()).as("nothing new").isEmpty();
        }
    }

    @Test
    void twoPlannersPlanningAChangedPackAgainAgree() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        TestSources.plan(source("path: in"), ledger);
        file("a.csv", "x\n1\n11\n", OLD + 5_000);
        List<Split> seenByTheOther =
                TestSources.preview(source("path: in"), ledger).splits();
        assertThat(TestSources.plan(source("path: in"), ledger).splits()).hasSize(1);
        assertThat(ledger.register(seenByTheOther)).isEmpty();
    }

    @Test
    void aChangedFileOfAPackWhoseOtherFileIsGoneIsSkippedUntilItIsBack() throws IOException {
        file("a.csv", "x\n1\n");
        Path b = file("b.csv", "x\n2\n");
        Source s = source("path: in");
        TestSources.plan(s, ledger);
        byte[] kept = Files.readAllBytes(b);
        Files.delete(b); // moved away after processing, say

        file("a.csv", "x\n1\n11\n", OLD + 5_000);
        Plan plan = TestSources.plan(s, ledger);
        assertThat(plan.splits()).isEmpty();
        assertThat(skipped(plan).get("a.csv").reason())
                .contains("no longer listed")
                .contains("lose their rows");

        file("b.csv", kept, OLD);
        assertThat(TestSources.plan(s, ledger).splits())
                .singleElement()
                .satisfies(
                        sp -> assertThat(sp.members()).extracting(Member::key).containsExactly("a.csv", "b.csv"));
    }

    @Test
    void aChangedFileOfAPackWaitsForAnotherFileOfThePackStillBeingWritten() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        Source s = source("path: in\nsettle: 1h");
        TestSources.plan(s, ledger);
        file("a.csv", "x\n1\n11\n", OLD + 5_000);
        file("b.csv", "x\n2\n22\n", System.currentTimeMillis());
        Plan plan = TestSources.plan(s, ledger);
        assertThat(plan.splits()).isEmpty();
        assertThat(skipped(plan).get("a.csv").reason()).contains("once b.csv is ready");
        assertThat(skipped(plan).get("b.csv").why()).isEqualTo(Skipped.Why.WAITING);
    }

    @Test
    void aChangedFileCutIntoRangesIsCutAgainUnderItsKey() throws IOException {
        file("big.csv", "id,v\n" + "1,abcdefgh\n".repeat(300), OLD);
        Source s = source("path: in\nsplit_size: 1KB");
        List<Split> v1 = TestSources.plan(s, ledger).splits();
        assertThat(v1).hasSizeGreaterThan(1);
        file("big.csv", "id,v\n" + "22,abcdefgh\n".repeat(300), OLD + 5_000);
        List<Split> v2 = TestSources.plan(s, ledger).splits();
        assertThat(v2).hasSizeGreaterThan(1);
        String version = outputKey(v2.getFirst()).version();
        assertThat(v2).allSatisfy(sp -> {
            assertThat(outputKey(sp).key()).isEqualTo("big.csv");
            assertThat(outputKey(sp).version())
                    .isEqualTo(version)
                    .isNotEqualTo(outputKey(v1.getFirst()).version());
        });
        assertThat(outputKey(v2.get(0)).sibling(outputKey(v2.get(1))))
                .as("ranges of one version stay side by side")
                .isTrue();
        assertThat(outputKey(v2.get(0)).sibling(outputKey(v1.get(1))))
                .as("but not beside another version's")
                .isFalse();
    }

    @Test
    void aFileNamedLikeARangeOfAnotherFileIsReadToo() throws IOException {
        file("big.csv", "id,v\n" + "1,abcdefgh\n".repeat(300), OLD);
        Source s = source("path: in\nformat: csv\nsplit_size: 1KB");
        List<Split> ranges = TestSources.plan(s, ledger).splits();
        assertThat(ranges).hasSizeGreaterThan(1);
        // a legal name, on disks and in buckets, that reads like the first range of big.csv (read as csv by `format`)
        String lookalike = ranges.getFirst().id();
        assertThat(lookalike).startsWith("big.csv#0-");
        file(lookalike, "id,v\n2,x\n");

        Plan plan = TestSources.plan(s, ledger);
        assertThat(keys(plan)).containsExactly(lookalike);
        assertThat(plan.splits().getFirst().id()).isNotEqualTo(lookalike);
        assertThat(TestSources.plan(s, ledger).splits()).isEmpty();
    }

    @Test
    void aFileNamedLikeAnotherFilesLaterVersionIsReadToo() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in\nformat: csv");
        TestSources.plan(s, ledger);
        file("a.csv", "x\n1\n2\n", OLD + 60_000);
        String later = TestSources.preview(s, ledger).splits().getFirst().id();
        assertThat(later).startsWith("a.csv@");
        file(later, "x\n3\n");

        Plan plan = TestSources.plan(s, ledger);
        assertThat(keys(plan)).containsExactlyInAnyOrder("a.csv", later);
        assertThat(plan.splits()).extracting(Split::id).doesNotHaveDuplicates();
        assertThat(TestSources.plan(s, ledger).splits()).isEmpty();
    }

    @Test
    void aFileNamedLikeARangeIdIsNotTakenForItWhenItComesFirst() throws IOException {
        // the look-alike registered first, then the file it looks like a range of: every range of it is read
        Path scratch = Files.createDirectories(dir.resolve("probe"));
        file("big.csv", "id,v\n" + "1,abcdefgh\n".repeat(300), OLD);
        String lookalike;
        try (SqliteLedger other = SqliteLedger.open(scratch.resolve("l.db"), "probe", Clock.systemUTC())) {
            lookalike = TestSources.preview(source("path: in\nformat: csv\nsplit_size: 1KB"), other)
                    .splits()
                    .getFirst()
                    .id();
        }
        Files.move(in.resolve("big.csv"), scratch.resolve("big.csv"));
        file(lookalike, "id,v\n2,x\n");
        Source s = source("path: in\nformat: csv\nsplit_size: 1KB");
        assertThat(keys(TestSources.plan(s, ledger))).containsExactly(lookalike);
        Files.move(scratch.resolve("big.csv"), in.resolve("big.csv"));

        List<Split> ranges = TestSources.plan(s, ledger).splits();
        assertThat(ranges)
                .hasSizeGreaterThan(1)
                .allSatisfy(r -> assertThat(r.members())
                        .singleElement()
                        .extracting(Member::key)
                        .isEqualTo("big.csv"));
        assertThat(ranges.getFirst().members().getFirst().start()).isZero();
    }

    @Test
    void aFileReachedThroughALinkInsideTheFolderIsListedOnceUnderItsOwnName() throws IOException {
        file("2026-11/a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        Files.createSymbolicLink(in.resolve("latest"), in.resolve("2026-11"));
        Files.createSymbolicLink(in.resolve("b-link.csv"), in.resolve("b.csv"));
        Files.createSymbolicLink(in.resolve("2026-11/loop"), in); // would list the folder again, and again
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(outside.resolve("c.csv"), "x\n3\n");
        Files.setLastModifiedTime(outside.resolve("c.csv"), FileTime.fromMillis(OLD));
        Files.createSymbolicLink(in.resolve("ext"), outside);
        Files.createSymbolicLink(in.resolve("2026-11/more"), outside); // reached through latest too

        Plan plan = TestSources.plan(source("path: in\ninclude: [\"**/*.csv\"]"), ledger);
        assertThat(keys(plan))
                .as("a link to a place inside the folder is a second name of what is listed anyway; a link out of it"
                        + " is how its files are reached, once")
                .containsExactlyInAnyOrder("2026-11/a.csv", "b.csv", "ext/c.csv", "2026-11/more/c.csv");
    }

    @Test
    void aLinkInsideTheFolderThatOnlyItsNameIsIncludedByIsFollowed() throws IOException {
        file("2026-11/a.csv", "x\n1\n");
        file("archive/v3.csv", "x\n2\n");
        Files.createSymbolicLink(in.resolve("latest"), in.resolve("2026-11"));
        Files.createSymbolicLink(in.resolve("current.csv"), in.resolve("archive/v3.csv"));
        Files.createSymbolicLink(in.resolve("2026-11/up"), in.resolve("archive")); // a loop of two links
        Files.createSymbolicLink(in.resolve("archive/down"), in.resolve("2026-11"));

        Plan plan = TestSources.plan(
                source("path: in\ninclude: [\"latest/*.csv\", \"latest/*/*.csv\", \"current.csv\"]"), ledger);
        assertThat(keys(plan))
                .as("what the link points to is not included under its own name: read under the link's, once")
                .containsExactlyInAnyOrder("latest/a.csv", "latest/up/v3.csv", "current.csv");
    }

    @Test
    void aSplitWhoseEveryFileChangedHasNothingToRead() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        Split v1 = TestSources.plan(s, ledger).splits().getFirst();
        file("a.csv", "x\n1\n2\n", OLD + 5_000);
        assertThat(TestSources.open(s, v1, Files.createDirectories(dir.resolve("scratch")))
                        .parts())
                .isEmpty();
    }

    @Test
    void withOnChangeIgnoreTheOldSplitReadsTheFileAsItIsNow() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in\non_change: ignore");
        Split v1 = TestSources.plan(s, ledger).splits().getFirst();
        file("a.csv", "x\n1\n2\n", OLD + 5_000);
        assertThat(TestSources.plan(s, ledger).splits())
                .as("no new version with ignore")
                .isEmpty();
        assertThat(TestSources.open(s, v1, Files.createDirectories(dir.resolve("scratch")))
                        .parts())
                .extracting(LocalFiles.Part::key)
                .containsExactly("a.csv");
    }

    @Test
    void withOnChangeIgnoreAChangedFileCutIntoRangesIsAnErrorNotAWrongCut() throws IOException {
        file("big.csv", "id,v\n" + "1,abcdefgh\n".repeat(300), OLD);
        Source s = source("path: in\nsplit_size: 1KB\non_change: ignore");
        Split range = TestSources.plan(s, ledger).splits().get(1);
        file("big.csv", "id,v\n" + "22,abcdefgh\n".repeat(300), OLD + 5_000);
        IOException e = catchThrowableOfType(
                IOException.class, () -> TestSources.open(s, range, Files.createDirectories(dir.resolve("scratch"))));
        assertThat(e)
                .hasMessageContaining("big.csv")
                .hasMessageContaining("changed after it was planned")
                .hasMessageContaining("on_change");
    }

    @Test
    void aFileDeletedAfterItWasListedIsLeftOutWithItsReasonNotRetried() throws IOException {
        file("a.csv", "x\n1\n");
        Source s = source("path: in");
        Split v1 = TestSources.plan(s, ledger).splits().getFirst();
        Files.delete(in.resolve("a.csv"));
        try (SplitReader reader = s.open(v1, new ReadContext(Files.createDirectories(dir.resolve("scratch"))))) {
            assertThat(reader.files().parts()).isEmpty();
            assertThat(reader.skipped())
                    .singleElement()
                    .satisfies(k -> assertThat(k.key()).isEqualTo("a.csv"))
                    .satisfies(k -> assertThat(k.why()).isEqualTo(Skipped.Why.SKIPPED))
                    .satisfies(k -> assertThat(k.reason())
                            .isEqualTo("file " + in.resolve("a.csv") + " was deleted after it was listed"));
        }
    }

    @Test
    void aPackMemberDeletedAfterItWasListedIsLeftOutAndTheOthersAreRead() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        file("c.csv", "x\n3\n");
        Source s = source("path: in");
        Split pack = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(pack.members()).hasSize(3);
        Files.delete(in.resolve("b.csv"));
        try (SplitReader reader = s.open(pack, new ReadContext(Files.createDirectories(dir.resolve("scratch"))))) {
            assertThat(reader.files().parts()).extracting(LocalFiles.Part::key).containsExactly("a.csv", "c.csv");
            assertThat(reader.skipped()).extracting(Skipped::key).containsExactly("b.csv");
        }
    }

    @Test
    void aFileDeletedFromAPackPlannedAgainFailsItsSplitInsteadOfDroppingItsRowsFromTheOutput() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        file("c.csv", "x\n3\n");
        Source s = source("path: in");
        Split p1 = TestSources.plan(s, ledger).splits().getFirst();
        file("b.csv", "x\n2\n22\n", OLD + 5_000);
        Split p2 = TestSources.plan(s, ledger).splits().getFirst();
        assertThat(outputKey(p2).key()).isEqualTo(p1.id());
        Files.delete(in.resolve("c.csv")); // unchanged: its rows are in the output p2 replaces

        java.nio.file.NoSuchFileException e = catchThrowableOfType(
                java.nio.file.NoSuchFileException.class,
                () -> TestSources.open(s, p2, Files.createDirectories(dir.resolve("scratch"))));
        assertThat(e.getFile()).isEqualTo(in.resolve("c.csv").toString());
        assertThat(e.getReason())
                .contains("deleted after it was listed")
                .contains("lose its rows")
                .contains("restore it");
    }

    // ---- start_after and after ----------------------------------------------------------------------

    @Test
    void startAfterListsOnlyTheKeysAfterIt() throws IOException {
        file("2026/04/a.csv", "x\n1\n", OLD);
        file("2026/05/b.csv", "x\n2\n", OLD);
        file("2026/06/c.csv", "x\n3\n", OLD);
        assertThat(keys(TestSources.plan(
                        source("path: in\nstart_after: \"2026/05/\"\npack: { max_files: 1 }"), ledger)))
                .containsExactlyInAnyOrder("2026/05/b.csv", "2026/06/c.csv");
    }

    @Test
    void afterDeleteRemovesTheInputsOnlyWhenTheSplitIsProcessedAndOnlyTheVersionItRead() throws IOException {
        file("a.csv", "x\n1\n", OLD);
        file("b.csv", "x\n2\n", OLD);
        Source s = source("path: in\nafter: { delete: true }");
        List<Split> splits = TestSources.plan(s, ledger).splits();
        assertThat(splits).hasSize(1);
        assertThat(in.resolve("a.csv")).as("planning removes nothing").exists();
        file("b.csv", "x\n2\n3\n", OLD + 5000); // overwritten after planning: new work, which stays
        s.processed(splits.getFirst());
        assertThat(in.resolve("a.csv")).doesNotExist();
        assertThat(in.resolve("b.csv")).exists();
    }

    @Test
    void afterMoveToCopiesUnderTheTargetThenRemoves() throws IOException {
        file("sub/a.csv", "x\n1\n", OLD);
        Source s = source("path: in\nafter: { move_to: in/_done }");
        Split split = TestSources.plan(s, ledger).splits().getFirst();
        s.processed(split);
        assertThat(in.resolve("sub/a.csv")).doesNotExist();
        assertThat(in.resolve("_done/sub/a.csv")).hasContent("x\n1\n");
        assertThat(TestSources.plan(source("path: in"), ledger).splits())
                .as("a folder starting with _ is never listed")
                .isEmpty();
    }

    @Test
    void afterIsCheckedWhereItIsWritten() {
        assertThat(catchThrowableOfType(ConfigException.class, () -> source("path: in\nafter: { move_to: in/done }")))
                .hasMessageContaining("move_to")
                .hasMessageContaining("listed and read again");
        assertThat(catchThrowableOfType(ConfigException.class, () -> source("path: in\nafter: { delete: false }")))
                .hasMessageContaining("either delete: true or move_to");
        assertThat(catchThrowableOfType(
                        ConfigException.class, () -> source("path: in\ntail: true\nafter: { delete: true }")))
                .hasMessageContaining("never deleted or moved");
    }

    @Test
    void withAfterLargeFilesAreReadWhole() throws IOException {
        StringBuilder big = new StringBuilder("id\n");
        for (int i = 0; i < 500; i++) big.append(i).append('\n');
        file("big.csv", big.toString(), OLD);
        assertThat(TestSources.plan(source("path: in\nsplit_size: 512\nafter: { delete: true }"), ledger)
                        .splits())
                .singleElement()
                .satisfies(sp -> assertThat(sp.members().getFirst().isWhole()).isTrue());
    }

    // ---- packing -------------------------------------------------------------------------------------

    @Test
    void packsRespectMaxFilesAndEveryFileIsInExactlyOneSplit() throws IOException {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String key = String.format("p%02d.csv", i);
            file(key, "x\n" + "1\n".repeat(i + 1));
            all.add(key);
        }
        for (int parallelism : new int[] {1, 3}) {
            Plan plan = TestSources.preview(source("path: in\npack: { max_files: 4 }", parallelism), ledger);
            assertThat(plan.splits()).allSatisfy(sp -> assertThat(sp.members()).hasSizeBetween(1, 4));
            assertExactlyOnce(plan, all);
            assertThat(plan.splits()).as("ids are unique").extracting(Split::id).doesNotHaveDuplicates();
        }
        Plan plan = TestSources.plan(source("path: in\npack: { max_files: 4 }", 1), ledger);
        assertThat(plan.splits()).hasSize(6); // 23 files in packs of at most 4
    }

    @Test
    void packsRespectMaxBytesAndABigFileGetsItsOwnSplit() throws IOException {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String key = String.format("s%02d.jsonl", i);
            file(key, ("{\"i\":" + i + "}\n").repeat(3)); // 24-27 bytes
            all.add(key);
        }
        file("zbig.jsonl", "{\"i\":1000}\n".repeat(20)); // 220 bytes: more than a pack
        all.add("zbig.jsonl");
        Plan plan = TestSources.plan(source("path: in\npack: { max_bytes: 100 }", 1), ledger);
        assertExactlyOnce(plan, all);
        for (Split sp : plan.splits()) {
            long size = 0;
            for (Member m : sp.members()) size += Files.size(in.resolve(m.key()));
            assertThat(sp.bytes()).isEqualTo(size);
            if (sp.members().size() > 1) assertThat(sp.bytes()).isLessThanOrEqualTo(100);
        }
        assertThat(plan.splits())
                .filteredOn(sp -> sp.members().stream().anyMatch(m -> m.key().equals("zbig.jsonl")))
                .singleElement()
                .satisfies(sp -> assertThat(sp.members()).hasSize(1));
    }

    @Test
    void packsHoldOneFormatEach() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.jsonl", "{}\n");
        file("c.csv", "x\n2\n");
        file("d.txt", "line\n");
        Plan plan = TestSources.plan(source("path: in"), ledger);
        assertExactlyOnce(plan, List.of("a.csv", "b.jsonl", "c.csv", "d.txt"));
        for (Split sp : plan.splits()) {
            assertThat(sp.members().stream()
                            .map(m -> Formats.fromName(m.key()).orElseThrow())
                            .distinct())
                    .hasSize(1);
        }
    }

    @Test
    void aPackIsReadableAsOneInputWithEveryMember() throws IOException {
        file("a.csv", "x\n1\n");
        file("b.csv", "x\n2\n");
        Split pack = TestSources.plan(source("path: in"), ledger).splits().getFirst();
        assertThat(pack.members()).hasSize(2);
        LocalFiles input = TestSources.open(source("path: in"), pack, Files.createDirectories(dir.resolve("scratch")));
        assertThat(input.format()).isEqualTo("csv");
        assertThat(input.header()).isTrue();
        assertThat(input.parts()).extracting(LocalFiles.Part::key).containsExactly("a.csv", "b.csv");
        assertThat(input.parts())
                .extracting(LocalFiles.Part::file)
                .containsExactly(in.resolve("a.csv"), in.resolve("b.csv"));
    }

    private static void assertExactlyOnce(Plan plan, List<String> all) {
        List<String> listed = new ArrayList<>();
        for (Split sp : plan.splits()) sp.members().forEach(m -> listed.add(m.key()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(all);
    }

    // ---- byte ranges ---------------------------------------------------------------------------------

    @Test
    void largeFilesAreCutAtLineBoundariesAndTheRangesConcatenateToTheFile() throws IOException {
        StringBuilder csv = new StringBuilder("id,name,note\r\n");
        for (int i = 0; i < 400; i++)
            csv.append(i)
                    .append(",név ")
                    .append(i)
                    .append(",ünïcödé ")
                    .append("x".repeat(i % 17))
                    .append("\r\n");
        csv.append("400,last,no newline at the end");
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        file("big.csv", bytes, OLD);

        Source s = source("path: in\nsplit_size: 1KB");
        List<Split> splits = TestSources.plan(s, ledger).splits();
        assertThat(splits.size()).isGreaterThan(bytes.length / 1024 - 2);
        List<Member> ranges = splits.stream()
                .map(sp -> sp.members().getFirst())
                .sorted(java.util.Comparator.comparingLong(Member::start))
                .toList();
        assertContiguous(ranges, bytes.length);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (Member m : ranges) {
            assertThat(m.key()).isEqualTo("big.csv");
            if (m.start() > 0)
                assertThat(bytes[(int) m.start() - 1])
                        .as("cut right after a newline")
                        .isEqualTo((byte) '\n');
            joined.write(bytes, (int) m.start(), (int) (m.end() - m.start()));
        }
        assertThat(joined.toByteArray()).isEqualTo(bytes);
        assertThat(splits)
                .allSatisfy(sp -> assertThat(sp.bytes())
                        .isEqualTo(sp.members().getFirst().end()
                                - sp.members().getFirst().start()));
        assertThat(splits)
                .extracting(Split::id)
                .doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(id).startsWith("big.csv#"));
        // planned once, never again
        assertThat(TestSources.plan(s, ledger).splits()).isEmpty();
    }

    @Test
    void aRangeIsReadWithTheCsvHeaderInFront() throws IOException {
        StringBuilder csv = new StringBuilder("id,name\n");
        for (int i = 0; i < 200; i++) csv.append(i).append(",row ").append(i).append('\n');
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        file("big.csv", bytes, OLD);
        Source s = source("path: in\nsplit_size: 512");
        List<Split> splits = TestSources.plan(s, ledger).splits();
        assertThat(splits).hasSizeGreaterThan(2);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        for (Split sp : splits) {
            Member m = sp.members().getFirst();
            Path work = Files.createDirectories(scratch.resolve("s" + m.start()));
            LocalFiles.Part part = TestSources.open(s, sp, work).parts().getFirst();
            byte[] range = java.util.Arrays.copyOfRange(bytes, (int) m.start(), (int) m.end());
            byte[] read = Files.readAllBytes(part.file());
            assertThat(part.key()).isEqualTo("big.csv");
            long linesBefore = new String(bytes, 0, (int) m.start(), StandardCharsets.UTF_8)
                    .chars()
                    .filter(ch -> ch == '\n')
                    .count();
            if (m.start() == 0) {
                assertThat(read).isEqualTo(range);
                assertThat(part.shift().lines()).isZero();
            } else {
                assertThat(new String(read, StandardCharsets.UTF_8))
                        .isEqualTo("id,name\n" + new String(range, StandardCharsets.UTF_8));
                assertThat(part.shift().lines())
                        .as("the header line copied in front is not a line of the range")
                        .isEqualTo(linesBefore - 1);
                assertThat(part.shift().startByte()).isEqualTo(m.start());
                assertThat(part.shift().remote())
                        .as("a local file's lines are counted on its disk")
                        .isFalse();
            }
        }
    }

    @Test
    void quotedNewlinesInCsvAreNeverCutPoints() throws IOException {
        StringBuilder csv = new StringBuilder("id,text\n");
        for (int i = 0; i < 300; i++) {
            csv.append(i).append(",\"line one of ").append(i).append("\nline two, with \"\"quotes\"\"\nline three\"\n");
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        file("quoted.csv", bytes, OLD);
        List<Member> ranges = TestSources.plan(source("path: in\nsplit_size: 1KB"), ledger).splits().stream()
                .map(sp -> sp.members().getFirst())
                .sorted(java.util.Comparator.comparingLong(Member::start))
                .toList();
        assertThat(ranges).hasSizeGreaterThan(5);
        assertContiguous(ranges, bytes.length);
        String text = csv.toString();
        for (Member m : ranges) {
            if (m.start() == 0) continue;
            String before = new String(bytes, 0, (int) m.start(), StandardCharsets.UTF_8);
            assertThat(before.chars().filter(c -> c == '"').count() % 2)
                    .as("balanced quotes before the cut at " + m.start())
                    .isZero();
            String rest = text.substring(before.length());
            assertThat(rest).as("a range starts at a record").matches("(?s)\\d+,\".*");
        }
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsTextWhenCutting() throws IOException {
        assertRangesStartAtRecords(
                "id,product,note\n", i -> i + ",TV 55\" screen " + i + ",\"line one\nline two\"\n", "\\d+,TV 55.*");
    }

    @Test
    void aQuoteOpensAFieldOnlyAfterTheFilesOwnDelimiter() throws IOException {
        // with ';' the delimiter, ", \"" is text inside a field, not the start of a quoted one
        assertRangesStartAtRecords("id;size;note\n", i -> i + ";5, \"big\";\"note\nsecond line\"\n", "\\d+;5, .*");
    }

    @Test
    void quotesEscapedByABackslashAreFollowed() throws IOException {
        assertRangesStartAtRecords("id,note\n", i -> i + ",\"a 5\\\" screen\nsecond line\"\n", "\\d+,\"a 5.*");
    }

    /** A csv of 300 rows cut at 1 KB: cut into ranges, each starting at a record ({@code start} matches its rest). */
    private void assertRangesStartAtRecords(String header, java.util.function.IntFunction<String> row, String start)
            throws IOException {
        StringBuilder csv = new StringBuilder(header);
        for (int i = 0; i < 300; i++) csv.append(row.apply(i));
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        file("cut.csv", bytes, OLD);
        List<Member> ranges = TestSources.plan(source("path: in\nsplit_size: 1KB"), ledger).splits().stream()
                .map(sp -> sp.members().getFirst())
                .sorted(java.util.Comparator.comparingLong(Member::start))
                .toList();
        assertThat(ranges).hasSizeGreaterThan(5);
        assertContiguous(ranges, bytes.length);
        for (Member m : ranges) {
            if (m.start() == 0) continue;
            String rest = new String(bytes, (int) m.start(), bytes.length - (int) m.start(), StandardCharsets.UTF_8);
            assertThat(rest)
                    .as("the range at " + m.start() + " starts at a record")
                    .matches("(?s)" + start);
        }
    }

    @Test
    void aCsvWithAnUnbalancedQuoteStaysWhole() throws IOException {
        StringBuilder csv = new StringBuilder("id,text\n");
        for (int i = 0; i < 100; i++)
            csv.append(i).append(",plain text ").append(i).append('\n');
        csv.append("100,\"an opening quote that never closes\n");
        for (int i = 101; i < 200; i++)
            csv.append(i).append(",plain text ").append(i).append('\n');
        file("broken.csv", csv.toString(), OLD);
        Plan plan = TestSources.plan(source("path: in\nsplit_size: 512"), ledger);
        assertThat(plan.splits())
                .singleElement()
                .satisfies(sp -> assertThat(sp.members())
                        .singleElement()
                        .satisfies(m -> assertThat(m.isWhole()).isTrue()));
    }

    @Test
    void textAndJsonlIgnoreQuotesWhenCutting() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++)
            text.append("line ")
                    .append(i)
                    .append(i == 3 ? " has one \" quote" : "")
                    .append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        file("app.log", bytes, OLD);
        List<Member> ranges = TestSources.plan(source("path: in\nsplit_size: 512"), ledger).splits().stream()
                .map(sp -> sp.members().getFirst())
                .sorted(java.util.Comparator.comparingLong(Member::start))
                .toList();
        assertThat(ranges).hasSizeGreaterThan(2);
        assertContiguous(ranges, bytes.length);
    }

    @Test
    void compressedAndParquetFilesAreNeverCut() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            java.util.Random r = new java.util.Random(1);
            StringBuilder csv = new StringBuilder("id,v\n");
            for (int i = 0; i < 2000; i++)
                csv.append(i).append(',').append(r.nextLong()).append('\n');
            out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        file("big.csv.gz", gz.toByteArray(), OLD);
        assertThat(gz.size()).isGreaterThan(2048);
        Plan plan = TestSources.plan(source("path: in\nsplit_size: 1KB"), ledger);
        assertThat(plan.splits())
                .singleElement()
                .satisfies(sp -> assertThat(sp.members())
                        .singleElement()
                        .satisfies(m -> assertThat(m.isWhole()).isTrue()));
    }

    @Test
    void aFileJustAtTheSplitSizeStaysWhole() throws IOException {
        String row = "a,b,c\n"; // 6 bytes
        file("exact.csv", row.repeat(1024 / 6) + "x".repeat(1024 % 6 - 1) + "\n", OLD);
        assertThat(Files.size(in.resolve("exact.csv"))).isEqualTo(1024);
        Plan plan = TestSources.plan(source("path: in\nsplit_size: 1KB"), ledger);
        assertThat(plan.splits())
                .singleElement()
                .satisfies(sp -> assertThat(sp.members().getFirst().isWhole()).isTrue());
    }

    @Test
    void withEnoughFilesForEveryWorkerOnlyVeryLargeFilesAreCut() throws IOException {
        String row = "a,b,c\n";
        file("three.csv", row.repeat(3 * 1024 / 6), OLD); // 3 split sizes: read whole when there are enough files
        file("five.csv", row.repeat(5 * 1024 / 6), OLD); // 5 split sizes: cut anyway
        Map<String, Long> splitsPerFile =
                TestSources.plan(source("path: in\nsplit_size: 1KB", 1), ledger).splits().stream()
                        .collect(java.util.stream.Collectors.groupingBy(
                                sp -> sp.members().getFirst().key(), java.util.stream.Collectors.counting()));
        assertThat(splitsPerFile).containsEntry("three.csv", 1L);
        assertThat(splitsPerFile.get("five.csv")).isGreaterThanOrEqualTo(5L);
    }

    @Test
    void withFewerFilesThanWorkersLargeFilesAreCutForParallelism() throws IOException {
        file("three.csv", "a,b,c\n".repeat(3 * 1024 / 6), OLD);
        assertThat(TestSources.plan(source("path: in\nsplit_size: 1KB", 1), ledger)
                        .splits())
                .hasSizeGreaterThanOrEqualTo(3);
    }

    private static void assertContiguous(List<Member> ranges, long size) {
        assertThat(ranges).isNotEmpty();
        assertThat(ranges.getFirst().start()).isZero();
        for (int i = 0; i + 1 < ranges.size(); i++) {
            assertThat(ranges.get(i).end())
                    .as("range %d ends where the next starts", i)
                    .isEqualTo(ranges.get(i + 1).start());
            assertThat(ranges.get(i).end()).isGreaterThan(ranges.get(i).start());
        }
        assertThat(ranges.getLast().end()).isEqualTo(size);
    }

    // ---- listing again -----------------------------------------------------------------------------

    /** A clock the test moves, near the real time (files are settled relative to it). */
    private static final class TestClock extends Clock {
        long offset;

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.now().plusMillis(offset);
        }
    }

    @Test
    void listingAgainAsksTheLedgerOnlyAboutNewAndChangedFilesAndAboutAllWhenAPackMustBeReadAgain() throws IOException {
        for (int i = 0; i < 50; i++) file("f" + i + ".csv", "x\n" + i + "\n");
        List<Integer> asked = new ArrayList<>();
        io.sluice.spi.Ledger counting = (io.sluice.spi.Ledger) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.sluice.spi.Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("known")) asked.add(((java.util.Collection<?>) args[0]).size());
                    try {
                        return method.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        TestClock clock = new TestClock();
        Source s = source("path: in", 1, clock);

        assertThat(keys(TestSources.plan(s, counting))).hasSize(50);
        assertThat(asked).containsExactly(50);

        asked.clear();
        Plan again = TestSources.plan(s, counting);
        assertThat(again.splits()).isEmpty();
        assertThat(again.count(Skipped.Why.SEEN)).isEqualTo(50);
        assertThat(asked).as("every file was seen registered in this version").containsExactly(0);

        asked.clear();
        file("new.csv", "x\n50\n");
        assertThat(keys(TestSources.plan(s, counting))).containsExactly("new.csv");
        assertThat(asked).containsExactly(1);

        asked.clear();
        file("f7.csv", "x\n7\n7\n");
        Split repack = TestSources.plan(s, counting).splits().getFirst();
        assertThat(repack.members())
                .as("the changed file's pack is read again with all its files")
                .hasSize(50);
        assertThat(asked).as("the changed file, then every file").containsExactly(1, 51);

        asked.clear();
        ledger.reset();
        assertThat(TestSources.plan(s, counting).splits())
                .as("a reset by another process is not noticed at once")
                .isEmpty();
        clock.offset = SeenVersions.FORGET_AFTER.toMillis();
        assertThat(keys(TestSources.plan(s, counting)))
                .as("but once the memory is dropped")
                .hasSize(51);
        assertThat(asked).containsExactly(0, 51);
    }
}
