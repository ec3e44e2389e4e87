package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sinks.files.Manifest.Input;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.sink.WriteContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lineage in the files sink: after a reset (a new incarnation of the ledger) every input is planned again, packed or
 * cut differently, and each new output replaces the outputs of earlier incarnations that held any of its inputs, so
 * that at the end every input's rows are there once. Splits are written as a worker writes them, through
 * {@link FilesSink#write}, with DuckDB.
 */
class LineageTest {
    @TempDir
    Path dir;

    private Connection c;

    @BeforeEach
    void setUp() throws Exception {
        c = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void tearDown() throws Exception {
        c.close();
    }

    /** A sink as a new process opens it: nothing cached. */
    private FilesSink sink(String extra) throws Exception {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n" + extra), FilesSinkFactory.OPTIONS);
        // the sink needs only the pipeline's folder from its context
        var context = new io.sluice.spi.PipelineContext(
                "lineage", dir.resolve("p.yaml"), 1, io.sluice.spi.BadRecordPolicy.FAIL, java.time.Clock.systemUTC());
        FilesSink sink = (FilesSink) new FilesSinkFactory().create(o, context);
        sink.prepare();
        return sink;
    }

    private Path out() {
        return dir.resolve("out");
    }

    private final Commits commits = new Commits();

    /** Three rows per member, naming the member's key and range: {@code key|start|i}. */
    private static String rows(Split split) {
        return split.members().stream()
                .map(m -> "SELECT '" + m.key() + "' AS input, " + m.start() + " AS pos, i FROM range(3) t(i)")
                .collect(Collectors.joining(" UNION ALL "));
    }

    private static List<String> expected(Split... splits) {
        List<String> rows = new ArrayList<>();
        for (Split s : splits) {
            for (Member m : s.members()) for (int i = 0; i < 3; i++) rows.add(m.key() + "|" + m.start() + "|" + i);
        }
        rows.sort(null);
        return rows;
    }

    private void write(FilesSink sink, Split split, String incarnation) throws Exception {
        commits.write(sink, c, split, rows(split), commits.in(incarnation));
    }

    private static Split whole(String key) {
        return new Split(key, List.of(Member.whole(key, "10:1", null)), 10);
    }

    private static Split pack(String... keys) {
        List<Member> members =
                Arrays.stream(keys).map(k -> Member.whole(k, "10:1", null)).toList();
        String id = "pack:" + keys[0] + "+" + (keys.length - 1) + ":0123abcd";
        return new Split(id, members, 10L * keys.length, null, new OutputKey(id, "", 0, Member.WHOLE));
    }

    /** A range of a tailed log, named as the tail planner names it (no output key: nothing of its own replaces it). */
    private static Split logRange(String log, long start, long end) {
        return new Split(
                "app.log#" + start + "-" + end + "@" + log,
                List.of(new Member("tail:" + log, "g1", start, end, null)),
                end - start);
    }

    private static Split fileRange(String key, long start, long end) {
        return new Split(
                key + "#" + start + "-" + end,
                List.of(new Member(key, "99:1", start, end, null)),
                end - start,
                null,
                new OutputKey(key, "99:1", start, end));
    }

    /** Every output row as a reader that skips {@code _} folders sees it: {@code input|pos|i}, sorted. */
    private List<String> output() throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(out())) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".csv"))
                    .filter(p -> !out().relativize(p).toString().startsWith("_"))
                    .toList();
        }
        List<String> rows = new ArrayList<>();
        if (files.isEmpty()) return rows;
        String list = files.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ", "[", "]"));
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT input, pos, i FROM read_csv(" + list + ", union_by_name = true, "
                        + "hive_partitioning = true)")) {
            while (r.next()) rows.add(r.getString(1) + "|" + r.getLong(2) + "|" + r.getLong(3));
        }
        rows.sort(null);
        return rows;
    }

    private List<String> markers() throws Exception {
        Path markers = out().resolve("_sluice/incarnations");
        if (!Files.exists(markers)) return List.of();
        try (Stream<Path> list = Files.list(markers)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Commits {@code split} in the incarnation i1 as the pipeline 'other' does: its marker names it. */
    private void writeAsOther(Split split) throws Exception {
        write(sink(""), split, "i1");
        Path marker = out().resolve("_sluice/incarnations").resolve(Lineage.marker("i1"));
        Files.writeString(marker, "i1\npipeline: other\n");
    }

    /**
     * A commit of an input that another pipeline's output holds (a renamed copy of it) is refused, not retried, and
     * the other pipeline's output stays, though it holds the same input under the same output name.
     */
    @Test
    void aCommitOfAnInputOfAnotherPipelinesOutputIsRefusedAndRemovesNothing() throws Exception {
        Split a = whole("a.csv");
        write(sink(""), a, "i1");
        Path marker = out().resolve("_sluice/incarnations").resolve(Lineage.marker("i1"));
        assertThat(Files.readString(marker)).isEqualTo("i1\npipeline: lineage\n");
        Files.writeString(marker, "i1\npipeline: other\n"); // as the pipeline other writes it

        FilesSink second = sink("");
        assertThatThrownBy(() -> write(second, a, "i2"))
                .isInstanceOfSatisfying(
                        io.sluice.spi.AttemptFailure.class,
                        f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining(": path: ") // sink.files.path in a pipeline file
                .hasMessageContaining("another pipeline, 'other'")
                .hasMessageContaining("another folder");
        assertThat(output()).as("the other pipeline's output, whole").isEqualTo(expected(a));
        assertThat(markers()).as("the other pipeline's marker stays").contains(Lineage.marker("i1"));
        assertThat(Files.readString(marker)).isEqualTo("i1\npipeline: other\n");
    }

    /** Another pipeline's outputs of other inputs stay, and a commit of this pipeline beside them is not refused. */
    @Test
    void anotherPipelinesOutputsOfOtherInputsStayBesideThisOnes() throws Exception {
        Split a = whole("a.csv");
        writeAsOther(a);

        Split b = whole("b.csv");
        write(sink(""), b, "i2");
        assertThat(output()).as("both pipelines' outputs").isEqualTo(expected(a, b));
        assertThat(markers()).containsExactlyInAnyOrder(Lineage.marker("i1"), Lineage.marker("i2"));
    }

    /**
     * The current incarnation's marker as an earlier Sluice wrote it (no pipeline) is named at the first commit, so that
     * a renamed copy of the pipeline is refused there instead of replacing its outputs.
     */
    @Test
    void anEarlierSluicesMarkerOfTheCurrentIncarnationIsNamedAndThenProtects() throws Exception {
        Split a = whole("a.csv");
        write(sink(""), a, "i1");
        Path marker = out().resolve("_sluice/incarnations").resolve(Lineage.marker("i1"));
        Files.writeString(marker, "i1\n"); // as an earlier Sluice wrote it

        write(sink(""), whole("b.csv"), "i1");
        assertThat(Files.readString(marker)).isEqualTo("i1\npipeline: lineage\n");
        Files.writeString(marker, "i1\npipeline: other\n"); // the renamed copy is this one, the other's the first

        assertThatThrownBy(() -> write(sink(""), a, "i2"))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .hasMessageContaining("another pipeline, 'other'")
                .hasMessageContaining("the input a.csv");
        assertThat(output()).isEqualTo(expected(a, whole("b.csv")));
    }

    @Test
    void packsOfAnEarlierIncarnationAreReplacedByTheNewPacksThatHoldTheirFiles() throws Exception {
        FilesSink first = sink("");
        Split ab = pack("a.csv", "b.csv");
        Split cd = pack("c.csv", "d.csv");
        write(first, ab, "one");
        write(first, cd, "one");
        assertThat(output()).isEqualTo(expected(ab, cd));

        // after a reset, a file added before a.csv changes every pack
        FilesSink second = sink("");
        Split xab = pack("0.csv", "a.csv", "b.csv");
        Split cd2 = whole("c.csv");
        Split d = whole("d.csv");
        write(second, xab, "two");
        assertThat(output())
                .as("a and b once, from the new pack; c and d still from the old one")
                .isEqualTo(expected(xab, cd));
        write(second, cd2, "two");
        assertThat(output())
                .as("the old pack of c and d is gone: d's rows wait for its new split")
                .isEqualTo(expected(xab, cd2));
        write(second, d, "two");
        assertThat(output()).isEqualTo(expected(xab, cd2, d));
        assertThat(markers())
                .as("the earlier incarnation's marker goes with its last output")
                .hasSize(1);
    }

    @Test
    void aFileCutDifferentlyReplacesEveryEarlierRangeItOverlaps() throws Exception {
        FilesSink first = sink("partition_by: [input]\n");
        List<Split> before =
                List.of(fileRange("big.csv", 0, 100), fileRange("big.csv", 100, 200), fileRange("big.csv", 200, 300));
        for (Split s : before) write(first, s, "one");

        FilesSink second = sink("partition_by: [input]\n");
        Split low = fileRange("big.csv", 0, 150);
        write(second, low, "two");
        assertThat(output())
                .as("[0,100) and [100,200) replaced; [200,300) stays")
                .isEqualTo(expected(low, before.get(2)));
        Split high = fileRange("big.csv", 150, 300);
        write(second, high, "two");
        assertThat(output()).isEqualTo(expected(low, high));
    }

    @Test
    void rangesOfOneLogThatDoNotOverlapAreNeverTakenForEachOther() throws Exception {
        FilesSink first = sink("");
        Split r0 = logRange("6d013cdf", 0, 100);
        Split r1 = logRange("6d013cdf", 100, 200);
        Split other = logRange("0badc0de", 0, 200); // another log, same offsets
        for (Split s : List.of(r0, r1, other)) write(first, s, "one");

        FilesSink second = sink("");
        Split next = logRange("6d013cdf", 200, 300);
        write(second, next, "two");
        assertThat(output())
                .as("bytes after the earlier ranges replace none of them")
                .isEqualTo(expected(r0, r1, other, next));
        Split again = logRange("6d013cdf", 0, 100); // the same split id after the reset: the same output
        write(second, again, "two");
        assertThat(output()).isEqualTo(expected(r0, r1, other, next));
        Split rotated = new Split(
                "app.log.1.gz#100-end@6d013cdf",
                List.of(new Member("tail:6d013cdf", "g1", 100, Member.WHOLE, null)),
                1);
        write(second, rotated, "two");
        assertThat(output())
                .as("a compressed rotation read from byte 100 to its end replaces [100,200) only")
                .isEqualTo(expected(r0, other, next, rotated));
    }

    @Test
    void anOutputCommittedAgainUnderItsOwnNameAfterAResetIsNeverRemovedByAnotherSplit() throws Exception {
        FilesSink first = sink("");
        Split x = whole("x.csv");
        Split yz = pack("y.csv", "z.csv");
        Split q = whole("q.csv"); // not read again: the earlier incarnation keeps an output
        for (Split s : List.of(x, yz, q)) write(first, s, "one");

        // two processes of the new incarnation; the first indexes the earlier outputs (x's among them) at its commit
        FilesSink p1 = sink("");
        FilesSink p2 = sink("");
        Split yzw = pack("y.csv", "z.csv", "w.csv");
        write(p1, yzw, "two");
        write(p2, x, "two"); // x's split id recurs: its output name too
        // a later commit of p1 holding x (here: a split of another kind) finds x's output committed in this incarnation
        Split xAgain = logRangeOf("x.csv");
        write(p1, xAgain, "two");
        assertThat(output()).as("x's output stays").isEqualTo(expected(yzw, x, xAgain, q));
    }

    private static Split logRangeOf(String key) {
        return new Split("other:" + key, List.of(new Member(key, "10:1", 0, Member.WHOLE, null)), 10);
    }

    @Test
    void outputsAnOlderSluiceWroteAreLeftAlone() throws Exception {
        FilesSink first = sink("");
        Split ab = pack("a.csv", "b.csv");
        write(first, ab, "one");
        // what an older Sluice's manifest was: a plain list of files
        Path manifest;
        try (Stream<Path> list = Files.list(out().resolve("_sluice/manifests"))) {
            manifest = list.findFirst().orElseThrow();
        }
        Manifest m = Manifest.read(
                        new io.sluice.storage.local.LocalObjectStore(out()),
                        out().relativize(manifest).toString())
                .orElseThrow();
        Files.writeString(manifest, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m.files()));

        Split a = whole("a.csv");
        write(sink(""), a, "two");
        assertThat(output()).as("inputs unknown: not replaced").isEqualTo(expected(ab, a));
    }

    @Test
    void withOneIncarnationCommitsTakeNoLineageLock() throws Exception {
        FilesSink sink = sink("");
        for (String k : List.of("a.csv", "b.csv", "c.csv")) write(sink, whole(k), "one");
        write(sink(""), whole("d.csv"), "one");
        assertThat(out().resolve("_sluice/locks/lineage.lock")).doesNotExist();
        assertThat(markers()).hasSize(1);

        write(sink(""), whole("a.csv"), "two");
        assertThat(commits.locksTaken)
                .as("the lineage lock, held in the ledger")
                .contains(Lineage.LOCK);
    }

    @Test
    void mergedResultsAndSplitsWithoutAnIncarnationAreNeverReplaced() throws Exception {
        FilesSink first = sink("");
        Split a = whole("a.csv");
        Split b = whole("b.csv");
        commits.write(first, c, a, rows(a), commits.in(null)); // from a ledger without incarnations
        write(first, b, "one");
        first.replaceMerged(
                new io.sluice.engine.DuckRows(c, "SELECT 'totals' AS input, 0 AS pos, 0 AS i"),
                java.util.Optional.empty(),
                commits.mergeLock(),
                first.mergeBegins());
        Split ab = pack("a.csv", "b.csv");
        write(sink(""), ab, "two");
        List<String> expected = new ArrayList<>(expected(a, ab));
        expected.add("totals|0|0");
        expected.sort(null);
        assertThat(output())
                .as("b's earlier output replaced; a's and the totals stay")
                .isEqualTo(expected);
    }

    @Test
    void deleteOutputRemovesWhatSluiceWroteAndNothingElse() throws Exception {
        FilesSink sink = sink("partition_by: [input]\n");
        Split ab = pack("a.csv", "b.csv");
        try (var w = sink.open(ab, new WriteContext(Files.createDirectories(dir.resolve("scratch"))))) {
            w.stage(
                    new io.sluice.engine.DuckRows(c, rows(ab)),
                    () -> java.util.Optional.of(new io.sluice.engine.DuckRows(c, "SELECT 'bad' AS reason")));
            w.commit(commits.in("one"));
        }
        Files.writeString(out().resolve("README.txt"), "the user's own file");
        Files.createDirectories(out().resolve("input=a.csv/keep"));

        List<String> listed = sink.listOutput();
        assertThat(listed)
                .hasSize(4)
                .anySatisfy(p -> assertThat(p).endsWith("_dead_letter/" + FilesSink.name(ab.id()) + ".jsonl"))
                .anySatisfy(p -> assertThat(p).endsWith("_sluice/"));
        assertThat(output()).isNotEmpty();

        assertThat(sink.deleteOutput()).isEqualTo(listed);
        try (Stream<Path> walk = Files.walk(out())) {
            assertThat(walk.map(p -> out().relativize(p).toString())
                            .filter(p -> !p.isEmpty())
                            .sorted())
                    .as("the user's file and folder stay; emptied folders go")
                    .containsExactly("README.txt", "input=a.csv", "input=a.csv/keep");
        }
        assertThat(sink.listOutput()).isEmpty();
        write(sink("partition_by: [input]\n"), ab, "two");
        assertThat(output()).isEqualTo(expected(ab));
    }

    /**
     * Beside another pipeline's output, deleteOutput removes this pipeline's outputs and markers only, and leaves (and
     * says so) the outputs of no incarnation, which may be either pipeline's.
     */
    @Test
    void deleteOutputBesideAnotherPipelinesRemovesOnlyThisPipelinesOutputs() throws Exception {
        Split theirs = whole("a.csv");
        writeAsOther(theirs);
        FilesSink sink = sink("");
        Split old = whole("b.csv");
        commits.write(sink, c, old, rows(old), commits.in(null)); // from a ledger without incarnations
        write(sink, whole("c.csv"), "i2");

        assertThat(sink.outputLeft())
                .singleElement()
                .satisfies(p -> assertThat(p).contains(FilesSink.name("b.csv")).contains("another pipeline"));
        sink.deleteOutput();
        assertThat(output())
                .as("the other pipeline's output and the one of no incarnation")
                .isEqualTo(expected(theirs, old));
        assertThat(markers()).containsExactly(Lineage.marker("i1"));
    }

    @Test
    void inputsOverlapByKeyAndBytesWhateverTheirVersions() {
        Input whole = new Input("a", "1:1", 0, Member.WHOLE);
        assertThat(whole.overlaps(new Input("a", "2:2", 500, 600))).isTrue();
        assertThat(whole.overlaps(new Input("b", "1:1", 0, Member.WHOLE))).isFalse();
        Input low = new Input("a", "1:1", 0, 100);
        assertThat(low.overlaps(new Input("a", "1:1", 100, 200)))
                .as("adjacent ranges")
                .isFalse();
        assertThat(low.overlaps(new Input("a", "1:1", 99, 200))).isTrue();
        assertThat(low.overlaps(new Input("a", "1:1", 100, Member.WHOLE))).isFalse();
        assertThat(new Input("a", "1:1", 150, Member.WHOLE).overlaps(new Input("a", "1:1", 100, 200)))
                .isTrue();
        assertThat(Input.of(new Member("a", OutputKey.carried("1:1", "abcd"), 0, Member.WHOLE, null))
                        .version())
                .as("a carried file is recorded in its own version")
                .isEqualTo("1:1");
    }
}
