package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.DuckEngine;
import io.sluice.engine.SplitProcessor;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.EngineOptions;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Plan;
import io.sluice.planning.TestSources;
import io.sluice.spi.Claim;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.WriteContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which members of a failed split fail on their own, and how the split is planned again without them: the readable
 * members in one split named by the output-key rules, each unreadable one alone, every member in exactly one split.
 */
class DividerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(1).toMillis();

    @TempDir
    Path dir;

    private Assembly a;
    private DuckEngine engine;
    private Connection c;
    private int scratch;

    @AfterEach
    void close() throws Exception {
        if (c != null) c.close();
        if (engine != null) engine.close();
        if (a != null) a.close();
    }

    /** A pipeline over {@code in/} with a memory ledger, one worker (so small files make one pack). */
    private void pipeline(String sourceExtra) throws Exception {
        pipeline(sourceExtra, "");
    }

    /** The same, with {@code steps}, a {@code steps:} line (or none). */
    private void pipeline(String sourceExtra, String steps) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: divide
                source: { files: { path: in, pack: { max_files: 100 }%s } }
                %s
                sink: { files: { path: out, format: parquet } }
                state: { memory: {} }
                run: { parallelism: 1 }
                """.formatted(sourceExtra, steps));
        a = Assembly.of(PipelineLoader.withSystemEnv().load(file), Components.discover(), Clock.systemUTC());
        engine = new DuckEngine(new EngineOptions(null, 1, null, null), 1);
        c = engine.connect();
    }

    private Path input(String name, byte[] content) throws IOException {
        Path p = dir.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(OLD));
        return p;
    }

    private static byte[] csv(String prefix, int rows) {
        StringBuilder b = new StringBuilder("id,name\n");
        for (int i = 0; i < rows; i++)
            b.append(i).append(',').append(prefix).append(i).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /** A gzip stream cut off in the middle: DuckDB fails on it when it reads that far. */
    private static byte[] truncatedGzip() throws IOException {
        byte[] whole = gzip(csv("t", 5000));
        return Arrays.copyOf(whole, whole.length / 2);
    }

    /** Locks in the pipeline's ledger, as a run takes them. */
    private LedgerLocks locks() {
        return new LedgerLocks(ledger(), "worker", LEASE);
    }

    private Ledger ledger() {
        return a.ledger();
    }

    private Claim planAndClaim() throws IOException {
        assertThat(TestSources.plan(a.source(), ledger()).splits()).hasSize(1);
        return ledger().claim("worker", LEASE).orElseThrow();
    }

    private Optional<Divider.Division> divide(Claim claim) throws IOException {
        return divide(claim, Divider.Check.READ);
    }

    private Optional<Divider.Division> divide(Claim claim, Divider.Check check) throws IOException {
        SplitProcessor processor = LocalRunner.processor(a);
        Divider.Outcome outcome = new Divider(a.source(), ledger(), processor)
                .divide(c, claim.split(), Files.createDirectories(dir.resolve("scratch-" + scratch++)), check);
        return outcome instanceof Divider.Division division ? Optional.of(division) : Optional.empty();
    }

    private static Member member(Split split, String key) {
        return split.members().stream()
                .filter(m -> m.key().equals(key))
                .findFirst()
                .orElseThrow();
    }

    private List<String> splitIds() {
        return ledger().splits(EnumSet.allOf(SplitState.class), 100).stream()
                .map(SplitInfo::id)
                .toList();
    }

    @Test
    void aPackWithATruncatedGzipBecomesAPackOfTheOtherFilesAndTheBadFileAlone() throws Exception {
        pipeline("");
        input("a.csv", csv("a", 10));
        input("b.csv.gz", truncatedGzip());
        input("c.csv.gz", gzip(csv("c", 10)));
        input("d.jsonl", "{\"id\": 1}\n".getBytes(StandardCharsets.UTF_8)); // another format: a pack of its own
        input("e.csv", csv("e", 10));
        Plan plan = TestSources.plan(a.source(), ledger());
        assertThat(plan.splits()).hasSize(2);
        Claim claim = ledger().claim("worker", LEASE).orElseThrow();
        Split pack = claim.split();
        assertThat(pack.id()).startsWith("pack:a.csv+3:");

        Divider.Division division = divide(claim).orElseThrow();

        Split readable = division.splits().get(0);
        Split bad = division.splits().get(1);
        assertThat(division.splits()).hasSize(2);
        List<Member> good = List.of(member(pack, "a.csv"), member(pack, "c.csv.gz"), member(pack, "e.csv"));
        assertThat(readable.members()).isEqualTo(good);
        assertThat(readable.id()).startsWith("pack:a.csv+2:");
        assertThat(readable.outputKey())
                .as("a first pack: a changed file of it is read again with these 3")
                .isEqualTo(new OutputKey(readable.id(), "", 0, Member.WHOLE));
        assertThat(readable.bytes()).isEqualTo(size("a.csv") + size("c.csv.gz") + size("e.csv"));
        assertThat(bad.id()).as("a pack of one file is named like the file").isEqualTo("b.csv.gz");
        assertThat(bad.members()).containsExactly(member(pack, "b.csv.gz"));
        assertThat(bad.bytes()).isEqualTo(size("b.csv.gz"));
        assertThat(division.message())
                .startsWith("split " + pack.id() + ": 1 of 4 files unreadable (b.csv.gz: ")
                .containsIgnoringCase("gzip")
                .endsWith("); planned again as " + readable.id() + " (3 files) and b.csv.gz alone");

        // replacing: the pack is forgotten, every member is in exactly one live split
        assertThat(ledger().replace(claim, division.splits())).containsExactly(readable.id(), bad.id());
        assertThat(splitIds()).doesNotContain(pack.id()).contains(readable.id(), bad.id());
        Map<String, KnownMember> known = ledger().known(List.of("a.csv", "b.csv.gz", "c.csv.gz", "e.csv"));
        assertThat(known.values())
                .extracting(KnownMember::splitId)
                .containsExactlyInAnyOrder(readable.id(), bad.id(), readable.id(), readable.id());
        assertThat(ledger().counts().get(SplitState.PENDING))
                .as("the readable pack, the bad file, the jsonl file")
                .isEqualTo(3);
        assertThat(TestSources.plan(a.source(), ledger()).splits())
                .as("nothing is planned twice")
                .isEmpty();
        assertThatThrownBy(() -> ledger().replace(claim, division.splits())).isInstanceOf(StaleClaimException.class);
    }

    private long size(String name) throws IOException {
        return Files.size(dir.resolve("in").resolve(name));
    }

    @Test
    void twoBadFilesEachGetASplitOfTheirOwn() throws Exception {
        pipeline("");
        input("a.csv.gz", truncatedGzip());
        input("b.csv", csv("b", 3));
        input("c.csv", csv("c", 3));
        input("d.csv.gz", truncatedGzip());
        Divider.Division division = divide(planAndClaim()).orElseThrow();
        assertThat(division.splits())
                .extracting(Split::id)
                .containsExactly(division.splits().getFirst().id(), "a.csv.gz", "d.csv.gz");
        assertThat(division.splits().getFirst().id()).startsWith("pack:b.csv+1:");
        assertThat(division.splits().get(1).outputKey())
                .as("a file alone is keyed by itself")
                .isEqualTo(new OutputKey(
                        "a.csv.gz",
                        division.splits().get(1).members().getFirst().fingerprint(),
                        0,
                        Member.WHOLE));
        assertThat(division.splits().getFirst().members())
                .extracting(Member::key)
                .containsExactly("b.csv", "c.csv");
        assertThat(division.message())
                .contains("2 of 4 files unreadable (a.csv.gz: ")
                .contains("; d.csv.gz: ")
                .endsWith(" (2 files), a.csv.gz alone and d.csv.gz alone");
    }

    @Test
    void aPackWhoseFirstTwoFilesAreBadIsStillDivided() throws Exception {
        pipeline("");
        input("a.csv.gz", truncatedGzip());
        input("b.csv.gz", truncatedGzip());
        input("c.csv", csv("c", 3));
        input("d.csv", csv("d", 3));
        assertThat(divide(planAndClaim()).orElseThrow().splits())
                .extracting(Split::id)
                .endsWith("a.csv.gz", "b.csv.gz");
    }

    /**
     * Once the first files tried all fail alone, the others are not tried ({@link Divider#FIRST_FAILURES}): the pack
     * stays whole, even when a later file would have read, and its error names the files that failed.
     */
    @Test
    void aPackWhoseFirstThreeFilesAreBadStaysWholeWithoutTryingTheRest() throws Exception {
        pipeline("");
        input("a.csv.gz", truncatedGzip());
        input("b.csv.gz", truncatedGzip());
        input("c.csv.gz", truncatedGzip());
        input("d.csv", csv("d", 3));
        input("e.csv", csv("e", 3));
        Divider.Outcome outcome = new Divider(a.source(), ledger(), LocalRunner.processor(a))
                .divide(c, planAndClaim().split(), Files.createDirectories(dir.resolve("scratch")), Divider.Check.READ);
        assertThat(outcome)
                .isInstanceOfSatisfying(
                        Divider.Whole.class,
                        whole -> assertThat(whole.found())
                                .hasValueSatisfying(
                                        found -> assertThat(found)
                                                .startsWith("the first 3 of its 5 files unreadable (a.csv.gz: ")
                                                .contains("; c.csv.gz: ")
                                                .endsWith(
                                                        "; the other 2 were not tried: the cause is most likely in every file")));
    }

    @Test
    void aPackLeftWithOneReadableFileNamesItLikeTheFile() throws Exception {
        pipeline("");
        input("a.csv", csv("a", 3));
        input("b.csv.gz", truncatedGzip());
        Divider.Division division = divide(planAndClaim()).orElseThrow();
        assertThat(division.splits()).extracting(Split::id).containsExactly("a.csv", "b.csv.gz");
        assertThat(division.message()).endsWith("planned again as a.csv (1 file) and b.csv.gz alone");
    }

    @Test
    void aFileRemovedAfterPlanningIsLeftOutWhenRead() throws Exception {
        // not unreadable: its split reads the others and names it left out, so nothing is divided
        pipeline("");
        input("a.csv", csv("a", 3));
        Path b = input("b.csv", csv("b", 3));
        input("c.csv", csv("c", 3));
        Claim claim = planAndClaim();
        Files.delete(b);
        assertThat(divide(claim)).isEmpty();
    }

    @Test
    void aPackWhoseFilesAllReadStaysWhole() throws Exception {
        // the split failed for another reason (a step, the sink): dividing it would change nothing
        pipeline("");
        input("a.csv", csv("a", 3));
        input("b.csv.gz", gzip(csv("b", 3)));
        assertThat(divide(planAndClaim())).isEmpty();
    }

    @Test
    void aPackOfUnreadableFilesOnlyStaysWhole() throws Exception {
        pipeline("");
        input("a.csv.gz", truncatedGzip());
        input("b.csv.gz", truncatedGzip());
        assertThat(divide(planAndClaim())).isEmpty();
    }

    @Test
    void aPackWithAFileRegisteredAgainLaterStaysWhole() throws Exception {
        // c.csv changed after the pack was planned: the pack is planned again with all its files (pack:...@HASH); a
        // replacement registered now would pass for the files' latest registration, and neither pack is divided
        pipeline("");
        input("a.csv", csv("a", 3));
        input("b.csv.gz", truncatedGzip());
        Path c = input("c.csv", csv("c", 3));
        assertThat(TestSources.plan(a.source(), ledger()).splits()).hasSize(1);
        Files.setLastModifiedTime(c, FileTime.fromMillis(OLD + 1000));
        Split repack = TestSources.plan(a.source(), ledger()).splits().getFirst();
        assertThat(repack.id()).contains("@");

        Claim first = ledger().claim("worker", LEASE).orElseThrow();
        assertThat(divide(first)).isEmpty();
        assertThat(a.source().divide(repack, Set.of(member(repack, "b.csv.gz"))))
                .as("its output replaces the pack's earlier output, which must hold every file")
                .isEmpty();
    }

    @Test
    void aPackTakenOverByAnotherWorkerIsNeitherClearedNorReplaced() throws Exception {
        pipeline("");
        input("a.csv", csv("a", 3));
        input("b.csv.gz", truncatedGzip());
        a.sink().check();
        Claim mine = planAndClaim();
        Divider.Division division = divide(mine).orElseThrow();
        // this worker's lease ran out meanwhile and another worker took the pack over
        assertThat(ledger().expire(mine.splitId(), mine.token())).isTrue();
        Claim theirs = ledger().claim("other", LEASE).orElseThrow();
        assertThat(theirs.splitId()).isEqualTo(mine.splitId());

        SplitCommit myFence = new SplitCommit(
                () -> {
                    if (!ledger().isCurrent(mine)) throw new StaleClaimException(mine.splitId(), mine.token());
                },
                () -> true,
                null,
                locks());
        assertThatThrownBy(() -> a.sink().discard(mine.split(), myFence)).isInstanceOf(StaleClaimException.class);
        assertThatThrownBy(() -> ledger().replace(mine, division.splits())).isInstanceOf(StaleClaimException.class);
        assertThat(splitIds()).containsExactly(mine.splitId());
        assertThat(ledger().isCurrent(theirs)).isTrue();
    }

    @Test
    void contentDigestsStayWithTheirFiles() throws Exception {
        pipeline(", dedupe: content");
        input("a.csv", csv("a", 3));
        input("b.csv.gz", truncatedGzip());
        input("c.csv", csv("c", 3));
        Claim claim = planAndClaim();
        Divider.Division division = divide(claim).orElseThrow();
        assertThat(division.splits().stream().flatMap(s -> s.members().stream()))
                .containsExactlyInAnyOrderElementsOf(claim.split().members())
                .allSatisfy(m -> assertThat(m.digest()).isNotNull());
        assertThat(ledger().replace(claim, division.splits())).hasSize(2);

        // the same bytes under another name are still known
        Files.copy(dir.resolve("in/c.csv"), dir.resolve("in/c-copy.csv"));
        Files.setLastModifiedTime(dir.resolve("in/c-copy.csv"), FileTime.fromMillis(OLD));
        Plan again = TestSources.plan(a.source(), ledger());
        assertThat(again.splits()).isEmpty();
        assertThat(again.skipped()).anySatisfy(s -> assertThat(s.reason()).contains("same content as c.csv"));
    }

    @Test
    void theSinkRemovesWhatAnAttemptOfTheSplitCommitted() throws Exception {
        pipeline("");
        input("a.csv", csv("a", 3));
        input("b.csv", csv("b", 3));
        a.sink().prepare(); // as a run does first: creates the sink's folders
        Claim claim = planAndClaim();
        Split split = claim.split();
        SplitProcessor processor = LocalRunner.processor(a);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        processor.process(
                c,
                split,
                TestSources.open(a.source(), split, scratch),
                SplitCommit.unfenced(locks()),
                new WriteContext(Files.createDirectories(dir.resolve("sink-scratch"))));
        assertThat(outputs()).isNotEmpty();

        a.sink().discard(split, SplitCommit.unfenced(locks()));
        assertThat(outputs()).isEmpty();
        assertThatThrownBy(() -> a.sink()
                        .discard(
                                split,
                                new SplitCommit(
                                        () -> {
                                            throw new StaleClaimException(split.id(), 1);
                                        },
                                        () -> true,
                                        null,
                                        locks())))
                .as("a split taken over is left alone")
                .isInstanceOf(StaleClaimException.class);
    }

    /**
     * A pack's failed attempt on a value a step refuses reads no file alone: the division's search, once, finds the
     * file that holds it (before, the attempt itself read each file alone to name the holder in its error, and then
     * the division read every file alone again).
     */
    @Test
    void aFailedAttemptReadsNoFileAloneTheDivisionLooksOnce() throws Exception {
        pipeline("", "steps: [ { sql: 'SELECT id, CAST(name AS INTEGER) AS n FROM input' } ]");
        input("a.csv", "id,name\n1,10\n".getBytes(StandardCharsets.UTF_8));
        input("b.csv", "id,name\n2,x2\n".getBytes(StandardCharsets.UTF_8));
        input("c.csv", "id,name\n3,30\n".getBytes(StandardCharsets.UTF_8));
        a.sink().prepare();
        Claim claim = planAndClaim();
        try (java.sql.Statement s = c.createStatement()) {
            s.execute("CALL enable_logging('QueryLog')");
        }
        assertThatThrownBy(() -> LocalRunner.processor(a)
                        .process(
                                c,
                                claim.split(),
                                TestSources.open(
                                        a.source(), claim.split(), Files.createDirectories(dir.resolve("read"))),
                                SplitCommit.unfenced(locks()),
                                new WriteContext(Files.createDirectories(dir.resolve("sink-scratch")))))
                .hasMessageContaining("Could not convert string 'x2'");
        List<String> queries = new java.util.ArrayList<>();
        try (java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT message FROM duckdb_logs WHERE type = 'QueryLog'")) {
            while (r.next()) queries.add(r.getString(1));
        }
        assertThat(queries).as("the pack was read").anyMatch(q -> q.contains("a.csv") && q.contains("b.csv"));
        assertThat(queries)
                .as("no file was read alone")
                .noneMatch(
                        q -> q.contains("a.csv") != q.contains("b.csv") || q.contains("a.csv") != q.contains("c.csv"));

        Divider.Division division = divide(claim, Divider.Check.STEPS).orElseThrow();
        assertThat(division.message()).contains("1 of 3 files fail the steps alone (b.csv: ");
    }

    private List<Path> outputs() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("/_sluice/staging/")
                            && !p.toString().contains("/_sluice/locks/"))
                    .toList();
        }
    }

    // ---- tailed logs -------------------------------------------------------------------------------------

    private static byte[] log(String name, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++)
            b.append("2026-12-01T00:00:")
                    .append(i)
                    .append(' ')
                    .append(name)
                    .append(" line ")
                    .append(i)
                    .append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTailedPackWithALogGoneIsDividedIntoTheOtherRangesAndThatRangeAlone() throws Exception {
        pipeline(", tail: true, format: text");
        input("a.log", log("a", 0, 20));
        Path b = input("b.log", log("b", 0, 20));
        input("c.log", log("c", 0, 20));
        Claim claim = planAndClaim();
        assertThat(claim.split().id()).startsWith("pack:a.log#0-");
        Files.delete(b);

        Divider.Division division = divide(claim).orElseThrow();
        Split readable = division.splits().get(0);
        assertThat(readable.id()).startsWith("pack:a.log#0-").contains("+1:");
        assertThat(readable.members())
                .containsExactly(
                        claim.split().members().get(0), claim.split().members().get(2));
        assertThat(readable.bytes()).isEqualTo(2L * log("a", 0, 20).length);
        assertThat(division.splits().get(1).id()).matches("b\\.log#0-\\d+@[0-9a-f]{8}");
        assertThat(division.message()).contains("1 of 3 files unreadable (b.log: no such file");

        assertThat(ledger().replace(claim, division.splits())).hasSize(2);
        assertThat(TestSources.plan(a.source(), ledger()).splits())
                .as("the logs continue after the ranges")
                .isEmpty();
    }

    @Test
    void aTailedPackWithALaterRangeOfOneOfItsLogsStaysWhole() throws Exception {
        // the ledger continues a log after its latest range: a replacement registered now would become that
        pipeline(", tail: true, format: text");
        Path a1 = input("a.log", log("a", 0, 20));
        Path b = input("b.log", log("b", 0, 20));
        Claim claim = planAndClaim();
        Files.write(a1, log("a", 0, 40));
        assertThat(TestSources.plan(a.source(), ledger()).splits()).hasSize(1);
        Files.delete(b);
        assertThat(divide(claim)).isEmpty();
    }
}
