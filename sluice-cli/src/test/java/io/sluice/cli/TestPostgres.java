package io.sluice.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One real PostgreSQL server for the CLI tests that read tables (zonky's Maven-packaged binaries, a random port),
 * started at first use and stopped on JVM exit; each test class uses tables of its own names.
 */
final class TestPostgres {
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }
}
