package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline file run end to end: CSV files (the files source) into an Iceberg table on a JDBC catalog (SQLite) with a
 * local warehouse, as a user writes it, found by the sink's factory through ServiceLoader. Read back with Iceberg's
 * own reader: every row once, one snapshot per split, across a second run (nothing new) and a run with a new file.
 */
class IcebergPipelineTest {
    @TempDir
    Path dir;

    private Path pipeline() throws IOException {
        return pipeline("amount");
    }

    /** The pipeline file, its amounts computed by {@code amount} (an SQL expression). */
    private Path pipeline(String amount) throws IOException {
        Path file = dir.resolve("orders.yaml");
        Files.writeString(file, """
                pipeline: orders
                source: { files: { path: in, include: "*.csv", settle: 0s, pack: { max_files: 1 } } }
                steps:
                  - sql: SELECT id, region, CAST(%s AS DECIMAL(12,2)) AS amount, day FROM input
                sink:
                  iceberg:
                    table: shop.orders
                    catalog: { type: jdbc, uri: "jdbc:sqlite:lake/catalog.db", warehouse: lake/warehouse }
                    partition_by: [region]
                run: { parallelism: 2, retries: { backoff: 10ms } }
                """.formatted(amount));
        return file;
    }

    /** {@code in/<name>.csv} with {@code n} orders, ids from {@code first}. */
    private void input(String name, int first, int n) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        StringBuilder csv = new StringBuilder("id,region,amount,day\n");
        for (int i = first; i < first + n; i++) {
            csv.append(i)
                    .append(',')
                    .append(i % 3 == 0 ? "eu" : "us")
                    .append(',')
                    .append(i)
                    .append(".25,2024-03-0")
                    .append(1 + i % 5)
                    .append('\n');
        }
        Files.writeString(dir.resolve("in/" + name + ".csv"), csv);
    }

    private static RunSummary run(Path file) throws Exception {
        return run(file, false);
    }

    /** A run, as {@code sluice run}, with {@code --rebuild-outdated} when {@code rebuild}. */
    private static RunSummary run(Path file, boolean rebuild) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(file);
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            if (rebuild) a.ledger().requeueOutdated(p.version());
            return new LocalRunner(a, Clock.systemUTC(), "test", new RunListener() {}).run();
        }
    }

    @Test
    void csvFilesLandInTheTableOnceAcrossRuns() throws Exception {
        input("a", 0, 40);
        input("b", 40, 25);
        input("c", 65, 10);
        Path file = pipeline();

        RunSummary first = run(file);
        assertThat(first.exitCode()).isZero();
        assertThat(first.splitsDone()).as("a split per file").isEqualTo(3);
        assertThat(first.attemptsFailed()).isZero();
        assertThat(first.rowsOut()).isEqualTo(75);

        Lake lake = new Lake(dir);
        List<String> rows = lake.rows("shop.orders", "id", "region", "amount", "day");
        assertThat(rows).hasSize(75);
        assertThat(rows.stream().map(r -> r.substring(0, r.indexOf('|'))).distinct())
                .hasSize(75);
        assertThat(rows).contains("3|eu|3.25|2024-03-04", "7|us|7.25|2024-03-03");

        RunSummary again = run(file);
        assertThat(again.splitsDone()).as("nothing new").isZero();
        input("d", 75, 5);
        assertThat(run(file).splitsDone()).isEqualTo(1);

        assertThat(lake.rows("shop.orders", "id")).hasSize(80);
        List<Snapshot> snapshots = lake.snapshots("shop.orders");
        assertThat(snapshots).as("one snapshot per split").hasSize(4);
        Map<String, String> added = snapshots.stream()
                .collect(Collectors.toMap(
                        s -> s.summary().get(IcebergSink.SPLIT),
                        s -> s.summary().get("added-records")));
        assertThat(added.values()).containsExactlyInAnyOrder("40", "25", "10", "5");
        assertThat(snapshots)
                .allSatisfy(s -> assertThat(s.summary())
                        .containsEntry(IcebergSink.PIPELINE, "orders")
                        .containsKey(IcebergSink.TOKEN));
        assertThat(lake.table("shop.orders").spec().fields()).hasSize(1);
        // the staging folder is gone once the runs ended
        assertThat(Files.exists(lake.warehouse().resolve(IcebergSink.STAGING))).isFalse();
    }

    @Test
    void aRebuildReplacesTheRowsOfTheEarlierVersion() throws Exception {
        input("a", 0, 4);
        input("b", 4, 3);
        assertThat(run(pipeline()).rowsOut()).isEqualTo(7);

        // the step changed: --rebuild-outdated runs both splits again, whose new rows replace the old ones
        RunSummary rebuilt = run(pipeline("amount * 2"), true);
        assertThat(rebuilt.splitsDone()).isEqualTo(2);
        Lake lake = new Lake(dir);
        assertThat(lake.rows("shop.orders", "id", "amount"))
                .containsExactlyInAnyOrder("0|0.50", "1|2.50", "2|4.50", "3|6.50", "4|8.50", "5|10.50", "6|12.50");
        // and once more: the second rebuild's snapshots replace the first's
        assertThat(run(pipeline("amount * 3"), true).splitsDone()).isEqualTo(2);
        assertThat(lake.rows("shop.orders", "id", "amount"))
                .containsExactlyInAnyOrder("0|0.75", "1|3.75", "2|6.75", "3|9.75", "4|12.75", "5|15.75", "6|18.75");
        assertThat(lake.snapshots("shop.orders"))
                .as("a snapshot per split and run")
                .hasSize(6);
        assertThat(lake.snapshots("shop.orders"))
                .allSatisfy(s -> assertThat(s.summary()).containsKey(IcebergSink.PIPELINE_VERSION));
    }
}
