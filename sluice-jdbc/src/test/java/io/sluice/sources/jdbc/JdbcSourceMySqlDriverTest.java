package io.sluice.sources.jdbc;

/**
 * {@link JdbcSourceMariaDbTest}'s cases through MySQL's own driver (Connector/J, a {@code jdbc:mysql:} url) against
 * the same MariaDB server. {@code useCursorFetch=true} makes Connector/J stream by the fetch size (without it, it reads
 * the whole result into memory first).
 */
class JdbcSourceMySqlDriverTest extends JdbcSourceMariaDbTest {
    @Override
    TestDatabase database() {
        TestDatabase maria = TestDatabase.mariaDb();
        return new TestDatabase(
                maria.url().replace("jdbc:mariadb:", "jdbc:mysql:") + "?useCursorFetch=true",
                maria.user(),
                maria.password());
    }
}
