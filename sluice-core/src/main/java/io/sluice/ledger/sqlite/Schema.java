package io.sluice.ledger.sqlite;

import io.sluice.spi.LedgerRefusedException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The ledger's tables, versioned with {@code PRAGMA user_version}. A later version appends a migration; a file
 * written by a newer Sluice is refused rather than misread.
 */
final class Schema {
    /** "SLUI": marks the file as a Sluice ledger, so another application's SQLite file is never written into. */
    static final int APPLICATION_ID = 0x534C5549;

    private static final List<String> V1 = List.of(
            """
            CREATE TABLE splits (
                seq         INTEGER PRIMARY KEY,  -- registration order: claims take the lowest first
                pipeline    TEXT    NOT NULL,
                id          TEXT    NOT NULL,
                state       TEXT    NOT NULL,     -- pending | claimed | done | failed | dead
                token       INTEGER NOT NULL DEFAULT 0,
                owner       TEXT,
                lease_until INTEGER,              -- epoch millis, like every time here
                attempts    INTEGER NOT NULL DEFAULT 0,
                next_retry  INTEGER,
                last_error  TEXT,
                bytes       INTEGER NOT NULL,
                members     INTEGER NOT NULL,
                rows_in     INTEGER,
                rows_out    INTEGER,
                rejected    INTEGER,
                outputs     TEXT,                 -- JSON array of output names
                created     INTEGER NOT NULL,
                updated     INTEGER NOT NULL,
                UNIQUE (pipeline, id)
            )""",
            "CREATE INDEX splits_by_state ON splits (pipeline, state, seq)",
            """
            CREATE TABLE members (
                split_seq   INTEGER NOT NULL,
                ord         INTEGER NOT NULL,
                pipeline    TEXT    NOT NULL,
                key         TEXT    NOT NULL,
                fingerprint TEXT    NOT NULL,
                range_start INTEGER NOT NULL,
                range_end   INTEGER NOT NULL,     -- -1: to the end
                digest      TEXT,
                PRIMARY KEY (split_seq, ord)
            ) WITHOUT ROWID""",
            // one version of one input is registered once: this is how concurrent planners agree
            "CREATE UNIQUE INDEX members_identity ON members (pipeline, key, fingerprint, range_start)",
            """
            CREATE TABLE digests (
                pipeline TEXT NOT NULL,
                sha256   TEXT NOT NULL,
                key      TEXT NOT NULL,
                PRIMARY KEY (pipeline, sha256)
            ) WITHOUT ROWID""",
            // fencing tokens come from one counter that reset never rewinds, so a claim from before a reset
            // can never match a split registered after it
            "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
            "INSERT INTO counters (name, value) VALUES ('token', 0)",
            "PRAGMA application_id = " + APPLICATION_ID);

    // worker pools: who is alive (announced within its ttl) and who lists the source
    private static final List<String> V2 = List.of("""
            CREATE TABLE workers (
                pipeline  TEXT    NOT NULL,
                id        TEXT    NOT NULL,
                host      TEXT    NOT NULL,
                pid       INTEGER NOT NULL,
                started   INTEGER NOT NULL,
                threads   INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                expires   INTEGER NOT NULL,
                PRIMARY KEY (pipeline, id)
            ) WITHOUT ROWID""", """
            CREATE TABLE leaders (
                pipeline    TEXT    PRIMARY KEY,
                holder      TEXT    NOT NULL,
                lease_until INTEGER NOT NULL
            ) WITHOUT ROWID""");

    // the pipeline version that made each done split (NULL for splits done before v3), and the id of each
    // pipeline's record, made at first use and dropped by reset
    private static final List<String> V3 = List.of("ALTER TABLE splits ADD COLUMN pipeline_version TEXT", """
            CREATE TABLE incarnations (
                pipeline TEXT NOT NULL PRIMARY KEY,
                id       TEXT NOT NULL
            ) WITHOUT ROWID""");

    // each split's payload (its connector's, stored as given) and output key (NULL columns for none; every split
    // registered before v4 has none), and the output locks: one row per lock held, its token from the counter
    private static final List<String> V4 = List.of(
            "ALTER TABLE splits ADD COLUMN payload TEXT",
            "ALTER TABLE splits ADD COLUMN output_key TEXT",
            "ALTER TABLE splits ADD COLUMN output_version TEXT",
            "ALTER TABLE splits ADD COLUMN output_start INTEGER",
            "ALTER TABLE splits ADD COLUMN output_end INTEGER",
            """
            CREATE TABLE locks (
                pipeline    TEXT    NOT NULL,
                name        TEXT    NOT NULL,
                owner       TEXT    NOT NULL,
                token       INTEGER NOT NULL,
                lease_until INTEGER NOT NULL,
                PRIMARY KEY (pipeline, name)
            ) WITHOUT ROWID""");

    /** {@code MIGRATIONS.get(v)} brings a ledger from user_version {@code v} to {@code v + 1}. */
    private static final List<List<String>> MIGRATIONS = List.of(V1, V2, V3, V4);

    static final int VERSION = MIGRATIONS.size();

    private Schema() {}

    /** Creates or upgrades the tables in one write transaction, so processes opening a new file at once agree. */
    static void migrate(Connection connection, Path file) throws SQLException {
        try (Statement s = connection.createStatement()) {
            if (isCurrentNow(s, file)) return; // the usual case: no write lock needed
            s.execute("BEGIN IMMEDIATE");
            try {
                if (!isCurrent(s, file)) { // asked again under the lock: another process may have migrated
                    for (int v = pragma(s, "user_version"); v < VERSION; v++) {
                        for (String sql : MIGRATIONS.get(v)) {
                            s.execute(sql);
                        }
                    }
                    s.execute("PRAGMA user_version = " + VERSION);
                }
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    /**
     * {@link #isCurrent} in one read transaction: its reads see one snapshot, not a migration another process
     * commits between them (which would look like tables without Sluice's mark).
     */
    private static boolean isCurrentNow(Statement s, Path file) throws SQLException {
        s.execute("BEGIN");
        try {
            return isCurrent(s, file);
        } finally {
            s.execute("COMMIT");
        }
    }

    /** True when the file holds this version's tables; refuses files that are not ours or are newer. */
    private static boolean isCurrent(Statement s, Path file) throws SQLException {
        int application = pragma(s, "application_id");
        if (application != APPLICATION_ID && (application != 0 || hasTables(s))) {
            throw new LedgerRefusedException(
                    "SQLite ledger " + file + " is a SQLite database of another application, "
                            + "not a Sluice ledger; point state.sqlite at another file",
                    null);
        }
        int version = pragma(s, "user_version");
        if (version > VERSION) {
            throw new LedgerRefusedException(
                    "SQLite ledger " + file + " was written by a newer Sluice (ledger schema " + version
                            + ", this version knows " + VERSION + "); upgrade Sluice",
                    null);
        }
        return version == VERSION;
    }

    private static int pragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean hasTables(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1")) {
            return rs.next();
        }
    }
}
