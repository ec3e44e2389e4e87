package io.sluice.sinks.jdbc;

import io.sluice.spi.sink.Sink;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the jdbc sink writing to a real PostgreSQL, in append mode (the mode in which a replay's
 * fewer rows must leave fewer rows; upsert and merge keep rows by key, see {@link JdbcSinkTest}). Nothing is adapted:
 * the target refuses a paused writer itself (the output's lock token is stored with the rows).
 */
class JdbcSinkConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    private TestTarget target;

    @Override
    protected Sink openSink() throws Exception {
        if (target == null) target = new TestTarget(dir);
        return target.sink("table: " + target.schema + ".items\n");
    }

    @Override
    protected List<String> visibleRows(java.sql.Connection duck) throws Exception {
        if (!target.exists("items")) return List.of();
        return target.rows("SELECT tag || '|' || n FROM " + target.schema + ".items");
    }

    /** Every table and row in the schema: the target's and Sluice's own. */
    @Override
    protected Set<String> stored() throws Exception {
        return target.everything();
    }
}
