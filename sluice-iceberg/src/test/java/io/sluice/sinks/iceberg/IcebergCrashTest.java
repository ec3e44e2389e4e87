package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.CrashLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files into an Iceberg table with real processes killed by SIGKILL at random moments (at least 20 times), then run
 * to the end: every input row is in the table once, read back with Iceberg's own reader, and no split has more than
 * one snapshot.
 */
class IcebergCrashTest {
    private static final int FILES = 24;
    private static final int ROWS = 3_000;

    @TempDir
    Path dir;

    @Test
    void killedAtRandomMomentsEveryRowLandsOnceInOneSnapshotPerSplit() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        for (int f = 0; f < FILES; f++) {
            StringBuilder csv = new StringBuilder("id,region,amount\n");
            for (int i = 0; i < ROWS; i++) {
                int id = f * ROWS + i;
                csv.append(id)
                        .append(',')
                        .append(id % 4 == 0 ? "eu" : "us")
                        .append(',')
                        .append(id % 97)
                        .append('\n');
            }
            Files.writeString(dir.resolve("in/f" + f + ".csv"), csv);
        }
        Path pipeline = dir.resolve("p.yaml");
        Files.writeString(pipeline, """
                pipeline: crash
                source: { files: { path: in, include: "*.csv", settle: 0s, pack: { max_files: 1 } } }
                sink:
                  iceberg:
                    table: db.rows
                    catalog: { type: jdbc, uri: "jdbc:sqlite:lake/catalog.db", warehouse: lake/warehouse }
                    partition_by: [region]
                run: { parallelism: 2, retries: { backoff: 10ms } }
                """);
        Path log = dir.resolve("runs.log");
        int kills = CrashLoop.run(pipeline, log, new Random(7), 20, 500, 3000, code -> {})
                .kills();
        assertThat(CrashLoop.runToTheEnd(pipeline, log, 180))
                .as("the last run's exit code; see %s", log)
                .isZero();

        Lake lake = new Lake(dir);
        List<String> ids = lake.rows("db.rows", "id");
        Set<String> distinct = new HashSet<>(ids);
        assertThat(ids).as("every row once (after %d kills)", kills).hasSize(FILES * ROWS);
        assertThat(distinct).hasSize(FILES * ROWS);
        List<String> splits = new ArrayList<>();
        for (Snapshot s : lake.snapshots("db.rows")) splits.add(s.summary().get(IcebergSink.SPLIT));
        assertThat(splits).as("one snapshot per split").hasSize(FILES).doesNotHaveDuplicates();
        assertThat(kills).as("killed at least 20 times").isGreaterThanOrEqualTo(20);
        assertThat(lake.warehouse().resolve(IcebergSink.STAGING))
                .as("what the killed processes staged went when the next run started")
                .doesNotExist();
    }
}
