package io.sluice.sinks.jdbc;

import io.sluice.spi.sink.Sink;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on the jdbc sink writing to a real MariaDB (Debian's mariadb-server, see
 * {@link io.sluice.testkit.TestMariaDb}), in append mode, as {@link JdbcSinkConformanceTest} does on PostgreSQL.
 */
class JdbcSinkMariaDbConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    private TestTarget target;

    @Override
    protected Sink openSink() throws Exception {
        if (target == null) target = TestTarget.mariaDb(dir);
        return target.sink("table: " + target.schema + ".items\n");
    }

    @Override
    protected List<String> visibleRows(java.sql.Connection duck) throws Exception {
        if (!target.exists("items")) return List.of();
        return target.rows("SELECT CONCAT(tag, '|', n) FROM " + target.schema + ".items");
    }

    /** Every table and row in the database: the target's and Sluice's own. */
    @Override
    protected Set<String> stored() throws Exception {
        return target.everything();
    }
}
