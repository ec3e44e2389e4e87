package io.sluice.ledger.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

/** One real PostgreSQL server per test JVM (zonky's Maven-packaged binaries, a random port); a schema per test. */
public final class TestPostgres {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .start(); // stopped on JVM exit
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    public static String url(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** A schema no test used before, on the shared server. */
    static PostgresConfig freshSchema() {
        return PostgresConfig.of(url(server().getPort()), "postgres", null, "t" + SCHEMAS.incrementAndGet());
    }
}
