package io.sluice.sources.jdbc;

import io.sluice.ledger.postgres.TestPostgres;
import io.sluice.testkit.TestMariaDb;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A database no test used before, on the real server of this JVM (a schema of PostgreSQL, a database of MariaDB),
 * with its session in UTC like the source's.
 */
record TestDatabase(String url, String user, String password) {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    static TestDatabase postgres() throws SQLException {
        String schema = "src" + SCHEMAS.incrementAndGet();
        TestDatabase db = new TestDatabase(
                TestPostgres.url(TestPostgres.server().getPort()) + "?currentSchema=" + schema, "postgres", "");
        db.sql("CREATE SCHEMA " + schema);
        return db;
    }

    static TestDatabase mariaDb() {
        TestMariaDb server = TestMariaDb.shared();
        return new TestDatabase(server.url(server.freshDatabase()), TestMariaDb.USER, TestMariaDb.PASSWORD);
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, user, password);
        try (Statement s = c.createStatement()) {
            s.execute(url.startsWith("jdbc:postgresql:") ? "SET TimeZone = 'UTC'" : "SET time_zone = '+00:00'");
        }
        return c;
    }

    void sql(String... statements) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String st : statements) s.execute(st);
        }
    }

    /** Waits until the database's clock makes the condition true. */
    void waitUntil(String condition) throws SQLException, InterruptedException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (int i = 0; i < 300; i++) {
                try (ResultSet rs = s.executeQuery(condition)) {
                    rs.next();
                    if (rs.getBoolean(1)) return;
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("timed out waiting for " + condition);
    }

    /** A connection of this name in {@code connections.yaml}, with {@code password} instead of the right one. */
    String connection(String name, String password) {
        return name + ": { url: \"" + url + "\", user: " + user + ", password: \"" + password + "\" }\n";
    }

    String connection(String name) {
        return connection(name, password);
    }
}
