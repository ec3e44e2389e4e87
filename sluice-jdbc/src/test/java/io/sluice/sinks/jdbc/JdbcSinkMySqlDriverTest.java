package io.sluice.sinks.jdbc;

/**
 * {@link JdbcSinkMariaDbTest}'s cases through MySQL's own driver (Connector/J, {@code jdbc:mysql:} urls) against the
 * same MariaDB server: what a user with MySQL's driver on the class path gets.
 */
class JdbcSinkMySqlDriverTest extends JdbcSinkMariaDbTest {
    @Override
    String scheme() {
        return "jdbc:mysql:";
    }
}
