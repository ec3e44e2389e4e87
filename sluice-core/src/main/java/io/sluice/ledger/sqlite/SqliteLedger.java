package io.sluice.ledger.sqlite;

import static io.sluice.ledger.LedgerArgs.requireLock;
import static io.sluice.ledger.LedgerArgs.requirePositive;

import io.sluice.config.NativeCopies;
import io.sluice.ledger.LedgerRows;
import io.sluice.ledger.Registration;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.Totals;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * The embedded ledger: one SQLite file in WAL mode. The threads of this process share one connection, taken in
 * turn (SQLite runs one write transaction at a time anyway, and waiting on a Java lock is far cheaper than on
 * SQLite's busy handler); other processes on the same machine share the file through SQLite's own locks.
 *
 * <p>Every write is one {@code BEGIN IMMEDIATE} transaction: the write lock is taken before anything is read, so
 * two processes can never both see a split as claimable, and a process killed at any point leaves either the
 * whole transaction or none of it. One file may hold many pipelines; this instance sees only its own.
 */
public final class SqliteLedger implements Ledger {
    public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(30);

    // the guard of every change a claim holder makes: its token is still the split's and the split still claimed
    private static final String HELD = "\nWHERE pipeline = ? AND id = ? AND token = ? AND state = 'claimed'";

    // a split's columns, as registered() reads them
    private static final String SPLIT_COLUMNS = """
            SELECT seq, id, bytes, attempts, payload, output_key, output_version, output_start, output_end FROM splits
            """;
    private static final String NEXT_CLAIMABLE = SPLIT_COLUMNS + """
            WHERE seq = (SELECT min(seq) FROM (
                SELECT min(seq) AS seq FROM splits WHERE pipeline = ?1 AND state = 'pending'
                UNION ALL
                SELECT min(seq) FROM splits WHERE pipeline = ?1 AND state = 'failed' AND next_retry <= ?2
                UNION ALL
                SELECT min(seq) FROM splits WHERE pipeline = ?1 AND state = 'claimed' AND lease_until <= ?2))""";
    private static final String NAMED_CLAIMABLE = SPLIT_COLUMNS + """
            WHERE pipeline = ?1 AND id = ?2 AND (state = 'pending' OR (state = 'failed' AND next_retry <= ?3)
                OR (state = 'claimed' AND lease_until <= ?3))""";
    private static final String SPLIT = SPLIT_COLUMNS + "WHERE pipeline = ? AND id = ?";
    // the greatest seq of each state, by the (pipeline, state, seq) index: five look-ups, whatever the ledger holds
    private static final String NEWEST = "SELECT id FROM splits WHERE seq = (SELECT max(seq) FROM ("
            + java.util.Arrays.stream(SplitState.values())
                    .map(st ->
                            "SELECT max(seq) AS seq FROM splits WHERE pipeline = ?1 AND state = '" + st.label() + "'")
                    .collect(java.util.stream.Collectors.joining(" UNION ALL "))
            + "))";
    private static final String NEXT_TOKEN =
            "UPDATE counters SET value = value + 1 WHERE name = 'token' RETURNING value";
    private static final String GRANT = """
            UPDATE splits SET state = 'claimed', owner = ?, lease_until = ?, token = ?, attempts = attempts + 1,
                next_retry = NULL, updated = ?
            WHERE seq = ?""";
    private static final String MEMBERS_OF = """
            SELECT key, fingerprint, range_start, range_end, digest FROM members WHERE split_seq = ? ORDER BY ord""";
    private static final String HEARTBEAT = "UPDATE splits SET lease_until = ?, updated = ?" + HELD;
    private static final String IS_CURRENT = "SELECT 1 FROM splits" + HELD;
    private static final String ENDED =
            "SELECT 1 FROM splits WHERE pipeline = ? AND id = ? AND token = ? AND state = ?";
    private static final String COMPLETE = """
            UPDATE splits SET state = 'done', lease_until = NULL, next_retry = NULL, last_error = NULL,
                rows_in = ?, rows_out = ?, rejected = ?, outputs = ?, pipeline_version = ?, updated = ?""" + HELD;
    private static final String FAIL = """
            UPDATE splits SET state = ?, lease_until = NULL, next_retry = ?, last_error = ?, updated = ?""" + HELD;
    private static final String RELEASE = """
            UPDATE splits SET state = 'pending', owner = NULL, lease_until = NULL, attempts = attempts - 1,
                updated = ?""" + HELD;
    private static final String EXPIRE = "UPDATE splits SET lease_until = min(lease_until, ?), updated = ?" + HELD;
    private static final String HELD_SEQ = "SELECT seq FROM splits" + HELD;
    private static final List<String> FORGET =
            List.of("DELETE FROM members WHERE split_seq = ?", "DELETE FROM splits WHERE seq = ?");
    private static final String MEMBER_EXISTS =
            "SELECT 1 FROM members WHERE pipeline = ? AND key = ? AND fingerprint = ? AND range_start = ?";
    private static final String DIGEST_OWNER = "SELECT key FROM digests WHERE pipeline = ? AND sha256 = ?";
    private static final String INSERT_SPLIT = """
            INSERT INTO splits (pipeline, id, state, bytes, members, payload, output_key, output_version, output_start,
                output_end, created, updated)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (pipeline, id) DO NOTHING
            RETURNING seq""";
    private static final String INSERT_MEMBER = """
            INSERT INTO members (split_seq, ord, pipeline, key, fingerprint, range_start, range_end, digest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String INSERT_DIGEST =
            "INSERT INTO digests (pipeline, sha256, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    // for each key the member registered last; SQLite takes the bare columns from the row holding the max
    private static final String KNOWN = latestAmong("");
    // the same among the registrations whose split is done, by the members index: a key's registrations are few
    private static final String LATEST_DONE = latestAmong(" AND s.state = 'done'");

    private static String latestAmong(String condition) {
        return """
                SELECT m.key, m.fingerprint, s.id, s.state, m.range_start, m.range_end, max(m.split_seq)
                FROM members m JOIN splits s ON s.seq = m.split_seq
                WHERE m.pipeline = ?1 AND m.key IN (SELECT value FROM json_each(?2))%s
                GROUP BY m.key""".formatted(condition);
    }

    private static final String COUNTS = "SELECT state, count(*) FROM splits WHERE pipeline = ? GROUP BY state";
    private static final String SPLITS = """
            SELECT id, state, attempts, last_error, owner, token, lease_until, next_retry, bytes, members,
                rows_in, rows_out, rejected, CASE state WHEN 'done' THEN coalesce(pipeline_version, '') END, updated
            FROM splits
            WHERE pipeline = ?1 AND state IN (SELECT value FROM json_each(?2))
            ORDER BY seq LIMIT ?3""";
    private static final String SPLITS_NAMED = SPLITS.substring(0, SPLITS.indexOf("WHERE"))
            + "WHERE pipeline = ?1 AND id IN (SELECT value FROM json_each(?2)) ORDER BY seq";
    private static final String RETRY_ALL = """
            UPDATE splits SET state = 'pending', attempts = 0, owner = NULL, next_retry = NULL, updated = ?2
            WHERE pipeline = ?1 AND state IN ('failed', 'dead')""";
    private static final String RETRY_SOME = RETRY_ALL + "\nAND id IN (SELECT value FROM json_each(?3))";
    private static final String DONE_BY_VERSION = """
            SELECT coalesce(pipeline_version, ''), count(*) FROM splits WHERE pipeline = ? AND state = 'done'
            GROUP BY 1""";
    /**
     * Done splits back to pending, their results dropped: ?1 pipeline, ?2 now, then which ones (?3), for
     * requeueOutdated and replay.
     */
    private static final String SEND_BACK_DONE = """
            UPDATE splits SET state = 'pending', attempts = 0, owner = NULL, rows_in = NULL, rows_out = NULL,
                rejected = NULL, outputs = NULL, pipeline_version = NULL, updated = ?2
            WHERE pipeline = ?1 AND state = 'done' AND\s""";

    private static final String REQUEUE_OUTDATED = SEND_BACK_DONE + "coalesce(pipeline_version, '') <> ?3";
    private static final String REPLAY = SEND_BACK_DONE + "id IN (SELECT value FROM json_each(?3))";
    private static final String TOTALS = """
            SELECT coalesce(sum(rows_in), 0), coalesce(sum(rows_out), 0), coalesce(sum(rejected), 0), max(updated)
            FROM splits WHERE pipeline = ? AND state = 'done'""";
    private static final String INCARNATION = "SELECT id FROM incarnations WHERE pipeline = ?";
    private static final String NEW_INCARNATION =
            "INSERT INTO incarnations (pipeline, id) VALUES (?, ?) ON CONFLICT (pipeline) DO NOTHING";
    private static final String FORGET_EXPIRED = "DELETE FROM workers WHERE pipeline = ? AND expires < ?";
    private static final String ANNOUNCE = """
            INSERT INTO workers (pipeline, id, host, pid, started, threads, last_seen, expires)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (pipeline, id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                started = excluded.started, threads = excluded.threads, last_seen = excluded.last_seen,
                expires = excluded.expires""";
    private static final String WORKERS = """
            SELECT id, host, pid, started, threads, last_seen FROM workers
            WHERE pipeline = ? AND last_seen >= ? ORDER BY id""";
    private static final String LIVE_CLAIMS = """
            SELECT owner, id FROM splits WHERE pipeline = ? AND state = 'claimed' AND lease_until > ? ORDER BY seq""";
    private static final String LEADER = "SELECT holder FROM leaders WHERE pipeline = ? AND lease_until > ?";
    // taken when free or expired, renewed by its holder; otherwise the WHERE leaves the row alone
    private static final String LEAD = """
            INSERT INTO leaders (pipeline, holder, lease_until) VALUES (?1, ?2, ?3)
            ON CONFLICT (pipeline) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
            WHERE leaders.holder = excluded.holder OR leaders.lease_until <= ?4""";
    private static final List<String> RETIRE = List.of(
            "DELETE FROM workers WHERE pipeline = ? AND id = ?",
            "DELETE FROM leaders WHERE pipeline = ? AND holder = ?");
    // a new holder's grant takes the token it is given; its owner's keeps the token it has, renewed; a live lease of
    // another owner leaves the row alone (nothing returned)
    private static final String LOCK = """
            INSERT INTO locks (pipeline, name, owner, token, lease_until) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (pipeline, name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
                token = CASE WHEN locks.owner = excluded.owner THEN locks.token ELSE excluded.token END
            WHERE locks.owner = excluded.owner OR locks.lease_until <= ?6
            RETURNING token""";
    private static final String HOLDS =
            "SELECT 1 FROM locks WHERE pipeline = ? AND name = ? AND token = ? AND lease_until > ?";
    private static final String UNLOCK = "DELETE FROM locks WHERE pipeline = ? AND name = ? AND token = ?";
    private static final String HOLDER =
            "SELECT owner, token FROM locks WHERE pipeline = ? AND name = ? AND lease_until > ?";
    private static final List<String> RESET = List.of(
            "DELETE FROM locks WHERE pipeline = ?",
            "DELETE FROM incarnations WHERE pipeline = ?",
            "DELETE FROM members WHERE pipeline = ?",
            "DELETE FROM digests WHERE pipeline = ?",
            "DELETE FROM splits WHERE pipeline = ?");

    private final Path file;
    private final String pipeline;
    private final Clock clock;
    private final Duration busyTimeout;
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    private SqliteLedger(Path file, String pipeline, Clock clock, Duration busyTimeout, Connection connection) {
        this.file = file;
        this.pipeline = pipeline;
        this.clock = clock;
        this.busyTimeout = busyTimeout;
        this.connection = connection;
    }

    /** Opens (creating it and its folders if needed) the ledger file, scoped to one pipeline. */
    public static SqliteLedger open(Path dbFile, String pipeline, Clock clock) {
        return open(dbFile, pipeline, clock, DEFAULT_BUSY_TIMEOUT);
    }

    /** @param busyTimeout how long a write waits for another process's write transaction before failing */
    public static SqliteLedger open(Path dbFile, String pipeline, Clock clock, Duration busyTimeout) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(clock, "clock");
        Path file = dbFile.toAbsolutePath().normalize();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new LedgerException("SQLite ledger " + file + ": cannot create its folder: " + e, e);
        }
        Connection connection = null;
        try {
            connection = connect(file, busyTimeout);
            Schema.migrate(connection, file);
            return new SqliteLedger(file, pipeline, clock, busyTimeout, connection);
        } catch (SQLException e) {
            closeQuietly(connection, e);
            throw SqliteErrors.failure(file, "open it", busyTimeout, e);
        } catch (RuntimeException e) {
            closeQuietly(connection, e);
            throw e;
        }
    }

    /** The database file, e.g. to open another handle on it. */
    public Path file() {
        return file;
    }

    // Autocommit stays on and transactions are begun by hand: with autocommit off and IMMEDIATE mode the driver
    // begins the next transaction right after each commit, holding the write lock between calls and blocking
    // every other process.
    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("interrupted while opening the SQLite ledger", e);
        }
    }

    private static Connection connect(Path file, Duration busyTimeout) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(Math.toIntExact(busyTimeout.toMillis()));
        NativeCopies.loadSqlite();
        Connection connection = config.createConnection("jdbc:sqlite:" + file);
        try (Statement s = connection.createStatement()) {
            // Switching a new file to WAL needs a moment of exclusive access; a process that loses that race to
            // another one opening the same new file gets the old mode back, or SQLITE_BUSY at once (the busy
            // timeout does not apply there), instead of waiting, so ask again.
            String mode = "none";
            long deadline = System.nanoTime() + busyTimeout.toNanos();
            while (true) {
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    mode = rs.next() ? rs.getString(1) : "none";
                } catch (SQLException e) {
                    if ((e.getErrorCode() & 0xff) != SQLiteErrorCode.SQLITE_BUSY.code || System.nanoTime() > deadline)
                        throw e;
                }
                if ("wal".equalsIgnoreCase(mode) || System.nanoTime() > deadline) break;
                sleep(50);
            }
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new LedgerRefusedException(
                        "SQLite ledger " + file + ": cannot use write-ahead logging (journal " + "mode stays '" + mode
                                + "'); put the file on a local disk",
                        null);
            }
            // in WAL mode NORMAL survives a killed process; power loss may drop the last commits (see the docs)
            s.execute("PRAGMA synchronous = NORMAL");
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, e);
            throw e;
        }
        return connection;
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Override
    public Map<String, KnownMember> known(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return read("look up registered inputs", () -> knownNow(keys));
    }

    @Override
    public Map<String, KnownMember> latestDone(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return read("look up the done registrations of inputs", () -> latest(LATEST_DONE, keys));
    }

    /** The latest registration of each of these keys that has one. */
    private Map<String, KnownMember> knownNow(Collection<String> keys) throws SQLException {
        return latest(KNOWN, keys);
    }

    /** A row per key of {@code query} ({@link #KNOWN} or {@link #LATEST_DONE}) for these keys. */
    private Map<String, KnownMember> latest(String query, Collection<String> keys) throws SQLException {
        Map<String, KnownMember> known = new HashMap<>();
        try (ResultSet rs = bind(query, pipeline, LedgerRows.json(keys)).executeQuery()) {
            while (rs.next()) known.put(rs.getString(1), LedgerRows.knownMember(rs));
        }
        return known;
    }

    @Override
    public Optional<String> digestOwner(String sha256) {
        return read("look up a content digest", () -> digestOwnerNow(sha256));
    }

    @Override
    public Optional<Split> split(String splitId) {
        return transaction("read split " + splitId, "BEGIN", () -> {
            Registered found = registered(bind(SPLIT, pipeline, splitId));
            return Optional.ofNullable(found).map(Registered::split);
        });
    }

    @Override
    public Optional<String> newestSplit() {
        return read("find the newest split", () -> {
            try (ResultSet rs = bind(NEWEST, pipeline).executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        });
    }

    @Override
    public List<String> register(List<Split> splits, Map<String, String> follows) {
        if (splits.isEmpty()) return List.of();
        return write("register splits", () -> registerAll(splits, follows, clock.millis()));
    }

    private List<String> registerAll(List<Split> splits, Map<String, String> follows, long now) throws SQLException {
        // the keys' latest registrations, read in the write transaction: no planner registers in between
        Map<String, String> latest = new HashMap<>();
        if (!follows.isEmpty()) knownNow(follows.keySet()).forEach((key, m) -> latest.put(key, m.fingerprint()));
        List<String> registered = new ArrayList<>();
        for (Split split : splits) {
            if (!Registration.follows(split, follows, latest)) continue;
            if (!registerOne(split, now)) continue;
            registered.add(split.id());
            split.members().forEach(m -> latest.put(m.key(), m.fingerprint()));
        }
        return registered;
    }

    private boolean registerOne(Split split, long now) throws SQLException {
        Set<String> seen = new HashSet<>();
        for (Member m : split.members()) {
            if (!seen.add(m.key() + '\0' + m.fingerprint() + '\0' + m.start())) {
                throw new IllegalArgumentException(
                        "split " + split.id() + " lists " + m.key() + " from byte " + m.start() + " twice");
            }
            try (ResultSet rs = bind(MEMBER_EXISTS, pipeline, m.key(), m.fingerprint(), m.start())
                    .executeQuery()) {
                if (rs.next()) return false;
            }
            if (m.digest() != null
                    && digestOwnerNow(m.digest())
                            .filter(k -> !k.equals(m.key()))
                            .isPresent()) {
                return false;
            }
        }
        long seq;
        OutputKey out = split.outputKey();
        try (ResultSet rs = bind(
                        INSERT_SPLIT,
                        pipeline,
                        split.id(),
                        split.bytes(),
                        split.members().size(),
                        split.payload(),
                        out == null ? null : out.key(),
                        out == null ? null : out.version(),
                        out == null ? null : out.start(),
                        out == null ? null : out.end(),
                        now,
                        now)
                .executeQuery()) {
            if (!rs.next()) {
                throw new IllegalArgumentException("split " + split.id() + " is already registered with other "
                        + "members; a split's id must change when its inputs change (include the fingerprint)");
            }
            seq = rs.getLong(1);
        }
        List<Member> members = split.members();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            bind(INSERT_MEMBER, seq, i, pipeline, m.key(), m.fingerprint(), m.start(), m.end(), m.digest())
                    .executeUpdate();
            if (m.digest() != null)
                bind(INSERT_DIGEST, pipeline, m.digest(), m.key()).executeUpdate();
        }
        return true;
    }

    private Optional<String> digestOwnerNow(String sha256) throws SQLException {
        try (ResultSet rs = bind(DIGEST_OWNER, pipeline, sha256).executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    @Override
    public String incarnation() {
        Optional<String> known = read("read the ledger's incarnation", this::incarnationNow);
        if (known.isPresent()) return known.get();
        return write("make the ledger's incarnation", () -> {
            // another process may have made it since: the insert then keeps that one
            bind(NEW_INCARNATION, pipeline, UUID.randomUUID().toString()).executeUpdate();
            return incarnationNow().orElseThrow();
        });
    }

    private Optional<String> incarnationNow() throws SQLException {
        try (ResultSet rs = bind(INCARNATION, pipeline).executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    // ---- work -----------------------------------------------------------------------------------------

    @Override
    public Optional<Claim> claim(String owner, Duration lease) {
        return grant(owner, lease, "claim a split", now -> bind(NEXT_CLAIMABLE, pipeline, now));
    }

    @Override
    public Optional<Claim> claim(String splitId, String owner, Duration lease) {
        Objects.requireNonNull(splitId, "splitId");
        return grant(owner, lease, "claim split " + splitId, now -> bind(NAMED_CLAIMABLE, pipeline, splitId, now));
    }

    @FunctionalInterface
    private interface Candidate {
        /** The query for the split to grant ({@link #SPLIT_COLUMNS}), or none. */
        PreparedStatement at(long now) throws SQLException;
    }

    private Optional<Claim> grant(String owner, Duration lease, String action, Candidate candidate) {
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        return write(action, () -> {
            long now = clock.millis();
            Registered found = registered(candidate.at(now));
            if (found == null) return Optional.empty();
            long token = nextToken();
            long until = now + lease.toMillis();
            bind(GRANT, owner, until, token, now, found.seq()).executeUpdate();
            return Optional.of(
                    new Claim(found.split(), owner, token, Instant.ofEpochMilli(until), found.attempts() + 1));
        });
    }

    /** A split as its row holds it: registration order, attempts so far. */
    private record Registered(long seq, Split split, int attempts) {}

    /** The split the query finds ({@link #SPLIT_COLUMNS}) with its members, or null. */
    private Registered registered(PreparedStatement query) throws SQLException {
        long seq;
        String id;
        long bytes;
        int attempts;
        String payload;
        OutputKey outputKey;
        try (ResultSet rs = query.executeQuery()) {
            if (!rs.next()) return null;
            seq = rs.getLong(1);
            id = rs.getString(2);
            bytes = rs.getLong(3);
            attempts = rs.getInt(4);
            payload = rs.getString(5);
            outputKey = LedgerRows.outputKey(rs, 6);
        }
        return new Registered(seq, new Split(id, members(seq), bytes, payload, outputKey), attempts);
    }

    private long nextToken() throws SQLException {
        try (ResultSet rs = bind(NEXT_TOKEN).executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<Member> members(long seq) throws SQLException {
        List<Member> members = new ArrayList<>();
        try (ResultSet rs = bind(MEMBERS_OF, seq).executeQuery()) {
            while (rs.next()) {
                members.add(
                        new Member(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
            }
        }
        return members;
    }

    @Override
    public boolean heartbeat(Claim claim, Duration lease) {
        requirePositive("lease", lease);
        return write("renew a lease", () -> {
            long now = clock.millis();
            return held(HEARTBEAT, claim, now + lease.toMillis(), now) == 1;
        });
    }

    @Override
    public boolean isCurrent(Claim claim) {
        return read("check a claim", () -> {
            try (ResultSet rs =
                    bind(IS_CURRENT, pipeline, claim.splitId(), claim.token()).executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void complete(Claim claim, Completion completion) throws StaleClaimException {
        String outputs = LedgerRows.json(completion.outputs());
        boolean recorded = write(
                "record a completed split",
                () -> held(
                                        COMPLETE,
                                        claim,
                                        completion.rowsIn(),
                                        completion.rowsOut(),
                                        completion.rejected(),
                                        outputs,
                                        completion.pipelineVersion(),
                                        clock.millis())
                                == 1
                        || ended(claim, SplitState.DONE));
        if (!recorded) throw new StaleClaimException(claim.splitId(), claim.token());
    }

    @Override
    public void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException {
        Objects.requireNonNull(error, "error");
        SplitState next = retryAt.isPresent() ? SplitState.FAILED : SplitState.DEAD;
        Long retry = retryAt.map(Instant::toEpochMilli).orElse(null);
        boolean recorded = write(
                "record a failed split",
                () -> held(FAIL, claim, next.label(), retry, error, clock.millis()) == 1 || ended(claim, next));
        if (!recorded) throw new StaleClaimException(claim.splitId(), claim.token());
    }

    @Override
    public void release(Claim claim) {
        write("release a claim", () -> held(RELEASE, claim, clock.millis()));
    }

    @Override
    public boolean expire(String splitId, long token) {
        return write("end a lease", () -> {
            long now = clock.millis();
            return held(EXPIRE, splitId, token, now, now) == 1;
        });
    }

    @Override
    public List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException {
        List<String> registered = write("replace split " + claim.splitId(), () -> {
            long seq;
            try (ResultSet rs =
                    bind(HELD_SEQ, pipeline, claim.splitId(), claim.token()).executeQuery()) {
                if (!rs.next()) return null;
                seq = rs.getLong(1);
            }
            // digests stay: the replacements' members keep the keys that own them
            for (String sql : FORGET) bind(sql, seq).executeUpdate();
            return registerAll(replacements, Map.of(), clock.millis());
        });
        if (registered == null) throw new StaleClaimException(claim.splitId(), claim.token());
        return registered;
    }

    /**
     * True when the claim ended the split in {@code state} already: the same call made again (as a worker does when the
     * answer to the first did not reach it), which is not a stale claim.
     */
    private boolean ended(Claim claim, SplitState state) throws SQLException {
        try (ResultSet rs = bind(ENDED, pipeline, claim.splitId(), claim.token(), state.label())
                .executeQuery()) {
            return rs.next();
        }
    }

    /** Runs an update guarded by the claim's token: its leading arguments, then pipeline, split id and token. */
    private int held(String sql, Claim claim, Object... leading) throws SQLException {
        return held(sql, claim.splitId(), claim.token(), leading);
    }

    private int held(String sql, String splitId, long token, Object... leading) throws SQLException {
        Object[] args = new Object[leading.length + 3];
        System.arraycopy(leading, 0, args, 0, leading.length);
        args[leading.length] = pipeline;
        args[leading.length + 1] = splitId;
        args[leading.length + 2] = token;
        return bind(sql, args).executeUpdate();
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Override
    public Optional<Lock> lock(String name, String owner, Duration lease) {
        requireLock(name, owner, lease);
        return write("take lock " + name, () -> {
            long now = clock.millis();
            try (ResultSet rs = bind(LOCK, pipeline, name, owner, nextToken(), now + lease.toMillis(), now)
                    .executeQuery()) {
                return rs.next() ? Optional.of(new Lock(name, owner, rs.getLong(1))) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<Lock> holder(String name) {
        return read("look up lock " + name, () -> {
            try (ResultSet rs = bind(HOLDER, pipeline, name, clock.millis()).executeQuery()) {
                return rs.next() ? Optional.of(new Lock(name, rs.getString(1), rs.getLong(2))) : Optional.empty();
            }
        });
    }

    @Override
    public boolean holds(Lock lock) {
        return read("check lock " + lock.name(), () -> {
            try (ResultSet rs = bind(HOLDS, pipeline, lock.name(), lock.token(), clock.millis())
                    .executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void unlock(Lock lock) {
        write(
                "release lock " + lock.name(),
                () -> bind(UNLOCK, pipeline, lock.name(), lock.token()).executeUpdate());
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Override
    public Map<SplitState, Long> counts() {
        return read("count splits", () -> {
            Map<SplitState, Long> counts = new EnumMap<>(SplitState.class);
            try (ResultSet rs = bind(COUNTS, pipeline).executeQuery()) {
                while (rs.next()) counts.put(SplitState.ofLabel(rs.getString(1)), rs.getLong(2));
            }
            return counts;
        });
    }

    @Override
    public List<SplitInfo> splits(Set<SplitState> states, int limit) {
        if (states.isEmpty() || limit <= 0) return List.of();
        List<String> labels = states.stream().map(SplitState::label).toList();
        return read("list splits", () -> {
            List<SplitInfo> infos = new ArrayList<>();
            try (ResultSet rs =
                    bind(SPLITS, pipeline, LedgerRows.json(labels), limit).executeQuery()) {
                while (rs.next()) {
                    infos.add(LedgerRows.info(rs));
                }
            }
            return infos;
        });
    }

    @Override
    public List<SplitInfo> splitsNamed(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return List.of();
        return read("look up splits", () -> {
            List<SplitInfo> infos = new ArrayList<>();
            try (ResultSet rs =
                    bind(SPLITS_NAMED, pipeline, LedgerRows.json(splitIds)).executeQuery()) {
                while (rs.next()) infos.add(LedgerRows.info(rs));
            }
            return infos;
        });
    }

    @Override
    public int retry(Collection<String> splitIds) {
        return write(
                "send splits back to pending",
                () -> splitIds.isEmpty()
                        ? bind(RETRY_ALL, pipeline, clock.millis()).executeUpdate()
                        : bind(RETRY_SOME, pipeline, clock.millis(), LedgerRows.json(splitIds))
                                .executeUpdate());
    }

    @Override
    public Map<String, Long> doneByVersion() {
        return read("count done splits by pipeline version", () -> {
            Map<String, Long> byVersion = new HashMap<>();
            try (ResultSet rs = bind(DONE_BY_VERSION, pipeline).executeQuery()) {
                while (rs.next()) byVersion.put(rs.getString(1), rs.getLong(2));
            }
            return byVersion;
        });
    }

    @Override
    public int requeueOutdated(String current) {
        Objects.requireNonNull(current, "current");
        return write(
                "send outdated splits back to pending",
                () -> bind(REQUEUE_OUTDATED, pipeline, clock.millis(), current).executeUpdate());
    }

    @Override
    public int replay(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return 0;
        return write(
                "send done splits back to pending",
                () -> bind(REPLAY, pipeline, clock.millis(), LedgerRows.json(splitIds))
                        .executeUpdate());
    }

    @Override
    public Totals totals() {
        return read("add up the done splits", () -> {
            try (ResultSet rs = bind(TOTALS, pipeline).executeQuery()) {
                return LedgerRows.totals(rs);
            }
        });
    }

    @Override
    public void reset() {
        write("reset the pipeline", () -> {
            for (String sql : RESET) bind(sql, pipeline).executeUpdate();
            return null;
        });
    }

    // ---- worker pools ----------------------------------------------------------------------------------

    @Override
    public void announce(WorkerInfo self, Duration ttl) {
        requirePositive("ttl", ttl);
        write("announce a worker", () -> {
            long now = clock.millis();
            bind(FORGET_EXPIRED, pipeline, now).executeUpdate();
            bind(
                            ANNOUNCE,
                            pipeline,
                            self.id(),
                            self.host(),
                            self.pid(),
                            self.started().toEpochMilli(),
                            self.threads(),
                            now,
                            now + ttl.toMillis())
                    .executeUpdate();
            return null;
        });
    }

    @Override
    public List<WorkerStatus> workers(Duration seenWithin) {
        return read("list workers", () -> {
            long now = clock.millis();
            Map<String, List<String>> held = new HashMap<>();
            try (ResultSet rs = bind(LIVE_CLAIMS, pipeline, now).executeQuery()) {
                while (rs.next())
                    held.computeIfAbsent(rs.getString(1), o -> new ArrayList<>())
                            .add(rs.getString(2));
            }
            String leader;
            try (ResultSet rs = bind(LEADER, pipeline, now).executeQuery()) {
                leader = rs.next() ? rs.getString(1) : null;
            }
            List<WorkerStatus> workers = new ArrayList<>();
            try (ResultSet rs =
                    bind(WORKERS, pipeline, now - seenWithin.toMillis()).executeQuery()) {
                while (rs.next()) {
                    workers.add(LedgerRows.worker(rs, held, leader));
                }
            }
            return workers;
        });
    }

    @Override
    public void retire(String workerId) {
        write("retire a worker", () -> {
            for (String sql : RETIRE) bind(sql, pipeline, workerId).executeUpdate();
            return null;
        });
    }

    @Override
    public boolean lead(String workerId, Duration lease) {
        Objects.requireNonNull(workerId, "workerId");
        requirePositive("lease", lease);
        return write("take the leader lease", () -> {
            long now = clock.millis();
            return bind(LEAD, pipeline, workerId, now + lease.toMillis(), now).executeUpdate() == 1;
        });
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            for (PreparedStatement s : statements.values()) s.close();
            connection.close();
        } catch (SQLException e) {
            throw SqliteErrors.failure(file, "close it", busyTimeout, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SQLite ledger " + file + " (pipeline " + pipeline + ")";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    private <T> T read(String action, Work<T> work) {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException(this + " is closed");
            return work.run();
        } catch (SQLException e) {
            throw SqliteErrors.failure(file, action, busyTimeout, e);
        } finally {
            lock.unlock();
        }
    }

    private <T> T write(String action, Work<T> work) {
        return transaction(action, "BEGIN IMMEDIATE", work);
    }

    /** Runs the work in one transaction, begun with {@code begin}: a read transaction's reads see one snapshot. */
    private <T> T transaction(String action, String begin, Work<T> work) {
        return read(action, () -> {
            bind(begin).execute();
            try {
                T result = work.run();
                bind("COMMIT").execute();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    bind("ROLLBACK").execute();
                } catch (SQLException rollback) { // SQLite may have rolled back already (disk full, I/O error)
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        });
    }

    private PreparedStatement bind(String sql, Object... args) throws SQLException {
        PreparedStatement s = statements.get(sql);
        if (s == null) {
            s = connection.prepareStatement(sql);
            statements.put(sql, s);
        }
        for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
        return s;
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
