package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new version of an input writes the keys its earlier version wrote, so that a reader listing the folder sees one
 * version or the other. A reader lists and reads the folder after every write and delete of a commit, as a query
 * could between any two requests; what it saw is checked after.
 */
class ReplaceInPlaceTest {
    @TempDir
    Path dir;

    private Connection c;
    private Connection reader;
    private final Commits commits = new Commits();
    /** What the reader saw after each step of the commits: one row per {@code input|version|id}. */
    private final List<List<String>> seen = new ArrayList<>();
    /** The data files the reader listed after each step. */
    private final List<Set<String>> listed = new ArrayList<>();
    /** Runs once a key is written: what another worker does meanwhile. */
    private Hook afterWrite = key -> {};

    @BeforeEach
    void setUp() throws Exception {
        c = DriverManager.getConnection("jdbc:duckdb:");
        reader = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void tearDown() throws Exception {
        c.close();
        reader.close();
    }

    private Path out() {
        return dir.resolve("out");
    }

    /** The sink over a store that lets the reader look after each write and delete. */
    private FilesSink sink(List<String> partitionBy) throws Exception {
        String yaml = "path: out\nformat: csv\n" + (partitionBy.isEmpty() ? "" : "partition_by: " + partitionBy + "\n");
        Options o =
                new Validator(dir, k -> null).validate(YamlReader.parse("sink.yaml", yaml), FilesSinkFactory.OPTIONS);
        FilesSink sink = new FilesSink(
                new Watched(new LocalObjectStore(out())), out(), "csv", "none", partitionBy, o, dir, null);
        sink.prepare();
        return sink;
    }

    /** Version {@code version} of the whole file {@code key}, as the files source proposes it. */
    static Split version(String key, String version) {
        return new Split(
                version.equals("v1") ? key : key + "@" + version,
                List.of(Member.whole(key, version, null)),
                10,
                null,
                new OutputKey(key, version, 0, Member.WHOLE));
    }

    private static Split range(String key, String version, long start, long end) {
        String id = key + "#" + start + "-" + end + (version.equals("v1") ? "" : "@" + version);
        return new Split(
                id,
                List.of(new Member(key, version, start, end, null)),
                end - start,
                null,
                new OutputKey(key, version, start, end));
    }

    /** {@code n} rows of the split's first input in this version, ids {@code from..}, partition {@code p = id % 3}. */
    private void write(FilesSink sink, Split split, int from, int n, String where) throws Exception {
        commits.write(sink, c, split, query(split, from, n, where), commits.in("incarnation-1"));
    }

    private static String query(Split split, int from, int n, String where) {
        Member m = split.members().getFirst();
        String v = split.outputKey().version();
        return "SELECT '" + m.key() + "#" + m.start() + "' AS input, '" + v + "' AS version, i AS id, "
                + "i % 3 AS p FROM range(" + from + ", " + (from + n) + ") t(i)" + where;
    }

    /** Data files a reader lists: not under a folder or name starting with {@code _} or {@code .}. */
    private Set<String> dataFiles() throws IOException {
        if (!Files.isDirectory(out())) return Set.of();
        try (Stream<Path> walk = Files.walk(out())) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> out().relativize(p).toString())
                    .filter(r -> Stream.of(r.split("/")).noneMatch(s -> s.startsWith("_") || s.startsWith(".")))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Every row a reader listing the folder now sees, as {@code input|version|id}, sorted. */
    private List<String> rows() throws Exception {
        Set<String> files = dataFiles();
        List<String> rows = new ArrayList<>();
        if (files.isEmpty()) return rows;
        String list = files.stream().map(f -> "'" + out().resolve(f) + "'").collect(Collectors.joining(", ", "[", "]"));
        try (Statement s = reader.createStatement();
                ResultSet r = s.executeQuery("SELECT input, version, id FROM read_csv(" + list
                        + ", union_by_name = true, hive_partitioning = false)")) {
            while (r.next()) rows.add(r.getString(1) + "|" + r.getString(2) + "|" + r.getLong(3));
        }
        rows.sort(null);
        return rows;
    }

    private void look() {
        try {
            listed.add(dataFiles());
            seen.add(rows());
        } catch (Exception e) {
            throw new AssertionError("the reader failed", e);
        }
    }

    /** Per input, the versions a reader saw at once, at each step where it saw more than one. */
    private List<Map<String, Set<String>>> mixedVersions() {
        List<Map<String, Set<String>>> mixed = new ArrayList<>();
        for (List<String> rows : seen) {
            Map<String, Set<String>> versions = new TreeMap<>();
            for (String r : rows) {
                String[] f = r.split("\\|");
                versions.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[1]);
            }
            versions.values().removeIf(v -> v.size() < 2);
            if (!versions.isEmpty()) mixed.add(versions);
        }
        return mixed;
    }

    /** Ids a reader saw twice at one step. */
    private List<String> doubled() {
        List<String> doubled = new ArrayList<>();
        for (List<String> rows : seen) {
            Set<String> ids = new TreeSet<>();
            for (String r : rows) {
                String id = r.substring(0, r.indexOf('|')) + r.substring(r.lastIndexOf('|'));
                if (!ids.add(id)) doubled.add(id + " in " + rows);
            }
        }
        return doubled;
    }

    @Test
    void everyVersionOfAnInputWritesTheSameKeyAndAReaderSeesOneVersionAtEveryStep() throws Exception {
        FilesSink sink = sink(List.of());
        write(sink, version("a.csv", "v1"), 0, 4, "");
        Set<String> first = dataFiles();
        assertThat(first)
                .as("the name an earlier Sluice gave the first version: the hash of its split id, the key")
                .containsExactly(FilesSink.name("a.csv") + ".csv");
        seen.clear();
        listed.clear();
        write(sink, version("a.csv", "v2"), 0, 3, "");
        write(sink, version("a.csv", "v3"), 0, 5, "");
        assertThat(seen).as("the reader looked after each step").hasSizeGreaterThan(4);
        assertThat(mixedVersions())
                .as("steps at which a reader saw two versions of a.csv")
                .isEmpty();
        assertThat(listed).as("the keys a reader listed at each step").allMatch(first::equals);
        assertThat(rows()).hasSize(5).allMatch(r -> r.startsWith("a.csv#0|v3|"));
        assertThat(versionRecords("a.csv"))
                .as("one record: the earlier versions' went with their outputs")
                .hasSize(1);
    }

    /**
     * A split of several files (partition_by): each file is replaced whole, and the files of the old version that the
     * new one no longer writes are removed only once every new file is in place. A reader sees, at any step, each
     * partition in one version (the old or the new), every id at most once (an id stays in its partition), and no
     * partition missing that both versions hold.
     */
    @Test
    void aPartitionedOutputIsReplacedFileByFileAndItsDroppedPartitionsLast() throws Exception {
        FilesSink sink = sink(List.of("p"));
        write(sink, version("a.csv", "v1"), 0, 9, "");
        assertThat(dataFiles()).hasSize(3);
        seen.clear();
        listed.clear();
        write(sink, version("a.csv", "v2"), 0, 9, " WHERE i % 3 < 2"); // partition p=2 no longer written
        assertThat(doubled()).as("ids a reader saw twice").isEmpty();
        for (int step = 0; step < seen.size(); step++) {
            Map<String, Set<String>> versionsByPartition = new TreeMap<>();
            for (String r : seen.get(step)) {
                long id = Long.parseLong(r.substring(r.lastIndexOf('|') + 1));
                versionsByPartition
                        .computeIfAbsent("p=" + id % 3, k -> new TreeSet<>())
                        .add(r.split("\\|")[1]);
            }
            assertThat(versionsByPartition.values())
                    .as("each partition in one version at step %d: %s", step, seen.get(step))
                    .allMatch(v -> v.size() == 1);
            assertThat(versionsByPartition.keySet())
                    .as("partitions both versions hold, at step %d", step)
                    .contains("p=0", "p=1");
            if (!versionsByPartition.containsKey("p=2")) {
                assertThat(versionsByPartition.get("p=0"))
                        .as("p=2 gone only after the new files are in place")
                        .containsExactly("v2");
                assertThat(versionsByPartition.get("p=1")).containsExactly("v2");
            }
        }
        assertThat(rows()).hasSize(6).allMatch(r -> r.contains("|v2|"));
        assertThat(dataFiles()).hasSize(2);
    }

    /**
     * An older Sluice named a later version's output by its split id, and recorded it under the key's versions: the
     * next version, written under the key's name, removes it (files, manifest, record).
     */
    @Test
    void theOutputOfALaterVersionThatAnOlderSluiceNamedBySplitIdIsReplaced() throws Exception {
        FilesSink sink = sink(List.of());
        String legacy = FilesSink.name("a.csv@v2");
        Path data = out().resolve(legacy + ".csv");
        Files.createDirectories(out());
        Files.writeString(data, "input,version,id\na.csv#0,v2,0\na.csv#0,v2,1\n");
        Path manifest = out().resolve(FilesSink.MANIFESTS + legacy + ".json");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, "{\"split\":\"a.csv@v2\",\"files\":[\"" + legacy + ".csv\"]}");
        Path record = out().resolve("_sluice/versions/" + FilesSink.hash("a.csv") + "/" + legacy + "~"
                + FilesSink.hash("v2") + "~0~-1.json");
        Files.createDirectories(record.getParent());
        Files.writeString(record, "{\"split\":\"a.csv@v2\",\"version\":\"v2\"}");

        write(sink, version("a.csv", "v3"), 0, 3, "");

        assertThat(rows()).containsExactly("a.csv#0|v3|0", "a.csv#0|v3|1", "a.csv#0|v3|2");
        assertThat(data).doesNotExist();
        assertThat(manifest).doesNotExist();
        assertThat(record).doesNotExist();
        assertThat(dataFiles()).containsExactly(FilesSink.name("a.csv") + ".csv");
    }

    /**
     * Ranges of a new version write the keys of the same ranges of the old one; committed in any order, each keeps the
     * others of its version and removes only the old version's ranges it does not overwrite.
     */
    @Test
    void rangesOfANewVersionCommittedInAnyOrderKeepEachOther() throws Exception {
        FilesSink sink = sink(List.of());
        write(sink, range("big.csv", "v1", 0, 100), 0, 2, "");
        write(sink, range("big.csv", "v1", 100, 200), 10, 2, "");
        write(sink, range("big.csv", "v1", 200, 300), 20, 2, "");
        Set<String> v1Files = dataFiles();
        // the new version is shorter: two ranges, the second committed first
        write(sink, range("big.csv", "v2", 100, 200), 10, 3, "");
        assertThat(rows())
                .as("[100,200) overwritten; the rest of v1 removed")
                .containsExactly("big.csv#100|v2|10", "big.csv#100|v2|11", "big.csv#100|v2|12");
        write(sink, range("big.csv", "v2", 0, 100), 0, 3, "");
        assertThat(rows())
                .as("both ranges of v2")
                .containsExactly(
                        "big.csv#0|v2|0",
                        "big.csv#0|v2|1",
                        "big.csv#0|v2|2",
                        "big.csv#100|v2|10",
                        "big.csv#100|v2|11",
                        "big.csv#100|v2|12");
        assertThat(v1Files).containsAll(dataFiles());
        assertThat(versionRecords("big.csv")).as("v2's two records only").hasSize(2);
        assertThat(mixedVersions())
                .as("one version of each range at every step")
                .isEmpty();
    }

    /**
     * A worker paused past its lock (a GC pause, a frozen VM) after its commit of one version of a log, before it
     * removes the key's other versions; the lock's next holder commits a newer version meanwhile, whose ranges are cut
     * otherwise. Waking, the paused worker must remove nothing the next holder committed: it listed the versions after
     * its pause, and removed the newer version's output with its record (its rows gone, the ledger holding it done).
     */
    @Test
    void aWorkerPausedPastItsLockRemovesNoOutputTheLocksNextHolderCommitted() throws Exception {
        FilesSink sink = sink(List.of());
        write(sink, range("big.csv", "v1", 0, 100), 0, 2, "");

        pausedAfterItsCommit(sink, range("big.csv", "v1", 100, 200), 10, range("big.csv", "v2", 0, 150), 0);

        assertThat(rows())
                .as("the next holder's version, whole")
                .containsExactly("big.csv#0|v2|0", "big.csv#0|v2|1", "big.csv#0|v2|2");
        assertThat(versionRecords("big.csv")).as("and its record").hasSize(1);
    }

    /**
     * The same pause, the next holder committing the same range of a newer version: it writes over the paused worker's
     * output, under the same name. Waking, the paused worker removed the newer version's record (it is not its own
     * version), so the version after, cut otherwise, no longer found that output: its rows stayed beside the new ones.
     */
    @Test
    void aRecordTheLocksNextHolderWroteIsNotRemovedByAWorkerPausedPastItsLock() throws Exception {
        FilesSink sink = sink(List.of());

        pausedAfterItsCommit(sink, range("big.csv", "v1", 0, 100), 0, range("big.csv", "v2", 0, 100), 0);
        assertThat(versionRecords("big.csv"))
                .as("the next holder's record")
                .containsExactly(FilesSink.outputName(range("big.csv", "v2", 0, 100)) + "~" + FilesSink.hash("v2")
                        + "~0~100.json");
        write(sink, range("big.csv", "v3", 0, 200), 20, 2, "");

        assertThat(rows()).as("v3 alone: v2's output went").containsExactly("big.csv#0|v3|20", "big.csv#0|v3|21");
    }

    /**
     * The pause falls after the paused worker's first write of its manifest (old and new files listed, the commit
     * under way), before its data files: the next holder, cutting a newer version otherwise, removes that manifest and
     * the paused worker's record. Waking, the paused worker wrote its data files, which no manifest or record then
     * named: the older version's rows stayed beside the newer one's, and no later version found them. Its last write of
     * the manifest now fails (checked on a local folder, conditional on S3), and it removes the files it wrote.
     */
    @Test
    void aWorkerPausedPastItsLockInTheMiddleOfItsCommitLeavesNoFileBesideTheNextHoldersOutput() throws Exception {
        FilesSink sink = sink(List.of());
        write(sink, range("big.csv", "v1", 0, 100), 0, 2, "");
        Split paused = range("big.csv", "v1", 100, 200);

        assertThatThrownBy(() -> pausedAfterItsCommit(sink, paused, 10, range("big.csv", "v2", 0, 150), 0, 1))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("lost its lock")
                .hasMessageContaining("1 of the 1 files");

        assertThat(rows())
                .as("the next holder's version alone")
                .containsExactly("big.csv#0|v2|0", "big.csv#0|v2|1", "big.csv#0|v2|2");
        assertThat(out().resolve(FilesSink.manifest(FilesSink.outputName(paused))))
                .as("and no manifest of the paused worker's")
                .doesNotExist();
    }

    /**
     * Commits {@code paused}'s 2 rows from {@code from}; right after its commit writes its manifest, the lock's next
     * holder (another worker, with a ledger of its own: the paused one's lease ran out) commits {@code next}'s 3 rows
     * from {@code nextFrom}.
     */
    private void pausedAfterItsCommit(FilesSink sink, Split paused, int from, Split next, int nextFrom)
            throws Exception {
        pausedAfterItsCommit(sink, paused, from, next, nextFrom, 2);
    }

    /** As above, the pause after the {@code write}th write of the paused worker's manifest. */
    private void pausedAfterItsCommit(FilesSink sink, Split paused, int from, Split next, int nextFrom, int write)
            throws Exception {
        String manifest = FilesSink.manifest(FilesSink.outputName(paused));
        FilesSink other = sink(List.of());
        Commits nextHolder = new Commits();
        int[] writes = {0};
        afterWrite = key -> {
            // its second write of the manifest: the commit's last (the first lists old and new files while it runs)
            if (!key.equals(manifest) || ++writes[0] != write) return;
            afterWrite = k -> {}; // once: the next holder writes the same keys
            try {
                nextHolder.write(other, c, next, query(next, nextFrom, 3, ""), nextHolder.in("incarnation-1"));
            } catch (Exception e) {
                throw new AssertionError("the next holder's commit failed", e);
            }
        };
        try {
            write(sink, paused, from, 2, "");
        } finally {
            assertThat(writes[0])
                    .as("the next holder committed during the pause")
                    .isEqualTo(write);
        }
    }

    private List<String> versionRecords(String key) throws IOException {
        Path folder = out().resolve("_sluice/versions/" + FilesSink.hash(key));
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    interface Hook {
        void run(String key) throws IOException;
    }

    /** A local store whose every write and delete lets the reader look once it is done. */
    private final class Watched extends ForwardingObjectStore {
        Watched(ObjectStore store) {
            super(store);
        }

        @Override
        public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
            StoredObject o = store.write(key, file, condition);
            look();
            afterWrite.run(key);
            return o;
        }

        @Override
        public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
            StoredObject o = store.write(key, content, condition);
            look();
            afterWrite.run(key);
            return o;
        }

        @Override
        public void delete(String key) throws IOException {
            store.delete(key);
            look();
        }
    }
}
