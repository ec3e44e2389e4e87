package io.sluice.sinks.iceberg;

import io.sluice.spi.sink.Sink;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit on an Iceberg table in {@code mode: overwrite} (JDBC catalog on SQLite, warehouse on local
 * disk): a replay's snapshot replaces what the split's earlier snapshots added, a new version of an input replaces
 * its earlier versions' rows, and the output key's lock token in the snapshot summary refuses a paused writer.
 */
class IcebergSinkConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    @Override
    protected Sink openSink() {
        return new Lake(dir).sink("db.kit", "overwrite", null);
    }

    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        return new Lake(dir).rows("db.kit", "tag", "n");
    }

    /** Every file under the warehouse: data, metadata and staging. */
    @Override
    protected Set<String> stored() throws Exception {
        Set<String> all = new TreeSet<>();
        Path w = new Lake(dir).warehouse();
        if (!Files.exists(w)) return all;
        try (Stream<Path> walk = Files.walk(w)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> all.add(w.relativize(p).toString()));
        }
        return all;
    }
}
