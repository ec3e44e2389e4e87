package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.SplitState;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aggregate in a worker pool: three {@code sluice worker} processes share one pipeline (its SQLite ledger on this
 * machine) whose totals are partitioned by group, while files keep arriving. Every worker merges when its splits are
 * done and once more when it stops, so merges of different processes fall at the same time; they take turns under
 * the ledger's merge lock, or leave the work to a merge that began later. At the end the totals equal one query over
 * every input row: no group missing (a partition file removed by another merge), none counted twice or left behind.
 */
class PoolAggregateTest {
    private static final int WAVES = 3;
    private static final int FILES_PER_WAVE = 40;
    private static final int GROUPS = 6;

    @TempDir
    Path tmp;

    @Test
    void totalsOfAPoolStayExactWhileItsWorkersMergeAtOnce() throws Exception {
        Workspace ws = Workspace.in(tmp.resolve("ws"));
        Path ledger = tmp.resolve("ledger.db");
        Path pipeline = ws.pipeline("""
                pipeline: pool-totals
                source:
                  files: { path: in, include: "**/*.csv", pack: { max_files: 1 } }
                steps:
                  - aggregate: { group_by: [grp], measures: { total: sum(v), lines: count(*) } }
                sink:
                  files: { path: out, format: csv, partition_by: [grp] }
                state: { sqlite: "%s" }
                run: { parallelism: 1, interval: 300ms }
                """.formatted(ledger));
        Map<String, long[]> expected = new TreeMap<>(); // group -> total, lines
        List<Procs.Proc> workers = new ArrayList<>();
        for (int w = 1; w <= 3; w++) workers.add(Procs.worker("w" + w, pipeline, tmp.resolve("logs"), Map.of()));
        int files = 0;
        for (int wave = 0; wave < WAVES; wave++) {
            for (int i = 0; i < FILES_PER_WAVE; i++, files++) {
                StringBuilder csv = new StringBuilder("grp,v\n");
                for (int r = 0; r < 4; r++) {
                    String grp = "g" + (files + r) % GROUPS;
                    long v = files * 10L + r;
                    csv.append(grp).append(',').append(v).append('\n');
                    long[] sums = expected.computeIfAbsent(grp, g -> new long[2]);
                    sums[0] += v;
                    sums[1]++;
                }
                ws.input("d" + wave + "/f" + files + ".csv", csv.toString());
            }
            awaitDone(ledger, files, workers);
        }
        for (Procs.Proc p : workers) p.terminate(); // each merges once more as it stops
        for (Procs.Proc p : workers) {
            assertThat(p.exitCode(180))
                    .as("exit code of %s after SIGTERM; log:%n%s", p.name(), p.tail())
                    .isZero();
        }

        List<String> want = new ArrayList<>();
        expected.forEach((g, sums) -> want.add(g + "|" + sums[0] + "|" + sums[1]));
        assertThat(ws.outputRows("grp, total, lines", "csv")).containsExactlyElementsOf(want);
        String logs =
                String.join("", workers.stream().map(PoolAggregateTest::log).toList());
        assertThat(logs).as("merges by the workers").contains("totals rebuilt");
        assertThat(logs).doesNotContain("merging the partial results failed");
    }

    /** Waits until the ledger holds {@code files} splits, all done; fails with the workers' logs after 3 minutes. */
    private static void awaitDone(Path ledger, int files, List<Procs.Proc> workers) throws Exception {
        long until = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < until) {
            try (SqliteLedger l = SqliteLedger.open(ledger, "pool-totals", Clock.systemUTC())) {
                if (l.counts().getOrDefault(SplitState.DONE, 0L) == files) return;
            } catch (RuntimeException e) {
                // not created yet by the workers, or busy: looked at again
            }
            Thread.sleep(200);
        }
        StringBuilder tails = new StringBuilder();
        for (Procs.Proc p : workers)
            tails.append(p.name()).append(":\n").append(p.tail()).append('\n');
        throw new AssertionError(files + " split(s) not all done within 3 minutes; logs:\n" + tails);
    }

    private static String log(Procs.Proc p) {
        try {
            return p.logText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
