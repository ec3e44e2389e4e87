package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The exactly-once contract with both ends on S3 (S3Proxy, a real S3 server in a JVM of its own on loopback) and
 * the workers as real processes: SIGKILLs, a worker paused past its lease, two "machines" sharing one ledger while
 * inputs are overwritten, the S3 server itself killed and started again, and inputs that go wrong. Each test uses
 * buckets of its own on the JVM's shared server (the restart test has a server of its own) and small inputs.
 */
class S3CrashTest {
    private static S3Buckets buckets;

    @TempDir
    Path tmp;

    @BeforeAll
    static void server() {
        buckets = new S3Buckets(S3ProxyServer.shared());
    }

    @AfterAll
    static void closeClient() {
        if (buckets != null) buckets.close();
    }

    /** Two fresh buckets, input and output, named for this test. */
    private static String[] freshBuckets(S3ProxyServer server) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String[] b = {"in-" + id, "out-" + id};
        for (String name : b) server.createBucket(name);
        return b;
    }

    private Path pipeline(S3Buckets s3, String name, String in, String out, Path ledger, String source, String run)
            throws Exception {
        Path file = tmp.resolve(name + ".yaml");
        Files.writeString(file, """
                pipeline: %s
                source:
                  files: { path: "s3://%s/", include: "**/*.csv", settle: 0s, s3: %s%s }
                sink:
                  files: { path: "s3://%s/", format: csv, s3: %s }
                state: { sqlite: "%s" }
                run:
                %s
                """.formatted(
                        name,
                        in,
                        s3.s3Block(),
                        source,
                        out,
                        s3.s3Block(),
                        ledger,
                        run.indent(2).stripTrailing()));
        return file;
    }

    // ---- 1. SIGKILL loop -------------------------------------------------------------------------------------

    @Test
    void killedAtRandomMomentsAndRunAgainEveryRowIsInTheOutputOnce() throws Exception {
        String[] b = freshBuckets(buckets.server);
        List<String> expected = new ArrayList<>();
        for (int f = 0; f < 24; f++)
            buckets.put(b[0], "day-" + f % 3 + "/part-" + f + ".csv", S3Buckets.csv(f * 10_000L, 500, 1, expected));
        expected.sort(null);
        Path log = tmp.resolve("runs.log");
        Random random = new Random(11);
        int kills = 0;
        int cycle = 0;
        int midRun = 0;
        int window = 3400;
        Path pipeline = killsPipeline(b, cycle);
        // 20 kills, and more (up to 60) until 5 have landed mid-run: on a fast machine many land after the last commit
        while (kills < 20 || (midRun < 5 && kills < 60)) {
            Procs.Proc p = Procs.sluice("run", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "none");
            // every other kill at a random moment from JVM start-up through planning, reading, uploads and manifest
            // writes; the others soon after the first commit began, so that many land mid-run whatever the machine's
            // speed (a kill at a random time lands before the first commit or after the last on a loaded machine)
            boolean killed = kills % 2 == 0
                    ? !p.process().waitFor(600 + random.nextInt(window), TimeUnit.MILLISECONDS)
                    : stillRunningAfterFirstCommit(p, b[1], "out" + cycle + "/", random.nextInt(150));
            if (killed) {
                p.kill();
                kills++;
                if (someDoneNotAll(tmp.resolve("ledger-" + cycle + ".db"), "s3kills")) {
                    midRun++;
                } else {
                    window = Math.min(window + 1000, 15_000); // a loaded machine starts JVMs slowly: kill later
                }
            } else if (p.process().exitValue() == 0) {
                // a run got through between kills: check it, then start over (new ledger, new prefix) so that every
                // kill lands on real work
                assertThat(buckets.outputRows(b[1], "out" + cycle + "/"))
                        .as("cycle %d", cycle)
                        .isEqualTo(expected);
                pipeline = killsPipeline(b, ++cycle);
                window = Math.max(window - 2000, 1000);
            }
        }
        assertThat(midRun)
                .as("kills with some splits committed and others not (of %d, log %s)", kills, log)
                .isGreaterThanOrEqualTo(5);
        runToTheEnd(pipeline, log);
        assertThat(buckets.outputRows(b[1], "out" + cycle + "/"))
                .as("every input row once (log %s)", log)
                .isEqualTo(expected);
        assertThat(buckets.read(b[1], "out" + cycle + "/", "_dead_letter")).isEmpty();
    }

    /** The workers that committed splits of the pipeline so far. */
    private static Set<String> owners(Path ledgerFile, String pipeline) throws Exception {
        try (Ledger ledger = Backend.sqlite(ledgerFile).open(pipeline)) {
            return ledger.splits(EnumSet.of(SplitState.DONE), 1000).stream()
                    .map(SplitInfo::owner)
                    .collect(Collectors.toSet());
        }
    }

    /**
     * Waits until the run wrote its first object under the output prefix (a commit began), then {@code thenMillis}
     * more: true when the run is still going then (to be killed), false when it ended.
     */
    private boolean stillRunningAfterFirstCommit(Procs.Proc p, String bucket, String prefix, int thenMillis)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (buckets.objects(bucket, prefix).isEmpty()) {
            if (p.process().waitFor(50, TimeUnit.MILLISECONDS)) return false;
            if (System.nanoTime() > deadline) return true; // stuck: killed and counted like any other kill
        }
        return !p.process().waitFor(thenMillis, TimeUnit.MILLISECONDS);
    }

    /** Whether the kill landed mid-run: the ledger holds completed splits and others not completed. */
    private static boolean someDoneNotAll(Path ledgerFile, String pipeline) {
        if (!Files.exists(ledgerFile)) return false;
        try (Ledger ledger = SqliteLedger.open(ledgerFile, pipeline, Clock.systemUTC())) {
            List<SplitInfo> all = ledger.splits(EnumSet.allOf(SplitState.class), 1000);
            long done = all.stream().filter(s -> s.state() == SplitState.DONE).count();
            return done > 0 && done < all.size();
        } catch (Exception e) {
            return false; // a ledger the kill left before its schema was written
        }
    }

    private Path killsPipeline(String[] b, int cycle) throws Exception {
        return pipeline(
                buckets,
                "s3kills",
                b[0],
                b[1] + "/out" + cycle,
                tmp.resolve("ledger-" + cycle + ".db"),
                // one split a file: 24 commits a run, so a kill soon after the first lands before the last
                ", pack: { max_files: 1 }",
                "parallelism: 2\nlease: 3s\ninterval: 500ms");
    }

    private static void runToTheEnd(Path pipeline, Path log) throws Exception {
        int code = -1;
        for (int i = 0; i < 5 && code != 0; i++) {
            Procs.Proc p =
                    Procs.sluice("final", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "none");
            code = p.exitCode(180);
        }
        assertThat(code).as("exit code of the final run (log %s)", log).isZero();
    }

    // ---- 2. fencing ------------------------------------------------------------------------------------------

    /**
     * Worker A claims the one slow split and is paused (SIGSTOP) between ledger transactions; its lease runs out, B
     * takes the split over and commits. A, resumed, finds its claim lost and changes nothing in the bucket.
     */
    @Test
    void aWorkerPausedPastItsLeaseCannotReplaceTheNewerOutput() throws Exception {
        String[] b = freshBuckets(buckets.server);
        List<String> expected = new ArrayList<>();
        buckets.put(b[0], "big.csv", S3Buckets.csv(0, SLOW_ROWS, 1, expected));
        expected.sort(null);
        Backend backend = Backend.sqlite(tmp.resolve("ledger.db"));
        Path pipeline = pipeline(
                buckets,
                "s3fencing",
                b[0],
                b[1] + "/out",
                tmp.resolve("ledger.db"),
                ", split_size: 1GB",
                SLOW_RUN + "lease: 2s\ninterval: 1s");
        Files.writeString(pipeline, Files.readString(pipeline).replace("sink:", SLOW_STEP + "sink:"));
        Path logs = tmp.resolve("logs");
        try (Ledger ledger = backend.open("s3fencing")) {
            Procs.Proc a = Procs.worker("A", pipeline, logs, S3Buckets.env());
            SplitInfo heldByA = FencingTest.await(
                    ledger, "A to claim the split", s -> s.state() == SplitState.CLAIMED && "A".equals(s.owner()), a);
            FencingTest.pauseBetweenTransactions(a, backend);
            Procs.Proc bw = Procs.worker("B", pipeline, logs, S3Buckets.env());
            FencingTest.await(ledger, "B to take the split over", s -> "B".equals(s.owner()), bw);
            SplitInfo done = FencingTest.await(ledger, "B to complete it", s -> s.state() == SplitState.DONE, bw);
            Map<String, String> before = buckets.objects(b[1], "out/");
            assertThat(before).as("B's output").isNotEmpty();

            a.resume();
            a.awaitLog("lost: split " + heldByA.id(), 180);

            assertThat(buckets.objects(b[1], "out/"))
                    .as("A replaced or added nothing (same keys, same ETags)")
                    .isEqualTo(before);
            SplitInfo after = ledger.splits(EnumSet.allOf(SplitState.class), 10).getFirst();
            assertThat(after.state()).isEqualTo(SplitState.DONE);
            assertThat(after.updated()).as("the completion is B's").isEqualTo(done.updated());
            assertThat(buckets.outputRows(b[1], "out/"))
                    .as("one version: every row once")
                    .isEqualTo(expected);
            a.terminate();
            bw.terminate();
            assertThat(a.exitCode(120)).as("A's exit code; log:%n%s", a.tail()).isZero();
            assertThat(bw.exitCode(120))
                    .as("B's exit code; log:%n%s", bw.tail())
                    .isZero();
        }
    }

    /** Rows in a split slow enough (seconds, one DuckDB thread) for a pause or a change to land while it runs. */
    private static final int SLOW_ROWS = 300_000;

    private static final String SLOW_RUN = "parallelism: 1\nengine: { threads: 1, memory_limit: 256MB }\n";

    private static final String SLOW_STEP =
            "steps:\n  - sql: SELECT id, v FROM input WHERE length(md5(repeat('x' || v, 3000))) = 32\n";

    // ---- 3. two machines, inputs overwritten -----------------------------------------------------------------

    /**
     * Two workers as two machines (each its own temp folder, so its own staging) share one ledger file and one
     * output bucket while inputs are overwritten under them. A reader lists and reads the output prefix over and over
     * the whole time: every version of an input writes the same key, one PUT over the other, so it never sees two
     * versions of an input; in the end each input's latest version is there once.
     */
    @Test
    void twoMachinesWithInputsOverwrittenUnderThemNeverShowTwoVersionsOfAnInput() throws Exception {
        twoMachines("s3machines", "", "");
    }

    /**
     * The same with {@code partition_by}: each input's output is three objects (one per partition), each written
     * whole over the earlier version's, one after the other. A reader may see some partitions of an input in the new
     * version and others in the old, but each object in one version, and since a row stays in its partition here, never
     * a row twice nor an id in two versions.
     */
    @Test
    void twoMachinesWritingPartitionedOutputsShowEachObjectInOneVersionAndNoRowTwice() throws Exception {
        twoMachines("s3partitions", " partition_by: [p],", "steps:\n  - sql: SELECT id, v, id % 3 AS p FROM input\n");
    }

    /**
     * Runs two machines over six inputs, three overwritten each round, while a {@link Reader} watches the output: it never sees
     * an id in two versions or twice, an object holding two versions, or an object listed and then gone.
     */
    private void twoMachines(String name, String sinkExtra, String steps) throws Exception {
        String[] b = freshBuckets(buckets.server);
        Map<Integer, List<String>> latest = new TreeMap<>();
        int version = 0;
        for (int f = 0; f < 6; f++) latest.put(f, deliver(b[0], f, ++version));
        Path ledgerFile = tmp.resolve("ledger.db");
        Path pipeline = pipeline(
                buckets,
                name,
                b[0],
                b[1] + "/out",
                ledgerFile,
                ", on_change: reprocess, pack: { max_files: 1 }",
                // one slot a machine: the planner wakes its own claimers first, so with more slots than changes
                // per round it would take every split and the other machine none
                "parallelism: 1\nlease: 3s\ninterval: 300ms");
        Files.writeString(
                pipeline,
                Files.readString(pipeline)
                        .replace("sink:", steps + "sink:")
                        .replace("format: csv,", "format: csv," + sinkExtra));
        Path logs = tmp.resolve("logs");
        List<Procs.Proc> machines = new ArrayList<>();
        for (String m : List.of("M1", "M2")) {
            Path own = Files.createDirectories(tmp.resolve("machine-" + m));
            Map<String, String> env = new HashMap<>(S3Buckets.env());
            env.put("TMPDIR", own.toString());
            env.put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + own);
            machines.add(Procs.worker(m, pipeline, logs, env));
        }
        for (Procs.Proc m : machines) m.awaitLog("joins the pool", 180);
        Reader reader = new Reader(b[1], "out/");
        Thread watching = Thread.ofPlatform().name("reader").start(reader);
        try {
            List<String> first = new ArrayList<>();
            latest.values().forEach(first::addAll);
            first.sort(null);
            long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!buckets.outputRows(b[1], "out/").equals(first)) { // both up: every overwrite now swaps versions
                assertThat(System.nanoTime())
                        .as("the first versions written (logs %s)", logs)
                        .isLessThan(started);
                Thread.sleep(200);
            }
            Random random = new Random(5);
            // 15 rounds, and more while one machine has committed nothing yet (on a loaded machine a worker's JVM
            // may come up late and the other take every split until then)
            long rounds = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (int round = 0;
                    round < 15 || (owners(ledgerFile, name).size() < 2 && System.nanoTime() < rounds);
                    round++) {
                Thread.sleep(300 + random.nextInt(1200));
                List<Integer> inputs = new ArrayList<>(latest.keySet());
                Collections.shuffle(inputs, random);
                for (int f : inputs.subList(0, 3)) latest.put(f, deliver(b[0], f, ++version));
            }
            List<String> expected = new ArrayList<>();
            latest.values().forEach(expected::addAll);
            expected.sort(null);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            List<String> rows = buckets.outputRows(b[1], "out/");
            while (!rows.equals(expected) && System.nanoTime() < until) {
                for (Procs.Proc m : machines) {
                    assertThat(m.process().isAlive())
                            .as("%s alive; log:%n%s", m.name(), m.tail())
                            .isTrue();
                }
                Thread.sleep(500);
                rows = buckets.outputRows(b[1], "out/");
            }
            assertThat(rows)
                    .as("each input's latest version once (logs %s)", logs)
                    .isEqualTo(expected);
            assertThat(owners(ledgerFile, name))
                    .as("both machines committed splits")
                    .contains("M1", "M2");
            for (Procs.Proc m : machines) {
                assertThat(m.logText())
                        .as("%s's JVM took its own temp folder", m.name())
                        .contains(
                                "Picked up JAVA_TOOL_OPTIONS: -Djava.io.tmpdir=" + tmp.resolve("machine-" + m.name()));
                m.terminate();
            }
            for (Procs.Proc m : machines)
                assertThat(m.exitCode(120))
                        .as("%s; log:%n%s", m.name(), m.tail())
                        .isZero();
            assertThat(buckets.outputRows(b[1], "out/"))
                    .as("still, after the workers stopped")
                    .isEqualTo(expected);
        } finally {
            reader.stop = true;
            watching.join(30_000);
        }
        assertThat(reader.error).as("the reader's own failure").isNull();
        assertThat(reader.passes)
                .as("listings the reader made while the machines ran")
                .isGreaterThan(20);
        assertThat(reader.mixed)
                .as("listings that showed an id in two versions, or twice")
                .isEmpty();
        assertThat(reader.mixedFiles).as("objects holding rows of two versions").isEmpty();
        assertThat(reader.vanished)
                .as("objects listed, then gone: a version is written over the other, never removed")
                .isEmpty();
    }

    /**
     * A reader listing the output prefix and reading every object it lists, over and over, as Athena, Trino or DuckDB
     * do: what it saw that no reader may see is kept.
     */
    private static final class Reader implements Runnable {
        private final String bucket;
        private final String prefix;
        volatile boolean stop;
        volatile int passes;
        volatile Throwable error;
        /** Listings in which some id showed in two versions. */
        final List<String> mixed = new CopyOnWriteArrayList<>();
        /** Objects whose rows were of two versions. */
        final List<String> mixedFiles = new CopyOnWriteArrayList<>();
        /** Objects listed, then gone when read. */
        final List<String> vanished = new CopyOnWriteArrayList<>();

        Reader(String bucket, String prefix) {
            this.bucket = bucket;
            this.prefix = prefix;
        }

        @Override
        public void run() {
            // an object's rows by key and ETag: most passes are one LIST, so the reader looks often
            Map<String, List<String>> read = new HashMap<>();
            try {
                while (!stop) {
                    Map<String, List<String>> files;
                    try {
                        files = buckets.outputFiles(bucket, prefix, read);
                    } catch (NoSuchKeyException e) {
                        vanished.add(e.getMessage());
                        continue;
                    }
                    passes++;
                    List<String> rows = new ArrayList<>();
                    files.forEach((key, fileRows) -> {
                        rows.addAll(fileRows);
                        Set<String> versions = versions(fileRows);
                        if (versions.size() > 1) mixedFiles.add(key + ": " + versions);
                    });
                    Map<String, Set<String>> doubled = doubled(rows);
                    if (!doubled.isEmpty() || rows.size() != new HashSet<>(rows).size())
                        mixed.add(doubled.size() + " ids in two versions ("
                                + doubled.entrySet().stream().limit(3).toList() + "...) or rows twice, in "
                                + files.keySet());
                    Thread.sleep(20);
                }
            } catch (Throwable e) {
                error = e;
            }
        }

        private static Set<String> versions(List<String> rows) {
            Set<String> versions = new TreeSet<>();
            for (String r : rows) versions.add(r.substring(r.indexOf('|') + 1));
            return versions;
        }
    }

    /** Ids seen with more than one version {@code v}. */
    private static Map<String, Set<String>> doubled(List<String> rows) {
        Map<String, Set<String>> versions = new TreeMap<>();
        for (String r : rows) {
            String[] idV = r.split("\\|");
            versions.computeIfAbsent(idV[0], k -> new TreeSet<>()).add(idV[1]);
        }
        versions.values().removeIf(v -> v.size() < 2);
        return versions;
    }

    /** Input {@code f} as version {@code v}: 300 rows whose ids are the file's own and whose {@code v} is the version. */
    private static List<String> deliver(String bucket, int f, int v) {
        List<String> rows = new ArrayList<>();
        buckets.put(bucket, "in-" + f + ".csv", S3Buckets.csv(f * 100_000L, 300, v, rows));
        return rows;
    }

    // ---- 4. the S3 server killed mid-run ---------------------------------------------------------------------

    @Test
    void theS3ServerKilledMidRunAndStartedAgainTheRunCompletesWithEveryRowOnce() throws Exception {
        try (S3ProxyServer own = S3ProxyServer.create();
                S3Buckets s3 = new S3Buckets(own)) {
            String[] b = freshBuckets(own);
            List<String> expected = new ArrayList<>();
            for (int f = 0; f < 30; f++)
                s3.put(b[0], "part-" + f + ".csv", S3Buckets.csv(f * 10_000L, 400, 1, expected));
            expected.sort(null);
            Path ledgerFile = tmp.resolve("ledger.db");
            Path pipeline = pipeline(
                    s3,
                    "s3outage",
                    b[0],
                    b[1] + "/out",
                    ledgerFile,
                    ", pack: { max_files: 1 }",
                    "parallelism: 2\nlease: 5s\ninterval: 500ms");
            Path log = tmp.resolve("run.log");
            Procs.Proc run = Procs.sluice("run", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "log");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!someDoneNotAll(ledgerFile, "s3outage")) {
                assertThat(run.process().isAlive())
                        .as("run still going; log:%n%s", run.tail())
                        .isTrue();
                assertThat(System.nanoTime())
                        .as("a split done; log:%n%s", run.tail())
                        .isLessThan(until);
                Thread.sleep(50);
            }
            own.stop();
            Thread.sleep(4000);
            own.start();
            assertThat(run.exitCode(240))
                    .as("the run's exit code; log:%n%s", run.tail())
                    .isZero();
            assertThat(s3.outputRows(b[1], "out/"))
                    .as("every row once (log %s)", log)
                    .isEqualTo(expected);
        }
    }

    // ---- 5. bad inputs ---------------------------------------------------------------------------------------

    @Test
    void aMissingBucketIsNamed() throws Exception {
        String[] b = freshBuckets(buckets.server);
        Path pipeline = pipeline(
                buckets,
                "s3missing",
                "no-such-bucket-" + b[0],
                b[1] + "/out",
                tmp.resolve("l.db"),
                "",
                "parallelism: 1");
        Procs.Proc run = Procs.sluice("run", tmp.resolve("run.log"), S3Buckets.env(), "run", pipeline.toString());
        assertThat(run.exitCode(120)).as(run.logText()).isNotZero();
        assertThat(run.logText()).contains("bucket 'no-such-bucket-" + b[0] + "' does not exist");
        assertThat(buckets.objects(b[1], "")).as("nothing written").isEmpty();
    }

    @Test
    void wrongCredentialsNameTheBucketAndTheirSourceNeverTheSecret() throws Exception {
        String[] b = freshBuckets(buckets.server);
        buckets.put(b[0], "a.csv", S3Buckets.csv(0, 10, 1, new ArrayList<>()));
        Path pipeline = pipeline(buckets, "s3creds", b[0], b[1] + "/out", tmp.resolve("l.db"), "", "parallelism: 1");
        Map<String, String> env = new HashMap<>(S3Buckets.env());
        String secret = "wrong-secret-" + UUID.randomUUID();
        env.put("AWS_SECRET_ACCESS_KEY", secret);
        Procs.Proc run = Procs.sluice("run", tmp.resolve("run.log"), env, "run", pipeline.toString());
        assertThat(run.exitCode(120)).as(run.logText()).isNotZero();
        // the sink's prefix is checked first, so its bucket is the one named
        assertThat(run.logText())
                .containsAnyOf("s3://" + b[0] + "/", "s3://" + b[1] + "/out/")
                .contains("credentials from environment variables AWS_ACCESS_KEY_ID")
                .doesNotContain(secret);
        assertThat(buckets.objects(b[1], "")).as("nothing written").isEmpty();
    }

    /**
     * While the first split (slow) runs, a listed object is deleted and another is overwritten: the deleted one is
     * skipped with its reason, the overwritten one's new version is read, the others once.
     */
    @Test
    void objectsDeletedOrOverwrittenBetweenListingAndReading() throws Exception {
        String[] b = freshBuckets(buckets.server);
        List<String> expected = new ArrayList<>();
        buckets.put(b[0], "a-big.csv", S3Buckets.csv(0, SLOW_ROWS, 1, expected));
        buckets.put(b[0], "b-deleted.csv", S3Buckets.csv(1_000_000, 50, 1, new ArrayList<>()));
        buckets.put(b[0], "c-overwritten.csv", S3Buckets.csv(2_000_000, 50, 1, new ArrayList<>()));
        buckets.put(b[0], "d-kept.csv", S3Buckets.csv(3_000_000, 50, 1, expected));
        Path ledgerFile = tmp.resolve("ledger.db");
        Path pipeline = pipeline(
                buckets,
                "s3changed",
                b[0],
                b[1] + "/out",
                ledgerFile,
                ", split_size: 1GB, pack: { max_files: 1 }",
                SLOW_RUN + "interval: 300ms");
        Files.writeString(pipeline, Files.readString(pipeline).replace("sink:", SLOW_STEP + "sink:"));
        Path log = tmp.resolve("run.log");
        Procs.Proc run = Procs.sluice("run", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "log");
        try (Ledger ledger = Backend.sqlite(ledgerFile).open("s3changed")) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                List<SplitInfo> all = ledger.splits(EnumSet.allOf(SplitState.class), 10);
                boolean bigRunning =
                        all.stream().anyMatch(s -> s.id().contains("a-big") && s.state() == SplitState.CLAIMED);
                boolean othersWaiting = all.size() == 4
                        && all.stream()
                                .filter(s -> !s.id().contains("a-big"))
                                .allMatch(s -> s.state() == SplitState.PENDING);
                if (bigRunning && othersWaiting) break;
                assertThat(run.process().isAlive())
                        .as("run alive; splits %s; log:%n%s", all, run.tail())
                        .isTrue();
                assertThat(System.nanoTime())
                        .as("the big split running, the others waiting: %s", all)
                        .isLessThan(until);
                Thread.sleep(20);
            }
        }
        buckets.delete(b[0], "b-deleted.csv");
        buckets.put(b[0], "c-overwritten.csv", S3Buckets.csv(2_000_000, 60, 2, expected));
        expected.sort(null);
        // the deleted object cannot be read again: its split ends done without it, and the run names it with its
        // reason (docs/contract.md rule 5: skipped with its reason, never silently; not retried: nothing to read)
        assertThat(run.exitCode(240)).as("exit code; log:%n%s", run.logText()).isEqualTo(0);
        assertThat(run.logText())
                .contains("b-deleted.csv left out: object s3://" + b[0]
                        + "/b-deleted.csv was deleted after it was listed")
                .contains("2 input(s) left out while reading")
                .contains("c-overwritten.csv left out: overwritten since it was planned")
                .doesNotContain("dead: split b-deleted.csv");
        // the next scan plans the overwritten object's new version
        Procs.Proc again = Procs.sluice("again", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "log");
        assertThat(again.exitCode(240))
                .as("nothing dead; log:%n%s", Files.readString(log))
                .isEqualTo(0);
        assertThat(buckets.outputRows(b[1], "out/"))
                .as("the new version once, the deleted one not at all; log %s", log)
                .isEqualTo(expected);
    }

    @Test
    void aMalformedRowInAnObjectIsDeadLetteredAndTheGoodRowsWritten() throws Exception {
        String[] b = freshBuckets(buckets.server);
        List<String> expected = new ArrayList<>();
        String good = S3Buckets.csv(0, 20, 1, expected);
        buckets.put(b[0], "good.csv", good);
        String mixed = S3Buckets.csv(100, 3, 1, expected) + "999,1,EXTRA,COLUMNS\n"
                + S3Buckets.csv(103, 7, 1, expected).substring("id,v\n".length());
        buckets.put(b[0], "mixed.csv", mixed);
        expected.sort(null);
        Path pipeline = pipeline(buckets, "s3bad", b[0], b[1] + "/out", tmp.resolve("l.db"), "", "parallelism: 1");
        Procs.Proc run = Procs.sluice("run", tmp.resolve("run.log"), S3Buckets.env(), "run", pipeline.toString());
        assertThat(run.exitCode(120)).as(run.logText()).isZero();
        assertThat(buckets.outputRows(b[1], "out/")).isEqualTo(expected);
        assertThat(buckets.read(b[1], "out/", "_dead_letter/"))
                .singleElement()
                .satisfies(d -> assertThat(d)
                        .contains("mixed.csv")
                        .contains("999,1,EXTRA")
                        .containsIgnoringCase("too many columns"));
        assertThat(run.logText()).contains("1 bad");
    }
}
