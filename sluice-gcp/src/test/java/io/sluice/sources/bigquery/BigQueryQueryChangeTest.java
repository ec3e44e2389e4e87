package io.sluice.sources.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.gcp.bigquery.BigQueryStandIn;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Planner;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query edited after it was read: its split id is a hash of the query, so the new query was new work, read in full
 * beside what the earlier one wrote (5 rows, then 3 more in a files sink: 8, silently). Now the plan fails at
 * {@code query} until the user chooses. Pipeline files run by the local runner against {@link BigQueryStandIn} (an
 * HTTP stand-in for BigQuery's REST API), with a files sink.
 */
class BigQueryQueryChangeTest {
    @TempDir
    Path dir;

    private BigQueryStandIn bq;

    @BeforeEach
    void start() throws Exception {
        bq = new BigQueryStandIn();
        bq.createDataset("shop");
        bq.sql("CREATE TABLE shop.orders AS SELECT i::BIGINT AS id, 'o' || i AS name FROM range(1, 6) t(i)");
    }

    @AfterEach
    void stop() throws Exception {
        bq.close();
    }

    /** Writes the pipeline file reading {@code query} into CSV files under {@code out}. */
    private Path pipeline(String query) throws Exception {
        return pipeline(query, "fail");
    }

    private Path pipeline(String query, String afterChange) throws Exception {
        Path file = dir.resolve("export.yaml");
        Files.writeString(file, """
                pipeline: export
                source:
                  bigquery:
                    project: proj
                    query: "%s"
                    endpoint: "%s"
                    after_change: %s
                sink: { files: { path: out, format: csv } }
                """.formatted(query, bq.endpoint(), afterChange));
        return file;
    }

    private static Pipeline load(Path file) {
        return new PipelineLoader(Components.discover(), name -> null).load(file);
    }

    private static RunSummary run(Path file) throws Exception {
        try (Assembly a = Assembly.of(load(file), Components.discover(), Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), "test", new RunListener() {}).run();
        }
    }

    /** What {@code sluice plan} shows: the preview, registering nothing. */
    private static void preview(Path file) throws Exception {
        try (Assembly a = Assembly.of(load(file), Components.discover(), Clock.systemUTC())) {
            new Planner(a.source(), a.ledger()).preview();
        }
    }

    /** What {@code sluice validate} asks the source: its check against the ledger of earlier runs. */
    private static void validate(Path file) throws Exception {
        try (Assembly a = Assembly.of(load(file), Components.discover(), Clock.systemUTC())) {
            a.source().check(Planner.view(a.ledger()));
        }
    }

    /** {@code sluice reset PIPELINE [--delete-output] --yes}: the ledger forgotten, then the sink's output removed. */
    private static void reset(Path file, boolean deleteOutput) throws Exception {
        Components c = Components.discover();
        Pipeline p = load(file);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        if (deleteOutput) Assembly.openSink(p, c, Clock.systemUTC()).deleteOutput();
    }

    /** The rows of every CSV file the sink wrote, headers left out, sorted. */
    private List<String> output() throws Exception {
        List<String> rows = new ArrayList<>();
        Path out = dir.resolve("out");
        if (!Files.exists(out)) return rows;
        try (var files = Files.walk(out)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
                List<String> lines = Files.readAllLines(f);
                rows.addAll(lines.subList(1, lines.size()));
            }
        }
        rows.sort(null);
        return rows;
    }

    @Test
    void anEditedQueryStopsUntilTheUserChoosesAndTheOutputHoldsEachRowOnce() throws Exception {
        String all = "SELECT id, name FROM `proj.shop.orders`";
        Path file = pipeline(all);
        assertThat(run(file).rowsOut()).isEqualTo(5);
        assertThat(run(file).splitsDone()).as("the same query: read already").isZero();

        // the query edited: another query, which would read 3 rows beside the 5 there are
        String later = all + " WHERE id > 2";
        pipeline(later);
        assertThatThrownBy(() -> run(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":5:")
                .hasMessageContaining("source.bigquery.query: this query has read nothing yet")
                .hasMessageContaining("and an earlier query (bigquery@")
                .hasMessageContaining("SELECT id, name FROM `proj.shop.orders`) was read (split bigquery@")
                .hasMessageContaining("#all, done)")
                .hasMessageContaining("sluice reset " + file + " --delete-output --yes, then run")
                .hasMessageContaining("sluice reset " + file + " --yes, then run")
                .hasMessageContaining("or put the earlier query back");
        assertThatThrownBy(() -> preview(file))
                .as("sluice plan says the same")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this query has read nothing yet");
        assertThatThrownBy(() -> validate(file))
                .as("sluice validate says the same")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this query has read nothing yet");
        assertThat(output()).as("the 5 rows once, not 8").containsExactly("1,o1", "2,o2", "3,o3", "4,o4", "5,o5");

        // the earlier query put back: read already, nothing more
        pipeline(all);
        assertThat(run(file).splitsDone()).isZero();
        validate(file);

        // reset --delete-output: the output holds what the new query reads, once
        pipeline(later);
        reset(file, true);
        assertThat(run(file).rowsOut()).isEqualTo(3);
        assertThat(output()).containsExactly("3,o3", "4,o4", "5,o5");

        // another query, then reset keeping the output: read beside the earlier output, as the choice says
        pipeline("SELECT id, name FROM `proj.shop.orders` WHERE id = 1");
        assertThatThrownBy(() -> run(file)).hasMessageContaining("this query has read nothing yet");
        reset(file, false);
        assertThat(run(file).rowsOut()).isEqualTo(1);
        assertThat(output()).containsExactly("1,o1", "3,o3", "4,o4", "5,o5");
    }

    /** {@code after_change: add}: a query per range, each edit new work read once beside the earlier ranges' rows. */
    @Test
    void withAfterChangeAddEachEditedQueryIsReadOnceBesideTheEarlierOutput() throws Exception {
        String first = "SELECT id, name FROM `proj.shop.orders` WHERE id <= 2";
        Path file = pipeline(first, "add");
        assertThat(run(file).rowsOut()).isEqualTo(2);
        pipeline("SELECT id, name FROM `proj.shop.orders` WHERE id > 2", "add");
        preview(file);
        validate(file);
        assertThat(run(file).rowsOut()).isEqualTo(3);
        pipeline(first, "add");
        assertThat(run(file).splitsDone()).as("a range read already").isZero();
        assertThat(output()).containsExactly("1,o1", "2,o2", "3,o3", "4,o4", "5,o5");
    }
}
