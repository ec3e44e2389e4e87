package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.CrashLoop;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once contract under crashes and concurrency, with real processes: a run is killed with SIGKILL at
 * random moments and restarted; two processes share one SQLite ledger. At the end the output holds every input
 * row exactly once.
 */
class ExactlyOnceCrashTest {
    private static final String MAIN = "io.sluice.cli.Main";
    private static final int FILES = 40;
    private static final int ROWS = 15_000;

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomMomentsAndRestartedTheOutputHoldsEveryRowOnce() throws Exception {
        Workspace ws = Workspace.in(tmp);
        List<String> expected = writeInputs(ws, FILES, ROWS);
        Path pipeline = ws.pipeline(pipelineYaml(2));
        Path log = tmp.resolve("runs.log");
        Random random = new Random(42);

        int[] completed = {0};
        // kills anywhere from JVM start-up through planning, processing and commits
        int kills = CrashLoop.run(
                        pipeline.toString(),
                        () -> ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "none"),
                        random,
                        24,
                        300,
                        2500,
                        code -> {
                            if (code == 0 && allDone(pipeline)) {
                                // a run got through between kills: check it, then start over so every kill lands on
                                // real work
                                assertThat(ws.outputRows("id, region, amount", "parquet"))
                                        .as("cycle %d", completed[0]++)
                                        .isEqualTo(expected);
                                ws.forgetRuns();
                            }
                        })
                .kills();
        assertThat(kills).as("SIGKILLs delivered (log: %s)", log).isGreaterThanOrEqualTo(20);

        runToTheEnd(pipeline, log);
        assertThat(allDone(pipeline)).isTrue();
        assertThat(ws.outputRows("id, region, amount", "parquet"))
                .as("every input row exactly once")
                .isEqualTo(expected);
        assertThat(ws.deadLetters()).isEmpty();
    }

    /**
     * Between runs killed at random moments, files are delivered again with other content (a file of a pack, the file
     * cut into ranges): at the end the output holds the rows of each file's current version once, and none of an
     * earlier version.
     */
    @Test
    void killedAtRandomMomentsWhileFilesAreDeliveredAgainTheOutputHoldsTheCurrentRowsOnce() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Deliveries inputs = new Deliveries(ws);
        Path pipeline = ws.pipeline(pipelineYaml(2));
        Path log = tmp.resolve("redelivered.log");
        Random random = new Random(7);

        int kills = 0;
        while (kills < 16) {
            Process p = ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "none");
            if (!p.waitFor(300 + random.nextInt(4500), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                // files delivered again while splits of their earlier versions are in flight or not run yet
                if (++kills % 3 == 0) inputs.deliverAgain(random);
                continue;
            }
            if (p.exitValue() == 0 && allDone(pipeline)) {
                CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), inputs.expected());
                inputs.deliverAgain(random);
            }
        }
        assertThat(inputs.rounds).as("deliveries (log: %s)", log).isGreaterThanOrEqualTo(5);

        runToTheEnd(pipeline, log);
        assertThat(allDone(pipeline)).isTrue();
        CliRun.assertSameRows(ws.outputRows("id, region, amount", "parquet"), inputs.expected());
    }

    /** Runs until a run exits 0 (a killed run's leases expire meanwhile and are taken over), at most five times. */
    private static void runToTheEnd(Path pipeline, Path log) throws Exception {
        int code = -1;
        for (int i = 0; i < 5 && code != 0; i++) {
            Process p = ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "none");
            assertThat(p.waitFor(120, TimeUnit.SECONDS))
                    .as("final run finished (log: %s)", log)
                    .isTrue();
            code = p.exitValue();
        }
        assertThat(code).as("exit code of the final run (log: %s)", log).isZero();
    }

    /** 12 small CSVs (packed two by two) and a large one (over 1 MB: cut into ranges); each file's ids are its own. */
    private static final class Deliveries {
        private static final String[] REGIONS = {"eu", "us", "ap"};
        private final Workspace ws;
        private final java.util.Map<String, List<String>> rows = new java.util.TreeMap<>();
        private int version;
        private int rounds;

        Deliveries(Workspace ws) throws Exception {
            this.ws = ws;
            for (int f = 0; f <= 12; f++) deliver(f, 3000);
        }

        private void deliver(int f, int n) throws Exception {
            version++;
            String name = f == 12 ? "big/large.csv" : "day-" + (f % 4) + "/part-" + f + ".csv";
            if (f == 12) n *= 24;
            StringBuilder csv = new StringBuilder("id,region,amount\n");
            List<String> expected = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                long id = f * 1_000_000L + r;
                String region = REGIONS[(int) ((id + version) % 3)];
                String amount = (id % 1000) + "." + (version % 100);
                csv.append(id)
                        .append(',')
                        .append(region)
                        .append(',')
                        .append(amount)
                        .append('\n');
                expected.add(id + "|" + region + "|" + new java.math.BigDecimal(amount).setScale(4));
            }
            ws.input(name, csv.toString());
            rows.put(name, expected);
        }

        /** Two or three files again, with other rows (and sizes); the large one every other time. */
        void deliverAgain(Random random) throws Exception {
            deliver(random.nextInt(12), 1000 + random.nextInt(4000));
            deliver(random.nextInt(12), 1000 + random.nextInt(4000));
            if (++rounds % 2 == 1) deliver(12, 1000 + random.nextInt(4000));
        }

        List<String> expected() {
            return rows.values().stream().flatMap(List::stream).sorted().toList();
        }
    }

    @Test
    void twoProcessesOnOneLedgerProcessEverySplitOnce() throws Exception {
        Workspace ws = Workspace.in(tmp);
        List<String> expected = writeInputs(ws, FILES, ROWS / 3);
        Path pipeline = ws.pipeline(pipelineYaml(2));
        Path log = tmp.resolve("two.log");

        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++)
            processes.add(ChildJvm.start(log, MAIN, "run", pipeline.toString(), "--progress", "none"));
        for (Process p : processes) {
            assertThat(p.waitFor(180, TimeUnit.SECONDS))
                    .as("run finished (log: %s)", log)
                    .isTrue();
            assertThat(p.exitValue()).as("exit code (log: %s)", log).isZero();
        }

        try (Ledger ledger = SqliteLedger.open(ledgerFile(pipeline), "crash", Clock.systemUTC())) {
            List<SplitInfo> splits = ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE);
            assertThat(splits).isNotEmpty().allSatisfy(s -> {
                assertThat(s.state()).isEqualTo(SplitState.DONE);
                assertThat(s.attempts()).as("split %s claimed once", s.id()).isEqualTo(1);
            });
        }
        assertThat(ws.outputRows("id, region, amount", "parquet")).isEqualTo(expected);
    }

    /** 40 small CSVs and one large one that is cut into byte ranges; ids are unique over all of them. */
    private static List<String> writeInputs(Workspace ws, int files, int rows) throws Exception {
        List<String> expected = new ArrayList<>();
        String[] regions = {"eu", "us", "ap"};
        long id = 0;
        for (int f = 0; f <= files; f++) {
            int n = f == files ? rows * 4 : rows;
            StringBuilder csv = new StringBuilder("id,region,amount\n");
            for (int r = 0; r < n; r++) {
                id++;
                String region = regions[(int) (id % 3)];
                String amount = (id % 1000) + "." + (id % 100);
                csv.append(id)
                        .append(',')
                        .append(region)
                        .append(',')
                        .append(amount)
                        .append('\n');
                expected.add(id + "|" + region + "|" + new java.math.BigDecimal(amount).setScale(4));
            }
            ws.input(f == files ? "big/large.csv" : "day-" + (f % 4) + "/part-" + f + ".csv", csv.toString());
        }
        expected.sort(null);
        return expected;
    }

    private static String pipelineYaml(int parallelism) {
        return """
                pipeline: crash
                source:
                  files:
                    path: in
                    include: "**/*.csv"
                    split_size: 256KB
                    pack: { max_files: 2 }
                steps:
                  - sql: SELECT id, region, CAST(amount AS DECIMAL(18,4)) AS amount FROM input
                sink:
                  files: { path: out, format: parquet, partition_by: [region] }
                run:
                  parallelism: %d
                  lease: 2s
                  retries: { max: 5, backoff: 100ms }
                  on_bad_record: fail
                """.formatted(parallelism);
    }

    private static Path ledgerFile(Path pipeline) {
        return pipeline.getParent().resolve(".sluice").resolve("crash.db");
    }

    private static boolean allDone(Path pipeline) {
        if (!Files.exists(ledgerFile(pipeline))) return false;
        try (Ledger ledger = SqliteLedger.open(ledgerFile(pipeline), "crash", Clock.systemUTC())) {
            var counts = ledger.counts();
            long notDone = counts.entrySet().stream()
                    .filter(e -> e.getKey() != SplitState.DONE)
                    .mapToLong(e -> e.getValue())
                    .sum();
            return notDone == 0 && counts.getOrDefault(SplitState.DONE, 0L) > 0;
        }
    }
}
