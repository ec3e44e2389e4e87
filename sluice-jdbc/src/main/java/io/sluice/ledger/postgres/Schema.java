package io.sluice.ledger.postgres;

import io.sluice.spi.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The ledger's tables, versioned in {@code sluice_schema_version}: one row per applied migration. A later Sluice
 * appends a migration; a schema written by a newer Sluice is refused rather than misread.
 *
 * <p>Migrations run under an advisory lock, so processes starting together on an empty database apply each
 * migration once; the others wait, then find the schema current.
 */
final class Schema {
    /** "SLUI": the advisory-lock class of Sluice's locks, so they cannot collide with an application's own. */
    static final int LOCK_CLASS = 0x534C5549;
    /** The advisory lock key migrations hold; registrations use the pipeline's hash instead. */
    static final int MIGRATION_LOCK = 0;

    // {s} is the quoted schema name
    private static final List<String> V1 = List.of(
            """
            CREATE TABLE {s}.splits (
                seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- registration order: claims take the lowest
                pipeline    text   NOT NULL,
                id          text   NOT NULL,
                state       text   NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'dead')),
                token       bigint NOT NULL DEFAULT 0,
                owner       text,
                lease_until bigint,                                           -- epoch millis, like every time here
                attempts    int    NOT NULL DEFAULT 0,
                next_retry  bigint,
                last_error  text,
                bytes       bigint NOT NULL,
                members     int    NOT NULL,
                rows_in     bigint,
                rows_out    bigint,
                rejected    bigint,
                outputs     jsonb,
                created     bigint NOT NULL,
                updated     bigint NOT NULL,
                UNIQUE (pipeline, id)
            )""",
            // claims scan only the open splits, in registration order; done and dead ones stay out of their way
            """
            CREATE INDEX splits_open ON {s}.splits (pipeline, seq)
                WHERE state IN ('pending', 'failed', 'claimed')""",
            "CREATE INDEX splits_by_state ON {s}.splits (pipeline, state, seq)",
            """
            CREATE TABLE {s}.members (
                split_seq   bigint NOT NULL REFERENCES {s}.splits (seq) ON DELETE CASCADE,
                ord         int    NOT NULL,
                pipeline    text   NOT NULL,
                key         text   NOT NULL,
                fingerprint text   NOT NULL,
                range_start bigint NOT NULL,
                range_end   bigint NOT NULL,                                  -- -1: to the end
                digest      text,
                PRIMARY KEY (split_seq, ord)
            )""",
            // one version of one input is registered once: this is how concurrent planners agree
            "CREATE UNIQUE INDEX members_identity ON {s}.members (pipeline, key, fingerprint, range_start)",
            "CREATE INDEX members_latest ON {s}.members (pipeline, key, split_seq DESC)",
            """
            CREATE TABLE {s}.digests (
                pipeline text NOT NULL,
                sha256   text NOT NULL,
                key      text NOT NULL,
                PRIMARY KEY (pipeline, sha256)
            )""",
            // fencing tokens come from one sequence that reset never rewinds, so a claim from before a reset
            // can never match a split registered after it
            "CREATE SEQUENCE {s}.tokens");

    // worker pools: who is alive (announced within its ttl) and who lists the source
    private static final List<String> V2 = List.of(
            """
            CREATE TABLE {s}.workers (
                pipeline  text   NOT NULL,
                id        text   NOT NULL,
                host      text   NOT NULL,
                pid       bigint NOT NULL,
                started   bigint NOT NULL,
                threads   int    NOT NULL,
                last_seen bigint NOT NULL,
                expires   bigint NOT NULL,
                PRIMARY KEY (pipeline, id)
            )""",
            """
            CREATE TABLE {s}.leaders (
                pipeline    text   PRIMARY KEY,
                holder      text   NOT NULL,
                lease_until bigint NOT NULL
            )""");

    /** {@code MIGRATIONS.get(v)} brings a schema from version {@code v} to {@code v + 1}. */
    private static final List<List<String>> MIGRATIONS = List.of(V1, V2);

    static final int VERSION = MIGRATIONS.size();

    private Schema() {
    }

    /** Creates or upgrades the ledger's tables; a no-op (one query) when they are current. */
    static void migrate(Connection c, PostgresConfig config) throws SQLException {
        if (version(c, config) == VERSION) return;
        String lock = "(" + LOCK_CLASS + ", " + MIGRATION_LOCK + ")";
        try (Statement st = c.createStatement()) {
            // a session lock taken before the transaction begins: a transaction begun earlier could keep a stale
            // view of the catalog and miss the tables another process created while this one waited
            st.execute("SELECT pg_advisory_lock" + lock);
            try {
                c.setAutoCommit(false);
                apply(c, st, config);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
                st.execute("SELECT pg_advisory_unlock" + lock);
            }
        }
    }

    private static void apply(Connection c, Statement st, PostgresConfig config) throws SQLException {
        String s = quote(config.schema());
        int from = version(c, config); // asked again under the lock: another process may have migrated
        if (from == VERSION) return;
        if (!bool(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)", config.schema())) {
            st.execute("CREATE SCHEMA " + s);
        }
        st.execute("CREATE TABLE IF NOT EXISTS " + s + ".sluice_schema_version ("
                + "version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())");
        for (int v = from; v < VERSION; v++) {
            for (String sql : MIGRATIONS.get(v)) st.execute(sql.replace("{s}", s));
            st.execute("INSERT INTO " + s + ".sluice_schema_version (version) VALUES (" + (v + 1) + ")");
        }
    }

    /** The schema's version: 0 when Sluice never wrote it; refuses schemas that are not ours or are newer. */
    private static int version(Connection c, PostgresConfig config) throws SQLException {
        String s = quote(config.schema());
        // both tables asked in one statement, so a migration another process commits meanwhile is seen whole
        boolean versioned;
        boolean splits;
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL, to_regclass(?) IS NOT NULL")) {
            ps.setString(1, s + ".sluice_schema_version");
            ps.setString(2, s + ".splits");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                versioned = rs.getBoolean(1);
                splits = rs.getBoolean(2);
            }
        }
        if (!versioned) {
            if (splits) {
                throw new LedgerException(config.describe() + ": the schema holds a table 'splits' that Sluice did "
                        + "not create; set state.postgres.schema to a schema of its own", null);
            }
            return 0;
        }
        int version;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + s + ".sluice_schema_version")) {
            rs.next();
            version = rs.getInt(1);
        }
        if (version > VERSION) {
            throw new LedgerException(config.describe() + " was written by a newer Sluice (ledger schema " + version
                    + ", this version knows " + VERSION + "); upgrade Sluice", null);
        }
        return version;
    }

    private static boolean bool(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    static String quote(String identifier) {
        return '"' + identifier + '"';
    }
}
