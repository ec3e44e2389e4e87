package io.sluice.sinks.jdbc;

import io.sluice.config.Connections;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.ledger.postgres.TestPostgres;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.testkit.TestMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fresh schema on the test JVM's one PostgreSQL server ({@link TestPostgres}), or a fresh database on its one
 * MariaDB server ({@link TestMariaDb}), a {@code connections.yaml} naming it {@code pg} (or {@code maria}) in a folder
 * of the test's, and jdbc sinks over it, made through the factory from sink options as a pipeline writes them.
 */
final class TestTarget {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    final Path dir;
    final String schema;
    /** The connection's name in connections.yaml. */
    final String connection;

    private final boolean mariaDb;
    private final String url;

    /** PostgreSQL. */
    TestTarget(Path dir) throws Exception {
        this.dir = dir;
        this.schema = "sink" + SCHEMAS.incrementAndGet();
        this.connection = "pg";
        this.mariaDb = false;
        this.url = url();
        sql("CREATE SCHEMA " + schema);
        Files.writeString(
                dir.resolve(Connections.FILE_NAME), "pg: { url: \"" + url() + "\", user: postgres, pool_size: 8 }\n");
    }

    private TestTarget(Path dir, String url, String schema) throws Exception {
        this.dir = dir;
        this.schema = schema;
        this.connection = "maria";
        this.mariaDb = true;
        this.url = url;
        Files.writeString(
                dir.resolve(Connections.FILE_NAME),
                "maria: { url: \"" + url + "\", user: " + TestMariaDb.USER + ", password: \"" + TestMariaDb.PASSWORD
                        + "\", pool_size: 8 }\n");
    }

    /** A fresh database on MariaDB, through MariaDB's driver ({@code jdbc:mariadb:}) or MySQL's ({@code jdbc:mysql:}). */
    static TestTarget mariaDb(Path dir, String scheme) throws Exception {
        TestMariaDb server = TestMariaDb.shared();
        String database = server.freshDatabase();
        return new TestTarget(dir, server.url(database).replace("jdbc:mariadb:", scheme), database);
    }

    static TestTarget mariaDb(Path dir) throws Exception {
        return mariaDb(dir, "jdbc:mariadb:");
    }

    /** What a CREATE TABLE ends with for text of any language: MariaDB's default character set may be latin1. */
    String utf8() {
        return mariaDb ? " DEFAULT CHARSET=utf8mb4" : "";
    }

    /** The identifier quoted for this target's database. */
    String quote(String identifier) {
        return mariaDb ? "`" + identifier + "`" : "\"" + identifier + "\"";
    }

    private Connection open() throws SQLException {
        if (!mariaDb) return connect();
        Connection c = DriverManager.getConnection(url, TestMariaDb.USER, TestMariaDb.PASSWORD);
        try (Statement s = c.createStatement()) {
            s.execute("SET time_zone = '+00:00'");
        }
        return c;
    }

    static String url() {
        return TestPostgres.url(TestPostgres.server().getPort());
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), "postgres", null);
    }

    private static boolean passwordUser;

    /**
     * Makes {@code user} log in with a password on the shared server: the server trusts every local user, so a line
     * for this user alone goes first in its pg_hba.conf (the others stay trusted).
     */
    static synchronized void requirePasswordFor(String user, String password) throws Exception {
        if (passwordUser) return;
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
            Path hba;
            try (ResultSet r = s.executeQuery("SHOW hba_file")) {
                r.next();
                hba = Path.of(r.getString(1));
            }
            Files.writeString(
                    hba,
                    "host all " + user + " 127.0.0.1/32 scram-sha-256\nhost all " + user + " ::1/128 scram-sha-256\n"
                            + Files.readString(hba));
            s.execute("SELECT pg_reload_conf()");
        }
        passwordUser = true;
    }

    Options options(String yaml) {
        JdbcSinkFactory factory = new JdbcSinkFactory();
        Connections connections = Connections.load(dir.resolve(Connections.FILE_NAME), k -> null);
        return new Validator(dir, k -> null, connections)
                .validate(YamlReader.parse("p.yaml", yaml), (Type.Obj) factory.options(), "sink.jdbc");
    }

    /** A sink from its options ({@code connection: pg} and the table in this schema are added when not written). */
    Sink sink(String yaml, BadRecordPolicy policy) {
        return sink(yaml, policy, "p");
    }

    /** The same, of the pipeline so named. */
    Sink sink(String yaml, BadRecordPolicy policy, String pipeline) {
        String withConnection = yaml.contains("connection:") ? yaml : "connection: " + connection + "\n" + yaml;
        return new JdbcSinkFactory()
                .create(
                        options(withConnection),
                        new PipelineContext(pipeline, dir.resolve("p.yaml"), 2, policy, Clock.systemUTC()));
    }

    Sink sink(String yaml) {
        return sink(yaml, BadRecordPolicy.DEAD_LETTER);
    }

    void sql(String statement) throws SQLException {
        try (Connection c = open();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** Each row of the query as its columns joined by {@code |} (NULL as "null"). */
    List<String> rows(String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = open();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(query)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) row.append(i > 1 ? "|" : "").append(r.getString(i));
                out.add(row.toString());
            }
        }
        return out;
    }

    /**
     * The SQL expression of the id of the split that wrote a row of the table aliased {@code alias}: its commit's record
     * where rows carry commit numbers (PostgreSQL), its {@code _sluice_split} where they carry split ids (MariaDB).
     */
    String writtenBy(String alias) {
        return mariaDb
                ? alias + "._sluice_split"
                : "(SELECT c.split_id FROM " + schema + "._sluice_commits c WHERE c.commit_number = " + alias
                        + "._sluice_split)";
    }

    /**
     * Whether a session of the server waits for a lock (a row another transaction holds) while it runs a statement
     * that contains {@code statementPart}; on MariaDB, whether another session runs such a statement at all.
     */
    boolean waitsForALock(String statementPart) throws SQLException {
        // MariaDB: innodb_trx does not always show an INSERT waiting for a row's lock as LOCK WAIT (seen in CI), so
        // another session running the statement counts: it cannot end while the lock is held
        String query = mariaDb
                ? "SELECT count(*) FROM information_schema.processlist WHERE command = 'Query' AND info LIKE ?"
                        + " AND id <> CONNECTION_ID()"
                : "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?";
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement(query)) {
            s.setString(1, "%" + statementPart + "%");
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getInt(1) > 0;
            }
        }
    }

    /**
     * Waits until {@code done} is complete or a session waits for a lock in a statement containing
     * {@code statementPart} ({@link #waitsForALock}): what another transaction does next then meets that statement
     * blocked, or after it.
     */
    void awaitDoneOrBlocked(java.util.concurrent.Future<?> done, String statementPart) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!done.isDone() && !waitsForALock(statementPart)) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("neither done nor blocked: " + statementPart + "; the server's sessions: "
                        + rows(
                                mariaDb
                                        ? "SELECT concat_ws(' | ', id, command, state, info) FROM information_schema.processlist"
                                        : "SELECT concat_ws(' | ', pid, state, wait_event_type, wait_event, query)"
                                                + " FROM pg_stat_activity"));
            Thread.sleep(10);
        }
    }

    /** The columns of each index of the table of this schema, in each index's order, joined by {@code ,}. */
    List<String> indexes(String table) throws SQLException {
        String query = mariaDb
                ? "SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) FROM information_schema.statistics"
                        + " WHERE table_schema = '" + schema + "' AND table_name = '" + table + "' GROUP BY index_name"
                : "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i"
                        + " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace"
                        + " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n)"
                        + " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
                        + " WHERE s.nspname = '" + schema + "' AND t.relname = '" + table + "' GROUP BY i.indexrelid";
        return rows(query);
    }

    /**
     * Holds, until closed, the lock under which the sink's commits change the bookkeeping of this schema (its DDL): a
     * commit that finds the bookkeeping complete never asks for it.
     */
    Connection holdBookkeepingLock() throws SQLException {
        String name = "sluice:" + schema;
        Connection c = open();
        try (PreparedStatement s =
                c.prepareStatement(mariaDb ? "SELECT GET_LOCK(?, 0)" : "SELECT pg_advisory_lock(hashtext(?))")) {
            s.setString(1, mariaDb ? MariaDbDialect.lockName(name) : name);
            s.executeQuery().close();
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The table's statistics brought up to date, for the planner. */
    void analyze(String table) throws SQLException {
        sql((mariaDb ? "ANALYZE TABLE " : "ANALYZE ") + schema + "." + quote(table));
    }

    /**
     * How the database would run the statement with these parameters: PostgreSQL's plan, each line; MariaDB's index
     * chosen for each table ({@code key}, null for none: a scan), not the ones it considered.
     */
    List<String> plan(String statement, List<String> parameters) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement("EXPLAIN " + statement)) {
            for (int i = 0; i < parameters.size(); i++) s.setString(i + 1, parameters.get(i));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(mariaDb ? "key: " + r.getString("key") : r.getString(1));
            }
        }
        return out;
    }

    void dropIndex(String table, String index) throws SQLException {
        sql(
                mariaDb
                        ? "DROP INDEX " + quote(index) + " ON " + schema + "." + quote(table)
                        : "DROP INDEX " + schema + "." + quote(index));
    }

    boolean exists(String table) throws SQLException {
        return !rows("SELECT 1 FROM information_schema.tables WHERE table_schema = '" + schema + "' AND table_name = '"
                        + table + "'")
                .isEmpty();
    }

    /** Every table of the schema with every row, as text. */
    TreeSet<String> everything() throws SQLException {
        TreeSet<String> all = new TreeSet<>();
        for (String table :
                rows("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'")) {
            all.add(table);
            for (String row : rows("SELECT * FROM " + schema + "." + quote(table))) all.add(table + ": " + row);
        }
        return all;
    }
}
