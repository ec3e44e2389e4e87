package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One pipeline for a pool test: small CSV files (one split each), the pipeline file on a given backend, and the
 * final check that every split is done once in the ledger and every input row is in the output exactly once.
 */
final class Scenario {
    static final int ROWS_PER_FILE = 5;

    final Workspace ws;
    final Backend backend;
    final String name;
    final Path pipeline;
    final Path logs;
    private final List<String> expected = new ArrayList<>();
    private int files;

    Scenario(Path dir, Backend backend, String name, String runOptions) throws Exception {
        this.ws = Workspace.in(dir);
        this.backend = backend;
        this.name = name;
        this.logs = dir.resolve("logs");
        this.pipeline = ws.pipeline("""
                pipeline: %s
                source:
                  files: { path: in, include: "**/*.csv", pack: { max_files: 1 } }
                steps:
                  - sql: SELECT id, grp, v FROM input
                sink:
                  files: { path: out, format: csv }
                state: %s
                run:
                  parallelism: 2
                  interval: 1s
                  retries: { max: 20, backoff: 100ms }
                  on_bad_record: fail
                  engine: { threads: 1, memory_limit: 256MB }
                %s""".formatted(name, backend.state(), runOptions.indent(2)));
    }

    /** Writes files {@code from} (inclusive) to {@code to} (exclusive), settled: dated a minute back. */
    void writeFiles(int from, int to) throws Exception {
        for (int f = from; f < to; f++) {
            StringBuilder csv = new StringBuilder("id,grp,v\n");
            for (int r = 0; r < ROWS_PER_FILE; r++) {
                long id = (long) f * ROWS_PER_FILE + r;
                csv.append(id)
                        .append(",g")
                        .append(f % 7)
                        .append(',')
                        .append(id * 3)
                        .append('\n');
                expected.add(id + "|g" + (f % 7) + "|" + id * 3);
            }
            ws.input("d" + (f % 10) + "/f" + f + ".csv", csv.toString());
            files++;
        }
    }

    Map<String, String> env() {
        return backend.env();
    }

    /** The final word: every split done once, and the output holds every input row exactly once. */
    Outcome assertExactlyOnce() throws Exception {
        List<SplitInfo> splits;
        try (Ledger ledger = backend.open(name)) {
            splits = ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE);
        }
        assertThat(splits).as("one split per input file, each registered once").hasSize(files);
        assertThat(splits.stream().map(SplitInfo::id).distinct()).hasSize(files);
        assertThat(splits).as("every split done").allSatisfy(s -> {
            assertThat(s.state()).as("state of %s", s.id()).isEqualTo(SplitState.DONE);
            assertThat(s.rowsOut()).as("rows recorded for %s", s.id()).isEqualTo(ROWS_PER_FILE);
        });
        List<String> rows = ws.outputRows("id, grp, v", "csv");
        assertSameRows(rows, expected);
        return new Outcome(files, splits.stream().filter(s -> s.attempts() > 1).count());
    }

    /** @param retaken splits that took more than one claim: the kills and pauses landed on work in flight */
    record Outcome(int splits, long retaken) {}

    static void assertSameRows(List<String> actual, List<String> expected) {
        Map<String, Integer> diff = new TreeMap<>();
        expected.forEach(r -> diff.merge(r, 1, Integer::sum));
        actual.forEach(r -> diff.merge(r, -1, Integer::sum));
        diff.values().removeIf(n -> n == 0);
        List<String> missing = diff.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .map(e -> e.getValue() + "x " + e.getKey())
                .toList();
        List<String> extra = diff.entrySet().stream()
                .filter(e -> e.getValue() < 0)
                .map(e -> -e.getValue() + "x " + e.getKey())
                .toList();
        assertThat(diff)
                .as(
                        "%d rows out, %d expected; %d missing, e.g. %s; %d extra, e.g. %s",
                        actual.size(),
                        expected.size(),
                        missing.size(),
                        missing.stream().limit(5).toList(),
                        extra.size(),
                        extra.stream().limit(5).toList())
                .isEmpty();
    }
}
