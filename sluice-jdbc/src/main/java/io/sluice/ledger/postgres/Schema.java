package io.sluice.ledger.postgres;

import io.sluice.spi.LedgerRefusedException;
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
    private static final List<String> V2 = List.of("""
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
            )""", """
            CREATE TABLE {s}.leaders (
                pipeline    text   PRIMARY KEY,
                holder      text   NOT NULL,
                lease_until bigint NOT NULL
            )""");

    // plans that do not depend on the planner's statistics. With statistics from before a pipeline's splits were
    // registered (a new pipeline, or a batch registered when every split was done), the planner believed the
    // pipeline had next to no open splits and chose plans that read all of them for each claim or completion
    // (benchmark B6: 400 claims/s instead of thousands). See Sql.HELD for the statements of claim holders.
    private static final List<String> V3 = List.of(
            // by state first: an index leading with the pipeline competed with (pipeline, id) for the look-up of one
            // split, and won whenever the statistics did not know the pipeline yet; now only (pipeline, id) fits
            "DROP INDEX {s}.splits_by_state",
            "CREATE INDEX splits_by_state ON {s}.splits (state, pipeline, seq)",
            claimFunction("claim", "", "", ""));

    // the pipeline version that made each done split (NULL for splits done before v4), and the id of each pipeline's
    // record, made at first use and dropped by reset. Both are quick: a nullable column without a default is added
    // to the catalog only, and workers of v3 keep working on it (their completions record no version).
    private static final List<String> V4 = List.of("ALTER TABLE {s}.splits ADD COLUMN pipeline_version text", """
            CREATE TABLE {s}.incarnations (
                pipeline text PRIMARY KEY,
                id       text NOT NULL
            )""");

    // each split's payload (its connector's, stored as given) and output key (NULL columns for none; every split
    // registered before v5 has none); the output locks, one row per lock held, tokens from the claims' sequence; and
    // the claim function's successor, which returns the payload and output key too. The columns and the table change
    // the catalog only, and workers of v4 keep working: their registrations store no payload, and they keep calling
    // the function claim, which stays until a later version drops it.
    private static final List<String> V5 = List.of(
            """
            ALTER TABLE {s}.splits ADD COLUMN payload text, ADD COLUMN output_key text, ADD COLUMN output_version text,
                ADD COLUMN output_start bigint, ADD COLUMN output_end bigint""",
            """
            CREATE TABLE {s}.locks (
                pipeline    text   NOT NULL,
                name        text   NOT NULL,
                owner       text   NOT NULL,
                token       bigint NOT NULL,
                lease_until bigint NOT NULL,
                PRIMARY KEY (pipeline, name)
            )""",
            claimFunction(
                    "claim_split",
                    " c_payload text, c_output_key text, c_output_version text, c_output_start bigint,"
                            + " c_output_end bigint,",
                    ", s.payload, s.output_key, s.output_version, s.output_start, s.output_end",
                    " t.payload, t.output_key, t.output_version, t.output_start, t.output_end,"));

    /** {@code MIGRATIONS.get(v)} brings a schema from version {@code v} to {@code v + 1}. */
    private static final List<List<String>> MIGRATIONS = List.of(V1, V2, V3, V4, V5);

    static final int VERSION = MIGRATIONS.size();

    private Schema() {}

    /**
     * A claim: the oldest claimable split, locked (SKIP LOCKED: racing workers pass over a row another one is taking
     * instead of queueing behind it), granted with a new token, returned with its members (one row per member, in
     * order; none when nothing is claimable). Version 3 made it as {@code claim}; version 5 as {@code claim_split},
     * with the split's payload and output key after its token ({@code columns}: their result columns, {@code
     * returning}: what the update returns of them, {@code select}: what the query selects).
     *
     * <p>Its plan must walk the open splits' index (pipeline, seq) in order and stop at the first free split, whatever
     * the statistics say. Left to its estimates, the planner also chose, when it believed the pipeline had one or two
     * open splits, a bitmap scan of all of them and a sort, or the primary key in seq order past every split of every
     * pipeline (7 ms and 40,000 rows per claim with 60,000 splits). So the function runs with sorts disabled, and asks
     * for the order (pipeline, seq) with the pipeline as a range: equality would make the pipeline a constant, and the
     * primary key (seq) would yield the order too. The open splits' index is then the only way to the first row
     * without sorting them all.
     */
    private static String claimFunction(String name, String columns, String returning, String select) {
        return """
            CREATE FUNCTION {s}.%s(p_pipeline text, p_now bigint, p_owner text, p_until bigint)
                RETURNS TABLE (c_seq bigint, c_id text, c_bytes bigint, c_attempts int, c_token bigint,%s
                               m_key text, m_fingerprint text, m_range_start bigint, m_range_end bigint, m_digest text)
                LANGUAGE plpgsql VOLATILE
                SET enable_sort = off
                {incremental}
            AS $$
            BEGIN
                -- PL/pgSQL, not SQL: it keeps the statement's plan for the session instead of planning it each call
                RETURN QUERY
                WITH next AS (
                    SELECT o.seq FROM {s}.splits o
                    WHERE o.pipeline >= p_pipeline AND o.pipeline <= p_pipeline
                      AND o.state IN ('pending', 'failed', 'claimed')
                      AND (o.state = 'pending' OR (o.state = 'failed' AND o.next_retry <= p_now)
                           OR (o.state = 'claimed' AND o.lease_until <= p_now))
                    ORDER BY o.pipeline, o.seq
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED),
                taken AS (
                    UPDATE {s}.splits s
                    SET state = 'claimed', owner = p_owner, lease_until = p_until, token = nextval('{s}.tokens'),
                        attempts = s.attempts + 1, next_retry = NULL, updated = p_now
                    FROM next WHERE s.seq = next.seq
                    RETURNING s.seq, s.id, s.bytes, s.attempts, s.token%s)
                SELECT t.seq, t.id, t.bytes, t.attempts, t.token,%s
                       m.key, m.fingerprint, m.range_start, m.range_end, m.digest
                FROM taken t LEFT JOIN {s}.members m ON m.split_seq = t.seq
                ORDER BY m.ord;
            END
            $$""".formatted(name, columns, returning, select);
    }

    /** Creates or upgrades the ledger's tables; a no-op (one query) when they are current. */
    static void migrate(Connection c, PostgresConfig config) throws SQLException {
        migrate(c, config, VERSION);
    }

    /** Brings the schema up to version {@code target}; tests use it to build the schema an older Sluice wrote. */
    static void migrate(Connection c, PostgresConfig config, int target) throws SQLException {
        if (version(c, config) >= target) return;
        String lock = "(" + LOCK_CLASS + ", " + MIGRATION_LOCK + ")";
        try (Statement st = c.createStatement()) {
            // a session lock taken before the transaction begins: a transaction begun earlier could keep a stale
            // view of the catalog and miss the tables another process created while this one waited
            st.execute("SELECT pg_advisory_lock" + lock);
            try {
                c.setAutoCommit(false);
                apply(c, st, config, target);
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

    private static void apply(Connection c, Statement st, PostgresConfig config, int target) throws SQLException {
        String s = quote(config.schema());
        int from = version(c, config); // asked again under the lock: another process may have migrated
        if (from >= target) return;
        if (!bool(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)", config.schema())) {
            st.execute("CREATE SCHEMA " + s);
        }
        st.execute("CREATE TABLE IF NOT EXISTS " + s + ".sluice_schema_version ("
                + "version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())");
        // PostgreSQL 13 added incremental sorts, which enable_sort does not cover; older servers refuse the setting
        String incremental = c.getMetaData().getDatabaseMajorVersion() >= 13 ? "SET enable_incremental_sort = off" : "";
        for (int v = from; v < target; v++) {
            for (String sql : MIGRATIONS.get(v)) {
                st.execute(sql.replace("{s}", s).replace("{incremental}", incremental));
            }
            st.execute("INSERT INTO " + s + ".sluice_schema_version (version) VALUES (" + (v + 1) + ")");
        }
    }

    /** The schema's version: 0 when Sluice never wrote it; refuses schemas that are not ours or are newer. */
    private static int version(Connection c, PostgresConfig config) throws SQLException {
        String s = quote(config.schema());
        // both tables asked in one statement, so a migration another process commits meanwhile is seen whole
        boolean versioned;
        boolean splits;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT to_regclass(?) IS NOT NULL, to_regclass(?) IS NOT NULL")) {
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
                throw new LedgerRefusedException(
                        config.describe() + ": the schema holds a table 'splits' that Sluice did "
                                + "not create; set state.postgres.schema to a schema of its own",
                        null);
            }
            return 0;
        }
        int version;
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT coalesce(max(version), 0) FROM " + s + ".sluice_schema_version")) {
            rs.next();
            version = rs.getInt(1);
        }
        if (version > VERSION) {
            throw new LedgerRefusedException(
                    config.describe() + " was written by a newer Sluice (ledger schema " + version
                            + ", this version knows " + VERSION + "); upgrade Sluice",
                    null);
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
