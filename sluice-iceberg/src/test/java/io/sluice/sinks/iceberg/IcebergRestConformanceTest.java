package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.sink.Sink;
import io.sluice.testkit.sink.SinkConformanceKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink conformance kit through Iceberg's REST catalog protocol: the sink's catalog is Iceberg's own REST client,
 * talking over HTTP to {@link RestCatalogServer} (Iceberg's server-side handlers on a JDBC catalog, a stand-in for a
 * real REST catalog service, none of which runs here). Commits go through the protocol's requirement checks, so a
 * commit that lost a race is refused by the server (409) as a real server refuses it.
 */
class IcebergRestConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    /** Every test's server, closed when the class is done (the kit's own clean-up still talks to it). */
    private static final List<RestCatalogServer> SERVERS = new java.util.ArrayList<>();

    private RestCatalogServer server;

    /** This test's server, started on first use: the kit opens its sink before a subclass's set-up would run. */
    private String uri() throws Exception {
        if (server == null) {
            server = new RestCatalogServer(dir, dir.resolve("lake/warehouse").toString());
            SERVERS.add(server);
        }
        return server.uri();
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (RestCatalogServer s : SERVERS) s.close();
    }

    @Override
    protected Sink openSink() throws Exception {
        return Lake.rest(dir, uri()).sink("db.kit", "overwrite", null);
    }

    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        return Lake.rest(dir, uri()).rows("db.kit", "tag", "n");
    }

    /** Every file under the server's warehouse: data, metadata and staging. */
    @Override
    protected Set<String> stored() throws Exception {
        Set<String> all = new TreeSet<>();
        Path w = dir.resolve("lake/warehouse");
        if (!Files.exists(w)) return all;
        try (Stream<Path> walk = Files.walk(w)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> all.add(w.relativize(p).toString()));
        }
        return all;
    }

    @Test
    void aSplitIsOneSnapshotThroughTheRestCatalog() throws Exception {
        sink = openSink();
        sink.prepare();
        write(split("a.csv", "v1"), "a", 4, current("w1"));
        write(split("b.csv", "v1"), "b", 2, current("w1"));
        assertThat(visibleRows(duck)).hasSize(6);
        assertThat(Lake.rest(dir, uri()).snapshots("db.kit")).hasSize(2);
    }
}
