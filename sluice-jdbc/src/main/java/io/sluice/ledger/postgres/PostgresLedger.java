package io.sluice.ledger.postgres;

import static io.sluice.ledger.LedgerArgs.requireLock;
import static io.sluice.ledger.LedgerArgs.requirePositive;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.sluice.config.JdbcDrivers;
import io.sluice.ledger.ClockSkew;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * A ledger in PostgreSQL, shared by any number of workers on any number of machines. Every method is one
 * transaction; claims lock the row they take with {@code FOR UPDATE SKIP LOCKED}, so racing workers each get
 * another split without waiting for one another; registrations of one pipeline take a transaction-scoped
 * advisory lock, so concurrent planners see each other's work. Times come from the given clock (the workers'
 * clocks, which must agree to well within a lease), not from the server.
 */
public final class PostgresLedger implements Ledger {
    /** Every state's label: the queries that look at each state in turn (one index look-up per state) take them. */
    private static final Object[] ALL_STATES =
            Arrays.stream(SplitState.values()).map(SplitState::label).toArray();

    private final PostgresConfig config;
    private final String pipeline;
    private final Clock clock;
    private final HikariDataSource pool;
    private final Sql sql;

    private PostgresLedger(PostgresConfig config, String pipeline, Clock clock, HikariDataSource pool) {
        this.config = config;
        this.pipeline = pipeline;
        this.clock = clock;
        this.pool = pool;
        this.sql = new Sql(Schema.quote(config.schema()));
    }

    /** Connects, creates or migrates the schema, and opens the ledger of one pipeline in it. */
    public static PostgresLedger open(PostgresConfig config, String pipeline, Clock clock) {
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(poolConfig(config));
        } catch (HikariPool.PoolInitializationException e) {
            throw e.getCause() instanceof SQLException cause
                    ? PostgresErrors.failure(config, "connect", cause)
                    : new LedgerException(config.describe() + ": cannot connect: " + e.getMessage(), e);
        } catch (
                RuntimeException
                        e) { // the driver refused the url: Hikari's message quotes it whole (LedgerException masks it)
            throw new LedgerRefusedException(
                    config.describe() + ": cannot connect: " + e.getMessage() + "; check state.postgres.url", e);
        }
        try (Connection c = pool.getConnection()) {
            Schema.migrate(c, config);
        } catch (SQLException e) {
            pool.close();
            throw PostgresErrors.failure(config, "create or migrate its tables", e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new PostgresLedger(config, pipeline, clock, pool);
    }

    private static HikariConfig poolConfig(PostgresConfig config) {
        HikariConfig h = new HikariConfig();
        Properties driver = new Properties();
        if (config.user() != null) driver.setProperty("user", config.user());
        if (config.password() != null)
            driver.setProperty("password", config.password().reveal());
        h.setPoolName("sluice-ledger");
        h.setMaximumPoolSize(config.maxConnections());
        h.setMinimumIdle(1);
        h.setConnectionTimeout(config.connectTimeout().toMillis());
        h.setValidationTimeout(Math.min(5_000, config.connectTimeout().toMillis()));
        long seconds = Math.max(1, config.connectTimeout().toSeconds());
        driver.setProperty("connectTimeout", Long.toString(seconds));
        // a server that vanishes without closing the socket fails a call after this, instead of hanging it
        driver.setProperty("socketTimeout", "120");
        driver.setProperty("tcpKeepAlive", "true");
        driver.setProperty("ApplicationName", "sluice");
        driver.putAll(config.properties()); // a named connection's own settings win
        h.setDataSource(JdbcDrivers.dataSource(config.url().reveal(), driver));
        return h;
    }

    public PostgresConfig config() {
        return config;
    }

    /** Refuses this worker when its clock is more than {@code max} off the server's (see {@link ClockSkew}). */
    void refuseClockSkew(Duration max) {
        ClockSkew read = call("read the server's clock", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")) {
                return ClockSkew.read(clock, 0, () -> {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
            }
        });
        read.refuseBeyond(max, config.describe(), "the database server's", "state.postgres.max_clock_skew");
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Override
    public Map<String, KnownMember> known(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return call("look up registered inputs", c -> known(c, keys));
    }

    @Override
    public Map<String, KnownMember> latestDone(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return call("look up the done registrations of inputs", c -> latest(c, sql.latestDone, keys));
    }

    /** The latest registration of each of these keys that has one. */
    private Map<String, KnownMember> known(Connection c, Collection<String> keys) throws SQLException {
        return latest(c, sql.known, keys);
    }

    /** A row per key of {@code query} (Sql's known or latestDone) for these keys. */
    private Map<String, KnownMember> latest(Connection c, String query, Collection<String> keys) throws SQLException {
        Map<String, KnownMember> known = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, pipeline);
            ps.setArray(2, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) known.put(rs.getString(1), LedgerRows.knownMember(rs));
            }
        }
        return known;
    }

    @Override
    public Optional<String> digestOwner(String sha256) {
        return call("look up a content digest", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.digestOwner)) {
                ps.setString(1, pipeline);
                ps.setString(2, sha256);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<String> register(List<Split> splits, Map<String, String> follows) {
        if (splits.isEmpty()) return List.of();
        return transaction("register splits", c -> {
            lockRegistrations(c);
            return registerLocked(c, splits, follows);
        });
    }

    /** Registers what the shared rule accepts; the caller holds the pipeline's registration lock. */
    private List<String> registerLocked(Connection c, List<Split> splits, Map<String, String> follows)
            throws SQLException {
        Registration plan = Registration.decide(
                splits, registeredMembers(c, splits), digestOwners(c, splits), follows, latest(c, follows.keySet()));
        refuseTakenIds(c, plan.accepted());
        insert(c, plan.accepted());
        insertDigests(c, plan.newDigests());
        return plan.accepted().stream().map(Split::id).toList();
    }

    @Override
    public Optional<Split> split(String splitId) {
        return call("read split " + splitId, c -> {
            try (PreparedStatement ps = prepare(c, sql.split, pipeline, splitId);
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(split(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public Map<String, Split> splits(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return Map.of();
        return call("read " + splitIds.size() + " split(s)", c -> {
            Map<String, Split> found = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql.splitsById)) {
                ps.setString(1, pipeline);
                ps.setArray(2, c.createArrayOf("text", splitIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    for (Split s : splitsOf(rs)) found.put(s.id(), s);
                }
            }
            return found;
        });
    }

    @Override
    public Optional<String> newestSplit() {
        return call("find the newest split", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.newest)) {
                ps.setString(1, pipeline);
                ps.setArray(2, c.createArrayOf("text", ALL_STATES));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * The split in the claim function's columns (seq, id, bytes, attempts, token, payload, the output key's four
     * columns, then one member per row, in order), from the current row on: reads its rows.
     */
    private static Split split(ResultSet rs) throws SQLException {
        return read(rs).split();
    }

    /** Many splits as {@link #split(ResultSet)} reads one, their rows one split after the other (by seq). */
    private static List<Split> splitsOf(ResultSet rs) throws SQLException {
        List<Split> out = new ArrayList<>();
        boolean more = rs.next();
        while (more) {
            Read r = read(rs);
            out.add(r.split());
            more = r.more();
        }
        return out;
    }

    /** A split read from its first row, and whether a row of another split follows. */
    private record Read(Split split, boolean more) {}

    private static Read read(ResultSet rs) throws SQLException {
        long seq = rs.getLong(1);
        String id = rs.getString(2);
        long bytes = rs.getLong(3);
        String payload = rs.getString(6);
        OutputKey outputKey = LedgerRows.outputKey(rs, 7);
        List<Member> members = new ArrayList<>();
        boolean more;
        do {
            member(rs).ifPresent(members::add);
            more = rs.next();
        } while (more && rs.getLong(1) == seq);
        return new Read(new Split(id, members, bytes, payload, outputKey), more);
    }

    /** The member on this row; none on the row of a split without members (the LEFT JOIN's NULLs). */
    private static Optional<Member> member(ResultSet rs) throws SQLException {
        if (rs.getString(11) == null) return Optional.empty();
        return Optional.of(
                new Member(rs.getString(11), rs.getString(12), rs.getLong(13), rs.getLong(14), rs.getString(15)));
    }

    @Override
    public String incarnation() {
        return call("read the ledger's incarnation", c -> {
            Optional<String> known = incarnation(c);
            if (known.isPresent()) return known.get();
            // another process may make it at the same moment: the insert then keeps that one, which the next
            // statement (a new snapshot) sees
            update(c, sql.newIncarnation, pipeline, UUID.randomUUID().toString());
            return incarnation(c).orElseThrow();
        });
    }

    private Optional<String> incarnation(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql.incarnation, pipeline);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    /** Registrations of one pipeline take turns, so each sees what the one before it registered. */
    private void lockRegistrations(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, Schema.LOCK_CLASS);
            ps.setInt(2, (config.schema() + '\0' + pipeline).hashCode() | 1); // never the migration lock's 0
            ps.execute();
        }
    }

    private Set<Registration.Identity> registeredMembers(Connection c, List<Split> splits) throws SQLException {
        List<Member> members =
                splits.stream().flatMap(s -> s.members().stream()).toList();
        Set<Registration.Identity> found = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql.registeredMembers)) {
            ps.setString(1, pipeline);
            ps.setArray(
                    2, c.createArrayOf("text", members.stream().map(Member::key).toArray()));
            ps.setArray(
                    3,
                    c.createArrayOf(
                            "text", members.stream().map(Member::fingerprint).toArray()));
            ps.setArray(
                    4,
                    c.createArrayOf(
                            "bigint", members.stream().map(Member::start).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) found.add(new Registration.Identity(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
        return found;
    }

    /** The fingerprint of each key's latest registration, read under the registration lock; none: absent. */
    private Map<String, String> latest(Connection c, Set<String> keys) throws SQLException {
        Map<String, String> latest = new HashMap<>();
        if (!keys.isEmpty()) known(c, keys).forEach((key, m) -> latest.put(key, m.fingerprint()));
        return latest;
    }

    private Map<String, String> digestOwners(Connection c, List<Split> splits) throws SQLException {
        Object[] digests = splits.stream()
                .flatMap(s -> s.members().stream())
                .map(Member::digest)
                .filter(Objects::nonNull)
                .distinct()
                .toArray();
        Map<String, String> owners = new HashMap<>();
        if (digests.length == 0) return owners;
        try (PreparedStatement ps = c.prepareStatement(sql.digestOwners)) {
            ps.setString(1, pipeline);
            ps.setArray(2, c.createArrayOf("text", digests));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) owners.put(rs.getString(1), rs.getString(2));
            }
        }
        return owners;
    }

    /** A split whose inputs are all new may still reuse the id of a registered split: that is a planner bug. */
    private void refuseTakenIds(Connection c, List<Split> accepted) throws SQLException {
        if (accepted.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(sql.takenIds)) {
            ps.setString(1, pipeline);
            ps.setArray(
                    2, c.createArrayOf("text", accepted.stream().map(Split::id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) throw Registration.idReused(rs.getString(1));
            }
        }
    }

    private void insert(Connection c, List<Split> accepted) throws SQLException {
        if (accepted.isEmpty()) return;
        long now = clock.millis();
        Map<String, Long> seqs = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.insertSplits)) {
            ps.setString(1, pipeline);
            ps.setLong(2, now);
            ps.setLong(3, now);
            ps.setArray(
                    4, c.createArrayOf("text", accepted.stream().map(Split::id).toArray()));
            ps.setArray(
                    5,
                    c.createArrayOf(
                            "bigint", accepted.stream().map(Split::bytes).toArray()));
            ps.setArray(
                    6,
                    c.createArrayOf(
                            "integer",
                            accepted.stream().map(s -> s.members().size()).toArray()));
            ps.setArray(
                    7,
                    c.createArrayOf(
                            "text", accepted.stream().map(Split::payload).toArray()));
            List<OutputKey> keys = accepted.stream().map(Split::outputKey).toList();
            ps.setArray(8, c.createArrayOf("text", column(keys, OutputKey::key)));
            ps.setArray(9, c.createArrayOf("text", column(keys, OutputKey::version)));
            ps.setArray(10, c.createArrayOf("bigint", column(keys, OutputKey::start)));
            ps.setArray(11, c.createArrayOf("bigint", column(keys, OutputKey::end)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) seqs.put(rs.getString(2), rs.getLong(1));
            }
        }
        List<Object[]> rows = new ArrayList<>();
        for (Split s : accepted) {
            for (int i = 0; i < s.members().size(); i++) {
                Member m = s.members().get(i);
                rows.add(new Object[] {seqs.get(s.id()), i, m.key(), m.fingerprint(), m.start(), m.end(), m.digest()});
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.insertMembers)) {
            ps.setString(1, pipeline);
            String[] types = {"bigint", "integer", "text", "text", "bigint", "bigint", "text"};
            for (int col = 0; col < types.length; col++) {
                int k = col;
                ps.setArray(
                        col + 2,
                        c.createArrayOf(types[col], rows.stream().map(r -> r[k]).toArray()));
            }
            ps.executeUpdate();
        }
    }

    /** One field of each output key, null where there is none. */
    private static Object[] column(List<OutputKey> keys, Function<OutputKey, Object> field) {
        return keys.stream().map(k -> k == null ? null : field.apply(k)).toArray();
    }

    private void insertDigests(Connection c, Map<String, String> digests) throws SQLException {
        if (digests.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(sql.insertDigests)) {
            ps.setString(1, pipeline);
            List<Map.Entry<String, String>> rows = List.copyOf(digests.entrySet());
            ps.setArray(
                    2,
                    c.createArrayOf("text", rows.stream().map(Map.Entry::getKey).toArray()));
            ps.setArray(
                    3,
                    c.createArrayOf(
                            "text", rows.stream().map(Map.Entry::getValue).toArray()));
            ps.executeUpdate();
        }
    }

    // ---- work -----------------------------------------------------------------------------------------

    @Override
    public Optional<Claim> claim(String owner, Duration lease) {
        return grant(
                owner, lease, "claim a split", (c, now, until) -> prepare(c, sql.claim, pipeline, now, owner, until));
    }

    @Override
    public Optional<Claim> claim(String splitId, String owner, Duration lease) {
        Objects.requireNonNull(splitId, "splitId");
        return grant(
                owner,
                lease,
                "claim split " + splitId,
                (c, now, until) -> prepare(c, sql.claimNamed, pipeline, splitId, now, now, owner, until, now));
    }

    @FunctionalInterface
    private interface Grant {
        /** The statement that grants a split: the claim's columns, one row per member; none when nothing is granted. */
        PreparedStatement prepare(Connection c, long now, long until) throws SQLException;
    }

    private Optional<Claim> grant(String owner, Duration lease, String action, Grant grant) {
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        return call(action, c -> {
            long now = clock.millis();
            long until = now + lease.toMillis();
            try (PreparedStatement ps = grant.prepare(c, now, until)) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    int attempt = rs.getInt(4);
                    long token = rs.getLong(5);
                    // the claim and the members come in one statement
                    return Optional.of(new Claim(split(rs), owner, token, Instant.ofEpochMilli(until), attempt));
                }
            }
        });
    }

    @Override
    public boolean heartbeat(Claim claim, Duration lease) {
        requirePositive("lease", lease);
        return call("renew a lease", c -> {
            long now = clock.millis();
            return held(c, sql.heartbeat, claim, now + lease.toMillis(), now) == 1;
        });
    }

    @Override
    public boolean isCurrent(Claim claim) {
        return call("check a claim", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.isCurrent)) {
                ps.setString(1, pipeline);
                ps.setString(2, claim.splitId());
                ps.setString(3, pipeline);
                ps.setString(4, claim.splitId());
                ps.setLong(5, claim.token());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void complete(Claim claim, Completion completion) throws StaleClaimException {
        String outputs = LedgerRows.json(completion.outputs());
        boolean recorded = call(
                "record a completed split",
                c -> held(
                                        c,
                                        sql.complete,
                                        claim,
                                        completion.rowsIn(),
                                        completion.rowsOut(),
                                        completion.rejected(),
                                        outputs,
                                        completion.pipelineVersion(),
                                        clock.millis())
                                == 1
                        || ended(c, claim, SplitState.DONE));
        if (!recorded) throw new StaleClaimException(claim.splitId(), claim.token());
    }

    @Override
    public void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException {
        Objects.requireNonNull(error, "error");
        SplitState next = retryAt.isPresent() ? SplitState.FAILED : SplitState.DEAD;
        Long retry = retryAt.map(Instant::toEpochMilli).orElse(null);
        boolean recorded = call(
                "record a failed split",
                c -> held(c, sql.fail, claim, next.label(), retry, error, clock.millis()) == 1
                        || ended(c, claim, next));
        if (!recorded) throw new StaleClaimException(claim.splitId(), claim.token());
    }

    @Override
    public void release(Claim claim) {
        call("release a claim", c -> held(c, sql.release, claim, clock.millis()));
    }

    @Override
    public boolean expire(String splitId, long token) {
        return call("end a lease", c -> {
            long now = clock.millis();
            try (PreparedStatement ps = prepareHeld(c, sql.expire, splitId, token, now, now)) {
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException {
        List<String> registered = transaction("replace split " + claim.splitId(), c -> {
            lockRegistrations(c);
            long seq;
            try (PreparedStatement ps = prepareHeld(c, sql.heldSeq, claim.splitId(), claim.token());
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                seq = rs.getLong(1);
            }
            // digests stay: the replacements' members keep the keys that own them
            update(c, sql.forget, seq);
            return registerLocked(c, replacements, Map.of());
        });
        if (registered == null) throw new StaleClaimException(claim.splitId(), claim.token());
        return registered;
    }

    /**
     * True when the claim ended the split in {@code state} already: the same call made again after its answer was lost
     * (a connection reset after the commit went through, which a pool member retries), not a stale claim.
     */
    private boolean ended(Connection c, Claim claim, SplitState state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.ended)) {
            ps.setString(1, pipeline);
            ps.setString(2, claim.splitId());
            ps.setLong(3, claim.token());
            ps.setString(4, state.label());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Runs an update guarded by the claim's token: its leading arguments, then the guard's (see {@code Sql.HELD}). */
    private int held(Connection c, String statement, Claim claim, Object... leading) throws SQLException {
        try (PreparedStatement ps = prepareHeld(c, statement, claim.splitId(), claim.token(), leading)) {
            return ps.executeUpdate();
        }
    }

    private PreparedStatement prepareHeld(Connection c, String statement, String splitId, long token, Object... leading)
            throws SQLException {
        PreparedStatement ps = c.prepareStatement(statement);
        int i = 1;
        for (Object arg : leading) {
            if (arg == null) ps.setNull(i++, Types.BIGINT);
            else ps.setObject(i++, arg);
        }
        ps.setString(i++, pipeline);
        ps.setString(i++, splitId);
        ps.setString(i++, pipeline);
        ps.setString(i++, splitId);
        ps.setLong(i, token);
        return ps;
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Override
    public Optional<Lock> lock(String name, String owner, Duration lease) {
        requireLock(name, owner, lease);
        return call("take lock " + name, c -> {
            long now = clock.millis();
            try (PreparedStatement ps = prepare(c, sql.lock, pipeline, name, owner, now + lease.toMillis(), now);
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Lock(name, owner, rs.getLong(1))) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<Lock> holder(String name) {
        return call("look up lock " + name, c -> {
            try (PreparedStatement ps = prepare(c, sql.holder, pipeline, name, clock.millis());
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Lock(name, rs.getString(1), rs.getLong(2))) : Optional.empty();
            }
        });
    }

    @Override
    public boolean holds(Lock lock) {
        return call("check lock " + lock.name(), c -> {
            try (PreparedStatement ps = prepare(c, sql.holds, pipeline, lock.name(), lock.token(), clock.millis());
                    ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void unlock(Lock lock) {
        call("release lock " + lock.name(), c -> update(c, sql.unlock, pipeline, lock.name(), lock.token()));
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Override
    public Map<SplitState, Long> counts() {
        return call("count splits", c -> {
            Map<SplitState, Long> counts = new EnumMap<>(SplitState.class);
            try (PreparedStatement ps = c.prepareStatement(sql.counts)) {
                ps.setString(1, pipeline);
                ps.setArray(2, c.createArrayOf("text", ALL_STATES));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getLong(2) > 0) counts.put(SplitState.ofLabel(rs.getString(1)), rs.getLong(2));
                    }
                }
            }
            return counts;
        });
    }

    @Override
    public List<SplitInfo> splits(Set<SplitState> states, int limit) {
        if (states.isEmpty() || limit <= 0) return List.of();
        return call("list splits", c -> {
            List<SplitInfo> infos = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.splits)) {
                ps.setString(1, pipeline);
                ps.setArray(
                        2,
                        c.createArrayOf(
                                "text", states.stream().map(SplitState::label).toArray()));
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        infos.add(LedgerRows.info(rs));
                    }
                }
            }
            return infos;
        });
    }

    @Override
    public List<SplitInfo> splitsNamed(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return List.of();
        return call("look up splits", c -> {
            List<SplitInfo> infos = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.splitsNamed)) {
                ps.setString(1, pipeline);
                ps.setArray(2, c.createArrayOf("text", splitIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) infos.add(LedgerRows.info(rs));
                }
            }
            return infos;
        });
    }

    @Override
    public int retry(Collection<String> splitIds) {
        return call("send splits back to pending", c -> {
            try (PreparedStatement ps = c.prepareStatement(splitIds.isEmpty() ? sql.retryAll : sql.retrySome)) {
                ps.setLong(1, clock.millis());
                ps.setString(2, pipeline);
                if (!splitIds.isEmpty()) ps.setArray(3, c.createArrayOf("text", splitIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Map<String, Long> doneByVersion() {
        return call("count done splits by pipeline version", c -> {
            Map<String, Long> byVersion = new HashMap<>();
            try (PreparedStatement ps = prepare(c, sql.doneByVersion, pipeline);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) byVersion.put(rs.getString(1), rs.getLong(2));
            }
            return byVersion;
        });
    }

    @Override
    public int requeueOutdated(String current) {
        Objects.requireNonNull(current, "current");
        return call(
                "send outdated splits back to pending",
                c -> update(c, sql.requeueOutdated, clock.millis(), pipeline, current));
    }

    @Override
    public int replay(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return 0;
        return call("send done splits back to pending", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.replay)) {
                ps.setLong(1, clock.millis());
                ps.setString(2, pipeline);
                ps.setArray(3, c.createArrayOf("text", splitIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Totals totals() {
        return call("add up the done splits", c -> {
            try (PreparedStatement ps = prepare(c, sql.totals, pipeline);
                    ResultSet rs = ps.executeQuery()) {
                return LedgerRows.totals(rs);
            }
        });
    }

    @Override
    public void reset() {
        transaction("reset the pipeline", c -> {
            lockRegistrations(c);
            for (String statement : sql.reset) {
                try (PreparedStatement ps = c.prepareStatement(statement)) {
                    ps.setString(1, pipeline);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    // ---- worker pools ----------------------------------------------------------------------------------

    @Override
    public void announce(WorkerInfo self, Duration ttl) {
        requirePositive("ttl", ttl);
        transaction("announce a worker", c -> {
            long now = clock.millis();
            update(c, sql.forgetExpired, pipeline, now);
            update(
                    c,
                    sql.announce,
                    pipeline,
                    self.id(),
                    self.host(),
                    self.pid(),
                    self.started().toEpochMilli(),
                    self.threads(),
                    now,
                    now + ttl.toMillis());
            return null;
        });
    }

    @Override
    public List<WorkerStatus> workers(Duration seenWithin) {
        return call("list workers", c -> {
            long now = clock.millis();
            Map<String, List<String>> held = new HashMap<>();
            try (PreparedStatement ps = prepare(c, sql.liveClaims, pipeline, now);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    held.computeIfAbsent(rs.getString(1), o -> new ArrayList<>())
                            .add(rs.getString(2));
            }
            String leader;
            try (PreparedStatement ps = prepare(c, sql.leader, pipeline, now);
                    ResultSet rs = ps.executeQuery()) {
                leader = rs.next() ? rs.getString(1) : null;
            }
            List<WorkerStatus> workers = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, sql.workers, pipeline, now - seenWithin.toMillis());
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    workers.add(LedgerRows.worker(rs, held, leader));
                }
            }
            return workers;
        });
    }

    @Override
    public void retire(String workerId) {
        transaction("retire a worker", c -> {
            for (String statement : sql.retire) update(c, statement, pipeline, workerId);
            return null;
        });
    }

    @Override
    public boolean lead(String workerId, Duration lease) {
        Objects.requireNonNull(workerId, "workerId");
        requirePositive("lease", lease);
        return call("take the leader lease", c -> {
            long now = clock.millis();
            return update(c, sql.lead, pipeline, workerId, now + lease.toMillis(), now) == 1;
        });
    }

    private static PreparedStatement prepare(Connection c, String statement, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(statement);
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        return ps;
    }

    private static int update(Connection c, String statement, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, statement, args)) {
            return ps.executeUpdate();
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return config.describe() + " (pipeline " + pipeline + ")";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs one statement (or a few reads) in autocommit mode: each statement is atomic on its own. */
    private <T> T call(String action, Work<T> work) {
        if (pool.isClosed()) throw new IllegalStateException(this + " is closed");
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw PostgresErrors.failure(config, action, e);
        }
    }

    private <T> T transaction(String action, Work<T> work) {
        return call(action, c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) { // the connection may be gone: the server rolls back itself
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        });
    }
}
