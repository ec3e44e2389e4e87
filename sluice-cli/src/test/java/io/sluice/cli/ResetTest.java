package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.runner.OwnerId;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import io.sluice.spi.WorkerInfo;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After {@code sluice reset}, or when the ledger is lost, every input is planned again, and packed or cut differently
 * when the files changed meanwhile: new split ids, so new output names. The new output replaces the old input by input,
 * so that after a full re-run every input row is there once, counted against the rows the test wrote. Every command
 * runs in a child process, as a user runs it.
 */
class ResetTest {
    private static final String[] REGIONS = {"eu-west", "us-east", "ap-south", "sa-east"};

    @TempDir
    Path tmp;

    private Workspace ws;
    /** File name -> the rows the output must hold for it, as {@code id|region|amount}. */
    private final Map<String, List<String>> inputs = new TreeMap<>();

    private List<String> expected() {
        return inputs.values().stream().flatMap(List::stream).sorted().toList();
    }

    /** {@code sluice ARGS...} in a child JVM; its output in {@link CliRun#out}. */
    private CliRun sluice(String... args) throws Exception {
        Path log = Files.createTempFile(tmp, "sluice-", ".log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", args);
        assertThat(p.waitFor(180, TimeUnit.SECONDS))
                .as("sluice %s finished (log: %s)", List.of(args), log)
                .isTrue();
        return new CliRun(p.exitValue(), Files.readString(log), "");
    }

    private CliRun run(Path pipeline) throws Exception {
        return sluice("run", pipeline.toString(), "--progress", "none");
    }

    private void assertEveryRowOnce() throws Exception {
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), expected());
        // a plain reader of the partition folders sees the same
        CliRun.assertSameRows(
                Workspace.query("SELECT id, region, amount FROM read_parquet('" + ws.out()
                        + "/*/*.parquet', hive_partitioning = true)"),
                expected());
    }

    /**
     * A CSV of usage rows like the quickstart's (about 5% without an amount: the pipeline drops them), gzipped when
     * asked; its rows as the output must hold them.
     */
    private void usage(String name, int file, int rows, boolean gzip) throws Exception {
        Random random = new Random(file);
        StringBuilder csv = new StringBuilder("id,region,amount\n");
        List<String> kept = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            long id = file * 1_000_000L + r;
            String region = REGIONS[random.nextInt(REGIONS.length)];
            String amount = random.nextInt(20) == 0 ? "" : (random.nextInt(1_000_000) / 100.0) + "";
            csv.append(id).append(',').append(region).append(',').append(amount).append('\n');
            if (!amount.isEmpty()) kept.add(id + "|" + region + "|" + new BigDecimal(amount).setScale(4));
        }
        if (gzip) {
            ws.input(name + ".gz", Workspace.gzip(csv.toString()));
        } else {
            ws.input(name, csv.toString());
        }
        inputs.put(name, kept);
    }

    /** The quickstart's input: 24 files in one folder, every fourth gzipped, one with a malformed row. */
    private Path quickstart(int rows) throws Exception {
        ws = Workspace.in(tmp);
        for (int i = 1; i <= 24; i++) usage("2026-11/usage-%03d.csv".formatted(i), i, rows, i % 4 == 0);
        Path first = ws.in().resolve("2026-11/usage-001.csv");
        Files.writeString(first, "999999999,eu-west,not-a-number,extra\n", StandardOpenOption.APPEND);
        Files.setLastModifiedTime(
                first, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return ws.pipeline("""
                pipeline: quickstart
                source:
                  files: { path: in, include: "**/*.csv*" }
                steps:
                  - sql: SELECT id, region, CAST(amount AS DECIMAL(18,4)) AS amount FROM input WHERE amount IS NOT NULL
                sink:
                  files: { path: out, format: parquet, partition_by: [region] }
                run:
                  parallelism: 2
                  lease: 5s
                  retries: { max: 3, backoff: 100ms }
                """);
    }

    @Test
    void theReadmesThenTryAddAFileResetAndRunAgainHoldsEveryRowOnce() throws Exception {
        Path p = quickstart(2000);
        assertThat(run(p).ok().out()).contains("planned 2 new split(s)"); // two packs of 12 files
        assertEveryRowOnce();

        usage("2026-11/usage-025.csv", 25, 2000, false);
        assertThat(run(p).ok().out()).contains("1 split(s) done").contains("24 input(s) already processed");
        assertEveryRowOnce();

        CliRun reset = sluice("reset", p.toString(), "--yes").ok();
        assertThat(reset.out())
                .contains("state forgotten")
                .contains("The output stays")
                .contains("--delete-output --yes");
        // 25 files are packed 13 + 12 now: other packs, other output names, which replace the old packs' output
        CliRun again = run(p).ok();
        assertThat(again.out()).contains("planned 2 new split(s)").contains("2 split(s) done");
        assertEveryRowOnce();
        assertThat(ws.deadLetters()).as("the malformed row, once").hasSize(1);
        try (Stream<Path> markers = Files.list(ws.out().resolve("_sluice/incarnations"))) {
            assertThat(markers.count())
                    .as("the earlier incarnation's marker went with its last output")
                    .isEqualTo(1);
        }
    }

    @Test
    void aDeletedLedgerAndARerunHoldEveryRowOnce() throws Exception {
        Path p = quickstart(1000);
        run(p).ok();
        usage("2026-11/usage-025.csv", 25, 1000, false);
        run(p).ok();

        try (Stream<Path> ledger = Files.list(tmp.resolve(".sluice"))) {
            for (Path f : ledger.toList()) Files.delete(f); // the SQLite file, and its -wal and -shm
        }
        CliRun again = run(p).ok();
        assertThat(again.out()).contains("2 split(s) done");
        assertEveryRowOnce();
        assertThat(ws.deadLetters()).hasSize(1);
    }

    @Test
    void aLargeFileCutAtAnotherSplitSizeAfterAResetReplacesTheOutputThatHeldIt() throws Exception {
        ws = Workspace.in(tmp);
        usage("big.csv", 1, 12_000, false); // about 280 KB
        for (int f = 2; f <= 5; f++) usage("small-" + f + ".csv", f, 300, false);
        Path p = ws.pipeline("""
                pipeline: ranges
                source:
                  files: { path: in, split_size: SIZE }
                sink:
                  files: { path: out, format: parquet, partition_by: [region] }
                steps:
                  - sql: SELECT id, region, CAST(amount AS DECIMAL(18,4)) AS amount FROM input WHERE amount IS NOT NULL
                run: { parallelism: 2 }
                """);
        String yaml = Files.readString(p);
        Files.writeString(p, yaml.replace("SIZE", "64KB"));
        assertThat(run(p).ok().out()).as("big.csv cut into ranges").containsPattern("planned ([6-9]|\\d\\d) new split");
        assertEveryRowOnce();

        // read whole now, in a pack with the small files
        sluice("reset", p.toString(), "--yes").ok();
        Files.writeString(p, yaml.replace("SIZE", "1MB"));
        assertThat(run(p).ok().out()).contains("planned 2 new split(s)");
        assertEveryRowOnce();

        // and cut again, differently
        sluice("reset", p.toString(), "--yes").ok();
        Files.writeString(p, yaml.replace("SIZE", "48KB"));
        run(p).ok();
        assertEveryRowOnce();
    }

    @Test
    void tailedLogsReadAgainFromTheStartAfterAResetHoldEveryLineOnce() throws Exception {
        ws = Workspace.in(tmp);
        Path p = ws.pipeline("""
                pipeline: tailed
                source:
                  files: { path: in, include: "*.log", format: csv, tail: true }
                steps:
                  - sql: SELECT id, region, CAST(amount AS DECIMAL(18,4)) AS amount FROM input WHERE amount IS NOT NULL
                sink:
                  files: { path: out, format: parquet, partition_by: [region] }
                run: { parallelism: 2 }
                """);
        for (String log : List.of("a.log", "b.log", "c.log")) usage(log, log.charAt(0), 200, false);
        run(p).ok();
        assertEveryRowOnce();
        append(200);
        assertThat(run(p).ok().out()).contains("1 split(s) done"); // the new lines of the three logs, packed
        assertEveryRowOnce();

        sluice("reset", p.toString(), "--yes").ok();
        run(p).ok(); // every log from byte 0: one pack of other ranges
        assertEveryRowOnce();

        // growing on after the reset: the new ranges sit beside the earlier ones
        append(300);
        run(p).ok();
        assertEveryRowOnce();
    }

    private int appended;

    /** Appends rows to each log, as a writer does. */
    private void append(int rows) throws Exception {
        for (String log : List.of("a.log", "b.log", "c.log")) {
            List<String> before = inputs.get(log);
            usage("more.tmp", log.charAt(0) + 1000 * ++appended, rows, false);
            String lines = Files.readString(ws.in().resolve("more.tmp"));
            Files.delete(ws.in().resolve("more.tmp"));
            Files.writeString(
                    ws.in().resolve(log), lines.substring(lines.indexOf('\n') + 1), StandardOpenOption.APPEND);
            List<String> all = new ArrayList<>(before);
            all.addAll(inputs.remove("more.tmp"));
            inputs.put(log, all);
        }
    }

    @Test
    void resetDeleteOutputListsAndRemovesWhatSluiceWroteAndALaterRunWritesItOnce() throws Exception {
        Path p = quickstart(500);
        run(p).ok();
        Files.writeString(ws.out().resolve("NOTES.txt"), "the user's own file");
        List<Path> files = ws.outputFiles(".parquet");

        CliRun dry = sluice("reset", p.toString(), "--delete-output");
        assertThat(dry.code()).as(dry.toString()).isEqualTo(2);
        assertThat(dry.out()).contains("add --yes to confirm");
        for (Path f : files) assertThat(dry.out()).contains("would remove " + f);
        assertThat(dry.out())
                .contains("would remove " + ws.out().resolve("_sluice"))
                .contains("_dead_letter");
        assertThat(ws.outputFiles(".parquet"))
                .as("nothing changed without --yes")
                .isEqualTo(files);
        assertThat(CliRun.status(p).get("splits")).isNotEmpty();

        CliRun reset = sluice("reset", p.toString(), "--delete-output", "--yes").ok();
        for (Path f : files) assertThat(reset.out()).contains("removed " + f);
        assertThat(reset.out()).contains("item(s) of the output removed");
        try (Stream<Path> left = Files.walk(ws.out())) {
            assertThat(left.filter(Files::isRegularFile).toList())
                    .as("the user's file only")
                    .containsExactly(ws.out().resolve("NOTES.txt"));
        }

        usage("2026-11/usage-025.csv", 25, 500, false);
        assertThat(run(p).ok().out()).contains("2 split(s) done");
        assertEveryRowOnce();
        assertThat(ws.deadLetters()).hasSize(1);
    }

    /**
     * A reset while a worker holds a split would let that worker's commit, already past its fence check, land beside
     * the split's replacement (or after {@code --delete-output} removed the output): refused, naming the split, its
     * worker and when its lease ends. A claim whose worker is gone (a killed process of this machine) or whose lease
     * ran out holds nothing up.
     */
    @Test
    void aResetWhileAWorkerHoldsASplitIsRefusedUntilItsClaimEnds() throws Exception {
        Path p = quickstart(50);
        run(p).ok();
        Path db = ws.dir().resolve(".sluice").resolve("quickstart.db");
        String held;
        try (Ledger ledger = SqliteLedger.open(db, "quickstart", Clock.systemUTC())) {
            held = ledger.splits(EnumSet.of(SplitState.DONE), 1).getFirst().id();
            ledger.replay(List.of(held));
            assertThat(ledger.claim(held, OwnerId.forThisProcess(), Duration.ofMinutes(5)))
                    .isPresent();
        }
        List<Path> files = ws.outputFiles(".parquet");

        CliRun refused = sluice("reset", p.toString(), "--delete-output", "--yes");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.out())
                .contains("split " + held + " is held by worker "
                        + OwnerId.forThisProcess().split(":")[0])
                .contains("stop the run or its workers first")
                .contains("sluice status " + p);
        assertThat(ws.outputFiles(".parquet")).as("nothing removed").isEqualTo(files);
        assertThat(CliRun.status(p).get("counts").get("claimed").asInt()).isEqualTo(1);

        Process killed = new ProcessBuilder("sleep", "60").start();
        String gone = OwnerId.of(killed.pid()).orElseThrow().toString();
        killed.destroyForcibly().waitFor();
        try (Ledger ledger = SqliteLedger.open(db, "quickstart", Clock.systemUTC())) {
            ledger.expire(
                    held,
                    ledger.splits(EnumSet.of(SplitState.CLAIMED), 1).getFirst().token());
            assertThat(ledger.claim(held, gone, Duration.ofMinutes(5))).isPresent();
        }
        sluice("reset", p.toString(), "--yes").ok();
        assertThat(CliRun.status(p).get("counts").get("claimed").asInt()).isZero();
    }

    /**
     * A worker of a pool holding nothing yet plans and claims at once after a reset, and would commit while
     * {@code --delete-output} removes the output (done in the ledger, gone from the sink): a reset is refused while a
     * pool member beats, and goes through once it has left the pool.
     */
    @Test
    void aResetWhileAPoolWorkerBeatsIsRefusedUntilItLeaves() throws Exception {
        Path p = quickstart(50);
        run(p).ok();
        Path db = ws.dir().resolve(".sluice").resolve("quickstart.db");
        WorkerInfo worker = new WorkerInfo("pool-worker-1", "elsewhere", 42, Instant.now(), 2);
        try (Ledger ledger = SqliteLedger.open(db, "quickstart", Clock.systemUTC())) {
            ledger.announce(worker, Duration.ofMinutes(5));
        }
        List<Path> files = ws.outputFiles(".parquet");

        // in this process: a child JVM may start slower than the pipeline's lease, after which a worker counts as gone
        CliRun refused = CliRun.sluice("reset", p.toString(), "--delete-output", "--yes");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.all())
                .contains("worker pool-worker-1 of its pool is running")
                .contains("stop the run or its workers first");
        assertThat(ws.outputFiles(".parquet")).as("nothing removed").isEqualTo(files);

        try (Ledger ledger = SqliteLedger.open(db, "quickstart", Clock.systemUTC())) {
            ledger.retire(worker.id());
        }
        CliRun.sluice("reset", p.toString(), "--delete-output", "--yes").ok();
        assertThat(ws.outputFiles(".parquet")).isEmpty();
    }

    /**
     * Runs killed with SIGKILL at random moments, then a run to the end; a file added and a reset (every pack changes);
     * then runs killed at random moments while the new output replaces the old: the run that finishes holds every row
     * once.
     */
    @Test
    void killedAtRandomMomentsAroundAResetTheOutputHoldsEveryRowOnce() throws Exception {
        Path p = quickstart(6000);
        Path log = tmp.resolve("runs.log");
        Random random = new Random(9);
        killAtRandom(p, log, random, 2);
        runToTheEnd(p, log);
        usage("2026-11/usage-025.csv", 25, 6000, false);
        sluice("reset", p.toString(), "--yes").ok();
        killAtRandom(p, log, random, 6);

        runToTheEnd(p, log);
        assertEveryRowOnce();
        assertThat(ws.deadLetters()).hasSize(1);
    }

    /** Runs until one exits 0: the killed runs' leases expire meanwhile and are taken over. */
    private void runToTheEnd(Path p, Path log) throws Exception {
        int code = -1;
        for (int i = 0; i < 5 && code != 0; i++) code = run(p).code();
        assertThat(code).as("a run finished (log: %s)", log).isZero();
    }

    private static void killAtRandom(Path pipeline, Path log, Random random, int kills) throws Exception {
        for (int k = 0; k < kills; k++) {
            Process run = ChildJvm.start(log, "io.sluice.cli.Main", "run", pipeline.toString(), "--progress", "none");
            if (!run.waitFor(1500 + random.nextInt(4000), TimeUnit.MILLISECONDS))
                run.destroyForcibly().waitFor();
        }
    }
}
