package io.sluice.sinks.bigquery;

import io.sluice.spi.sink.Sink;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the bigquery sink, in append mode, against the {@link
 * io.sluice.gcp.bigquery.BigQueryStandIn} (no BigQuery emulator runs here: see its javadoc for what the stand-in does
 * not check, concurrent transactions among them). The target refuses a paused writer itself: the output's lock token
 * is recorded in {@code _sluice_outputs} in the commit's transaction.
 */
class BigQuerySinkConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    private BigQueryTarget target;

    @Override
    protected Sink openSink() throws Exception {
        if (target == null) target = new BigQueryTarget(dir);
        return target.sink("dataset: ds\ntable: items\n");
    }

    @Override
    protected List<String> visibleRows(java.sql.Connection duck) throws Exception {
        if (!target.bq.tables("ds").contains("items")) return List.of();
        return target.bq.rows("SELECT tag || '|' || n FROM ds.items");
    }

    /** Every table of the dataset and its rows: the target's and Sluice's own. */
    @Override
    protected Set<String> stored() throws Exception {
        Set<String> all = new TreeSet<>();
        for (String t : target.bq.tables("ds")) {
            all.add(t);
            for (String row : target.bq.rows("SELECT * FROM ds.\"" + t + "\"")) all.add(t + ": " + row);
        }
        return all;
    }

    @AfterEach
    void stop() throws Exception {
        if (target != null) target.close();
    }
}
