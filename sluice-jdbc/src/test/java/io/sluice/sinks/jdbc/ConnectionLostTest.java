package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Which failures the sink takes for a lost connection, retried with backoff. The exceptions are built as PostgreSQL's
 * driver builds them (SQL state and message): SSL asked of a server without it comes with the same 08 state as a
 * server going away, and no retry would pass.
 */
class ConnectionLostTest {
    private final Dialect dialect = new PostgresDialect();

    @Test
    void sslRefusedByTheServerIsNotALostConnection() {
        assertThat(dialect.connectionLost(new SQLException("The server does not support SSL.", "08004")))
                .isFalse();
        assertThat(dialect.connectionLost(new SQLException(
                        "could not connect", new SQLException("The server does not support SSL.", "08004"))))
                .isFalse();
    }

    @Test
    void aServerGoingAwayIsALostConnection() {
        assertThat(dialect.connectionLost(
                        new SQLException("An I/O error occurred while sending to the backend.", "08006")))
                .isTrue();
        assertThat(dialect.connectionLost(
                        new SQLException("terminating connection due to administrator command", "57P01")))
                .isTrue();
    }
}
