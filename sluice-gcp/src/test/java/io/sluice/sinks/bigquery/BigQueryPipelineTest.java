package io.sluice.sinks.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gcp.bigquery.BigQueryStandIn;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipeline files run end to end by the local runner, the bigquery sink and source found through ServiceLoader as a
 * user's pipeline finds them, against {@link BigQueryStandIn} (an HTTP stand-in for BigQuery's REST API: no BigQuery
 * emulator runs here). The runner's claims give real fencing tokens, so the job ids carry them.
 */
class BigQueryPipelineTest {
    @TempDir
    Path dir;

    private BigQueryStandIn bq;

    @BeforeEach
    void start() throws Exception {
        bq = new BigQueryStandIn();
        bq.createDataset("shop");
    }

    @AfterEach
    void stop() throws Exception {
        bq.close();
    }

    private static RunSummary run(Path file) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(file);
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), "test", new RunListener() {}).run();
        }
    }

    @Test
    void csvFilesLandInTheTableOnceAcrossRuns() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/a.csv"), "id,amount\n1,1.50\n2,2.25\n3,3.00\n");
        Files.writeString(dir.resolve("in/b.csv"), "id,amount\n4,4.75\n5,5.00\n");
        Path file = dir.resolve("load.yaml");
        Files.writeString(file, """
                pipeline: load
                source: { files: { path: in, include: "*.csv", settle: 0s, pack: { max_files: 1 } } }
                steps:
                  - sql: SELECT id, CAST(amount AS DECIMAL(12,2)) AS amount FROM input
                sink:
                  bigquery: { project: proj, dataset: shop, table: orders, mode: merge, keys: [id], endpoint: "%s" }
                run: { parallelism: 2, retries: { backoff: 10ms } }
                """.formatted(bq.endpoint()));

        RunSummary first = run(file);
        assertThat(first.exitCode()).isZero();
        assertThat(first.splitsDone()).isEqualTo(2);
        assertThat(first.rowsOut()).isEqualTo(5);
        assertThat(bq.rows("SELECT id, amount FROM shop.orders ORDER BY id"))
                .containsExactly("1|1.50", "2|2.25", "3|3.00", "4|4.75", "5|5.00");
        assertThat(bq.schema("shop", "orders")).startsWith("id:INTEGER", "amount:NUMERIC(12,2)");
        assertThat(bq.jobIds())
                .filteredOn(id -> id.endsWith("_commit"))
                .hasSize(2)
                .allMatch(id -> id.contains("_t"));

        assertThat(run(file).splitsDone()).as("nothing new").isZero();
        Files.writeString(dir.resolve("in/c.csv"), "id,amount\n5,50.00\n6,6.00\n");
        assertThat(run(file).splitsDone()).isEqualTo(1);
        assertThat(bq.rows("SELECT id, amount FROM shop.orders ORDER BY id"))
                .as("merged on id")
                .containsExactly("1|1.50", "2|2.25", "3|3.00", "4|4.75", "5|50.00", "6|6.00");
    }

    /**
     * A csv file larger than {@code split_size} is cut into byte ranges, whose splits share the file's output key (one
     * version, disjoint ranges): each range's commit keeps the rows of the others, and a new version of the file
     * replaces the rows of every range of the old one.
     */
    @Test
    void theRangesOfALargeFileKeepEachOthersRows() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/big.csv"), numbered(0, 400, "v1"));
        Path file = dir.resolve("ranges.yaml");
        Files.writeString(file, """
                pipeline: ranges
                source: { files: { path: in, split_size: 1KB, settle: 0s } }
                sink:
                  bigquery: { project: proj, dataset: shop, table: lines, endpoint: "%s" }
                run: { parallelism: 2, retries: { backoff: 10ms } }
                """.formatted(bq.endpoint()));

        RunSummary first = run(file);
        assertThat(first.exitCode()).isZero();
        assertThat(first.splitsDone()).as("the file is cut into ranges").isGreaterThan(2);
        assertThat(bq.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), min(v), max(v) FROM shop.lines"))
                .as("every range's rows, once")
                .containsExactly("400|400|0|399|v1|v1");
        assertThat(bq.rows("SELECT count(*) FROM shop._sluice_commits"))
                .as("one commit record per range")
                .containsExactly(Long.toString(first.splitsDone()));

        Files.writeString(dir.resolve("in/big.csv"), numbered(1000, 300, "v2"));
        Files.setLastModifiedTime(dir.resolve("in/big.csv"), FileTime.fromMillis(60_000)); // a new version
        RunSummary second = run(file);
        assertThat(second.exitCode()).isZero();
        assertThat(second.splitsDone()).isGreaterThan(1);
        assertThat(bq.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), min(v), max(v) FROM shop.lines"))
                .as("the new version's ranges replace every range of the old one, and keep each other")
                .containsExactly("300|300|1000|1299|v2|v2");
        assertThat(bq.rows("SELECT count(*) FROM shop._sluice_commits"))
                .as("the old version's records went with its rows")
                .containsExactly(Long.toString(second.splitsDone()));
    }

    /** A csv of {@code n} rows numbered from {@code from}, each with the text {@code v}. */
    private static String numbered(int from, int n, String v) {
        StringBuilder csv = new StringBuilder("id,v\n");
        for (int i = from; i < from + n; i++)
            csv.append(i).append(',').append(v).append('\n');
        return csv.toString();
    }

    @Test
    void aQueryIsReadIntoFiles() throws Exception {
        bq.sql("CREATE TABLE shop.orders AS SELECT i::BIGINT AS id, 'o' || i AS name FROM range(1, 4) t(i)");
        Path file = dir.resolve("export.yaml");
        Files.writeString(file, """
                pipeline: export
                source:
                  bigquery: { project: proj, query: "SELECT id, name FROM `proj.shop.orders` ORDER BY id", endpoint: "%s" }
                sink: { files: { path: out, format: csv } }
                """.formatted(bq.endpoint()));
        RunSummary summary = run(file);
        assertThat(summary.exitCode()).isZero();
        assertThat(summary.rowsOut()).isEqualTo(3);
        List<Path> csv;
        try (var files = Files.walk(dir.resolve("out"))) {
            csv = files.filter(p -> p.toString().endsWith(".csv")).toList();
        }
        assertThat(csv).hasSize(1);
        assertThat(Files.readAllLines(csv.getFirst())).containsExactly("id,name", "1,o1", "2,o2", "3,o3");
        assertThat(run(file).splitsDone()).as("a query is read once per ledger").isZero();
    }
}
