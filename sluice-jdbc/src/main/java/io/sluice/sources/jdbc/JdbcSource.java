package io.sluice.sources.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.ConfigException;
import io.sluice.config.Connection;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.spi.Digests;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.source.EarlierDefinition;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.source.Windowed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a table or query. A full read is planned once per ledger: one split, or one per key range
 * ({@code partition}). An incremental read plans, each run, the rows after the previous split's upper bound up to the
 * database's clock minus {@code lag}. Every split's payload holds the exact SELECT it reads, so a replay reads the
 * same range; the ranges are registered in order under one member key ({@link #key}), whose latest member's split
 * holds the watermark the next run starts from.
 */
final class JdbcSource implements Source, Windowed {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SAMPLE_ROWS = 100;
    private static final String FULL = "full";
    private static final String INCREMENTAL = "incremental";

    /**
     * @param options the source's block as written, for problems at an option's line
     * @param name    how the input reads in messages: the table, or {@code query}
     * @param table   the table as written; null for a query
     * @param base    the SELECT of every row the source reads, before any range
     */
    record Settings(
            Options options,
            Connection connection,
            String name,
            String table,
            String base,
            Partition partition,
            Incremental incremental,
            int fetchSize) {}

    /** {@code count} ranges, or ranges of about {@code size} rows (the other is 0). */
    record Partition(String column, long count, long size) {}

    /**
     * @param rowsPerSplit 0: one split a run
     * @param zone the zone a cursor without one (PostgreSQL {@code timestamp}, MariaDB {@code DATETIME}) is written
     *     in: its range's upper bound is the database's clock as a wall-clock time there
     * @param zoneGiven whether {@code time_zone} was written (it is refused for a cursor that has a zone)
     * @param afterChange {@code fail}, {@code continue} or {@code from_start}: what a definition does when another
     *     one registered last ({@link #earlier}): it has no watermark of its own, or the other read after it
     */
    record Incremental(
            String column,
            String tieBreaker,
            Duration lag,
            String nulls,
            long rowsPerSplit,
            java.time.ZoneId zone,
            boolean zoneGiven,
            String afterChange) {}

    /**
     * A point in {@code (column, tie_breaker)} order: {@code tie} null stands after every row whose column is
     * {@code at} (a bound from the clock); else right at the row {@code (at, tie)} (a cut inside a run's range).
     */
    private record Bound(String at, String tie) {
        String text() {
            return tie == null ? at : "(" + at + ", " + tie + ")";
        }
    }

    /**
     * A split's payload.
     *
     * @param sql   the SELECT the split reads
     * @param range the range, as a user reads it
     * @param upper    incremental: the range's upper bound, the watermark the next range starts after; else null
     * @param upperTie incremental: the tie breaker's value at {@code upper} when the range ends at a row; null when
     *                 it ends after every row of {@code upper}
     * @param column     incremental: {@code column} as written, so that a later definition can tell whether it may
     *                   continue from {@code upper}; null in splits registered before it was kept
     * @param tieBreaker incremental: {@code tie_breaker} as written (null: none, or not kept)
     */
    record Payload(
            String sql,
            String range,
            String upper,
            String upperTie,
            List<String> bounds,
            String column,
            String tieBreaker) {
        Payload(String sql, String range) {
            this(sql, range, null, null, null, null, null);
        }

        /** A key range of a full read, with every range's bounds, so that an interrupted registration resumes. */
        static Payload range(String sql, String range, List<String> bounds) {
            return new Payload(sql, range, null, null, bounds, null, null);
        }

        String json() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Payload of(Split split) throws IOException {
            if (split.payload() == null) throw new IOException("split " + split.id() + " has no jdbc payload");
            return JSON.readValue(split.payload(), Payload.class);
        }
    }

    /** A column's name as written in an option, without the quotes the database's SQL puts around it, if any. */
    private static String unquoted(String written) {
        boolean quoted = written.length() > 2
                && (written.startsWith("\"") && written.endsWith("\"")
                        || written.startsWith("`") && written.endsWith("`"));
        if (!quoted) return written;
        String q = written.substring(0, 1);
        return written.substring(1, written.length() - 1).replace(q + q, q);
    }

    /** A result's columns: the engine's type of each, and the driver's name of its type. */
    private record Shape(Map<String, String> engine, Map<String, String> driver) {
        /**
         * The column as the result names it: written as it is, or quoted as the database quotes it ({@code "OrderId"},
         * {@code `order`}), or in another case; null when there is none.
         */
        String find(String written) {
            if (engine.containsKey(written)) return written;
            String name = unquoted(written);
            if (engine.containsKey(name)) return name;
            for (String c : engine.keySet()) {
                if (c.equalsIgnoreCase(name)) return c;
            }
            return null;
        }

        /** What to say of a name that is no column of the result: the nearest one, and the columns there are. */
        String notAColumn(String written) {
            return "'" + written + "' is not a column of the rows read"
                    + JdbcErrors.near(written, List.copyOf(engine.keySet())) + "; the columns are " + engine.keySet();
        }

        /** Whether the column (as written) holds numbers, so that its values are numbers in SQL, not strings. */
        boolean numeric(String written) {
            String c = find(written);
            return c != null && TypeMap.numeric(engine.get(c));
        }

        /** The column as the result names it; a split's read fails without it (its plan found it). */
        String column(String written, String option) throws IOException {
            String c = find(written);
            if (c == null) throw new IOException(option + ": " + notAColumn(written));
            return c;
        }
    }

    /** At most this many ranges are found one after the other (each a query); more take one NTILE. */
    private static final long STEPPED_RANGES = 64;

    private final Settings s;
    private final Dialect dialect;
    /** The member key of this input: its name and a hash of what it reads, so another query starts afresh. */
    private final String key;
    /** The pipeline's file, for the commands an error suggests. */
    private final String pipelineFile;

    JdbcSource(Settings settings, PipelineContext context) {
        this.s = settings;
        this.pipelineFile = context.pipelineFile().toString();
        this.dialect = Dialect.of(settings.connection().url().reveal());
        Incremental inc = settings.incremental();
        String identity = settings.base() + (inc == null ? "" : "\0" + inc.column() + "\0" + inc.tieBreaker());
        this.key = settings.name() + "@" + Digests.sha256Hex(identity, 12);
    }

    private java.sql.Connection connect() throws IOException {
        Connection conn = s.connection();
        java.sql.Connection c;
        try {
            c = conn.connect();
        } catch (SQLException e) {
            throw JdbcErrors.connecting(conn, e);
        }
        return prepared(c);
    }

    private java.sql.Connection prepared(java.sql.Connection c) throws IOException {
        Connection conn = s.connection();
        try {
            dialect.prepare(c);
            return c;
        } catch (SQLException e) {
            close(c);
            throw JdbcErrors.statement(conn, c, s.table(), "cannot set up the session", e);
        }
    }

    /**
     * A connection to plan or check with: a failure that the connection's options cause (a wrong password, a database
     * that does not exist) is the pipeline's, a {@link ConfigException} at {@code connection}; any other (the server
     * cannot be reached, has no connection left) stays an {@link IOException}: another try may pass.
     */
    private java.sql.Connection connectToPlan() throws IOException {
        Connection conn = s.connection();
        java.sql.Connection c;
        try {
            c = conn.connect();
        } catch (SQLException e) {
            IOException explained = JdbcErrors.connecting(conn, e);
            if (!JdbcErrors.optionsFault(e)) throw explained;
            throw s.options().problem(JdbcSourceFactory.CONNECTION, explained.getMessage());
        }
        return prepared(c);
    }

    private static void close(java.sql.Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing to keep
        }
    }

    @Override
    public Proposal propose(KnownSplits known) throws IOException {
        KnownMember last = known.members(List.of(key)).get(key);
        java.sql.Connection c = connectToPlan();
        try {
            Shape shape = inspect(c);
            if (s.incremental() != null) return incremental(c, known, last, shape);
            if (last != null) {
                List<Split> rest = unregistered(known, last, shape);
                if (!rest.isEmpty()) {
                    return new Proposal(rest, List.of(), null, List.of(), List.of(), true)
                            .withNotice(s.name() + ": registering the " + rest.size()
                                    + " key range(s) left of a plan that stopped part way");
                }
                refuseChangedFullRead(known, last);
                return new Proposal(
                        List.of(),
                        List.of(Skipped.seen(
                                s.name(),
                                last.state(),
                                "read in full already (split " + last.splitId() + ", "
                                        + last.state().label()
                                        + "): a full read happens once per ledger; use incremental to read changes")));
            }
            refuseChangedFullRead(known, null);
            List<Split> splits = s.partition() == null
                    ? List.of(split(key + "#all", 0, new Payload(s.base(), "all rows")))
                    : partitions(c, shape);
            return new Proposal(splits, List.of(), null, List.of(), List.of(), true);
        } catch (SQLException e) {
            throw JdbcErrors.statement(s.connection(), c, s.table(), "cannot plan " + s.name(), e);
        } finally {
            close(c);
        }
    }

    /**
     * A column of the result (written in an option) as SQL: its name as the result has it, quoted, so that a
     * mixed-case ({@code "updatedAt"}), reserved ({@code order}) or odd name is the column it names.
     */
    private String sqlName(Shape shape, String written) {
        return dialect.quote(shape.find(written)); // inspect() made sure it is there
    }

    /**
     * A split of this input, its member the {@code index}-th range of the key, open to the end: after a reset, a files
     * sink removes the outputs of earlier incarnations whose inputs overlap a new split's, and a run's first range
     * reads from the start, over what every earlier range read. Ended at {@code index + 1}, it replaced only the
     * first earlier range's output: a table read in two runs was in the output one and a half times.
     */
    private Split split(String id, long index, Payload payload) {
        String fingerprint = payload.upper() == null ? FULL : INCREMENTAL;
        return new Split(id, List.of(new Member(key, fingerprint, index, Member.WHOLE, null)), 0, payload.json(), null);
    }

    /**
     * Ranges of about equal row counts, so that a skewed column (most rows on a few keys) does not give one giant split:
     * cut at PostgreSQL's histogram of the column where it has fresh statistics of it, on MariaDB and MySQL at values
     * found a range's rows apart, else at the upper value of each {@code ntile} of the column. Equal bounds merge, so
     * a key never spans two ranges.
     */
    private List<Split> partitions(java.sql.Connection c, Shape shape) throws SQLException, IOException {
        Partition p = s.partition();
        String col = sqlName(shape, p.column());
        Optional<KeyStatistics> statistics = dialect == Dialect.POSTGRES && tablesOwn(shape.find(p.column()))
                ? KeyStatistics.of(c, s.table(), col)
                : Optional.empty();
        long n = p.count();
        if (n == 0) {
            long rows = statistics.isPresent()
                    ? statistics.get().rows()
                    : single(c, "SELECT count(*) FROM (" + s.base() + ") s");
            n = Math.max(1, (rows + p.size() - 1) / p.size());
        }
        final long tiles = n;
        Optional<List<String>> estimated = statistics.flatMap(st -> st.upperBounds(tiles));
        List<String> bounds = estimated.isPresent()
                ? estimated.get()
                : dialect == Dialect.MYSQL && s.table() != null && n <= STEPPED_RANGES
                        ? stepped(c, col, n, shape.numeric(p.column()))
                        : ntile(c, col, n, shape.engine().get(shape.find(p.column())));
        if (bounds.isEmpty()) return List.of(split(key + "#all", 0, new Payload(s.base(), "all rows")));
        return ranges(bounds, shape);
    }

    /**
     * Whether the output column {@code name} is the table's column of that name as it is (all columns are read, or
     * it is listed as such), so that the table's statistics order it as the ranges compare it. Selected otherwise
     * ({@code id::text AS id}, another collation), the histogram's bounds could be out of its order, and ranges cut
     * at them overlap.
     */
    private boolean tablesOwn(String name) {
        List<String> columns = s.options().get(JdbcSourceFactory.COLUMNS);
        return columns.isEmpty()
                || columns.stream()
                        .map(String::strip)
                        .anyMatch(item -> item.equals(dialect.quote(name))
                                || !item.startsWith("\"") && item.equalsIgnoreCase(name));
    }

    /** The upper bounds of {@code n} ranges of about equal rows: the last value of each {@code NTILE}, the last one left out. */
    private List<String> ntile(java.sql.Connection c, String col, long n, String engineType) throws SQLException {
        List<String> bounds = new ArrayList<>();
        // PostgreSQL has no max(uuid); a uuid's text in byte order ("C") is in the uuid's own order
        String last = dialect == Dialect.POSTGRES && engineType.equals("UUID")
                ? "max(" + col + "::text COLLATE \"C\")"
                : "max(" + col + ")";
        String ntile = "SELECT " + last + " FROM (SELECT " + col + ", NTILE(" + n + ") OVER (ORDER BY " + col
                + ") AS sluice_tile FROM (" + s.base() + ") s WHERE " + col + " IS NOT NULL) t GROUP BY sluice_tile "
                + "ORDER BY sluice_tile";
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(ntile)) {
            while (rs.next()) {
                String b = rs.getString(1);
                if (bounds.isEmpty() || !bounds.getLast().equals(b)) bounds.add(b);
            }
        }
        if (!bounds.isEmpty()) bounds.removeLast(); // the last range is open above
        return bounds;
    }

    /**
     * The same bounds found one after the other: each is the value {@code rows / n} rows past the one before, in the
     * column's order ({@code WHERE col > previous ORDER BY col LIMIT 1 OFFSET k}). With an index on the column each
     * query seeks and steps through its range alone, so the column is read about once in all, where MariaDB's
     * {@code NTILE} sorts it whole (25 s of server time for ten million keys, measured).
     */
    private List<String> stepped(java.sql.Connection c, String col, long n, boolean numeric) throws SQLException {
        long keys = single(c, "SELECT count(" + col + ") FROM (" + s.base() + ") s");
        long step = (keys + n - 1) / n;
        List<String> bounds = new ArrayList<>();
        if (step == 0) return bounds;
        for (long i = 1; i < n && i * step < keys; i++) {
            String after = bounds.isEmpty() ? "" : " AND " + col + " > " + dialect.literal(bounds.getLast(), numeric);
            String next = "SELECT " + col + " FROM (" + s.base() + ") s WHERE " + col + " IS NOT NULL" + after
                    + " ORDER BY " + col + " LIMIT 1 OFFSET " + (step - 1);
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(next)) {
                if (!rs.next()) break; // fewer distinct values than ranges: the rest is the last range
                bounds.add(rs.getString(1));
            }
        }
        return bounds;
    }

    /**
     * The ranges of a full read not registered yet: registration goes in order and stops at the first range refused
     * (or when the planner dies), so the ranges after the latest registered one, rebuilt from the bounds it holds.
     */
    private List<Split> unregistered(KnownSplits known, KnownMember last, Shape shape) throws IOException {
        Optional<Split> latest = known.split(last.splitId());
        if (latest.isEmpty()) return List.of();
        List<String> bounds = Payload.of(latest.get()).bounds();
        if (bounds == null || s.partition() == null) return List.of();
        List<Split> all = ranges(bounds, shape);
        return all.subList((int) Math.min(all.size(), last.start() + 1), all.size());
    }

    /** One split a key range of the partition column: up to the first bound (and NULL), between bounds, above the last. */
    private List<Split> ranges(List<String> bounds, Shape shape) {
        String col = sqlName(shape, s.partition().column());
        String written = s.partition().column();
        boolean numeric = shape.numeric(written);
        String tag = Digests.sha256Hex(String.join("\0", bounds), 8);
        int count = bounds.size() + 1;
        List<Split> splits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String low = i == 0 ? null : dialect.literal(bounds.get(i - 1), numeric);
            String high = i == count - 1 ? null : dialect.literal(bounds.get(i), numeric);
            String where;
            String range;
            if (low == null) {
                where = col + " IS NULL OR " + col + " <= " + high;
                range = written + " <= " + bounds.get(i) + " or NULL";
            } else if (high == null) {
                where = col + " > " + low;
                range = written + " > " + bounds.get(i - 1);
            } else {
                where = col + " > " + low + " AND " + col + " <= " + high;
                range = written + " in (" + bounds.get(i - 1) + ", " + bounds.get(i) + "]";
            }
            String sql = "SELECT * FROM (" + s.base() + ") s WHERE " + where;
            splits.add(split(key + "#p" + (i + 1) + "of" + count + "-" + tag, i, Payload.range(sql, range, bounds)));
        }
        return splits;
    }

    /**
     * The next range: after the previous split's upper bound (none: from the start), up to the database's clock
     * minus lag, read in {@code (column, tie_breaker)} order; with {@code rows_per_split}, cut at rows of that order
     * into splits registered in order, so rows with one timestamp on both sides of a cut are each read once. No split
     * when the range holds no row: the next run's range then starts at the same place.
     */
    private Proposal incremental(java.sql.Connection c, KnownSplits known, KnownMember last, Shape shape)
            throws SQLException, IOException {
        Incremental inc = s.incremental();
        String col = inc.column();
        String tb = inc.tieBreaker();
        // inspect() made sure of the columns and of the cursor's type
        String clock = dialect.clockMinus(inc.lag(), shape.driver().get(shape.find(col)));
        String sqlCol = sqlName(shape, col);
        String sqlTb = tb == null ? null : sqlName(shape, tb);
        List<String> notices = new ArrayList<>();
        Bound lower = null;
        long index = 0;
        if (last != null) index = last.start() + 1;
        lower = afterChange(known, last, notices);
        Bound end;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(clock)) {
            rs.next();
            end = new Bound(wallClock(rs.getString(1), inc.zone()), null);
        }
        long nulls = single(c, "SELECT count(*) FROM (" + s.base() + ") s WHERE " + sqlCol + " IS NULL");
        boolean readNulls = false;
        if (nulls > 0) {
            switch (inc.nulls()) {
                case "fail" ->
                    throw new IOException(s.name() + ": " + nulls + " row(s) have no " + col + " (NULL), so "
                            + "an incremental read cannot place them; fill the column, filter them out (where:), "
                            + "or set incremental.nulls: skip or first_run");
                case "skip" ->
                    notices.add(s.name() + ": " + nulls + " row(s) with a NULL " + col
                            + " are not read (incremental.nulls: skip)");
                default -> {
                    if (lower == null) {
                        readNulls = true;
                    } else {
                        // the count is of every NULL row now, those the first run read among them
                        notices.add(s.name() + ": " + nulls + " row(s) have a NULL " + col + ": the first run read "
                                + "those there were then, and later ones are not read (incremental.nulls: first_run)");
                    }
                }
            }
        }
        String order = " ORDER BY " + sqlCol + (tb == null ? "" : ", " + dialect.nullsFirst(sqlTb));
        String ranged = "SELECT * FROM (" + s.base() + ") s WHERE " + between(lower, end, shape);
        // a count, not "LIMIT 1": with the limit the run after 100,000 changes of 10 million took 0.8 s more (B9),
        // likely a scan in table order for a first row after the watermark, where changed rows sit at the end
        long rows = single(c, "SELECT count(*) FROM (" + ranged + ") r");
        if (rows == 0 && !readNulls) {
            Proposal none = new Proposal(
                    List.of(),
                    List.of(Skipped.seen(
                            s.name(),
                            last == null ? null : last.state(),
                            "no rows with " + col + " after " + (lower == null ? "the start" : lower.text()) + " up to "
                                    + end.text() + " (the database's clock minus lag " + lag() + ")")));
            for (String n : notices) none = none.withNotice(n);
            return none.withNotice(nothingNew(c, lower, shape));
        }
        List<Bound> cuts = new ArrayList<>();
        long per = inc.rowsPerSplit();
        if (per > 0 && rows > per) {
            String numbered = "SELECT " + sqlCol + ", " + sqlTb + " FROM (SELECT " + sqlCol + ", " + sqlTb
                    + ", ROW_NUMBER() OVER (" + order.strip() + ") AS sluice_row FROM (" + ranged
                    + ") r) n WHERE MOD(sluice_row, " + per + ") = 0 AND sluice_row < " + rows
                    + " ORDER BY sluice_row";
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(numbered)) {
                while (rs.next()) cuts.add(new Bound(rs.getString(1), rs.getString(2)));
            }
        }
        cuts.add(end);
        List<Split> splits = new ArrayList<>();
        Bound from = lower;
        for (int k = 0; k < cuts.size(); k++) {
            Bound to = cuts.get(k);
            boolean withNulls = readNulls && k == 0; // the first run's NULL cursors: in its first split
            String where = between(from, to, shape) + (withNulls ? " OR " + sqlCol + " IS NULL" : "");
            String range = (tb == null ? col : "(" + col + ", " + tb + ")")
                    + (from == null ? "" : " > " + from.text() + " and") + " <= " + to.text()
                    + (withNulls ? ", or NULL" : "");
            splits.add(split(
                    key + "#i" + (index + k + 1) + "-" + Digests.sha256Hex(to.at() + "\0" + to.tie(), 8),
                    index + k,
                    new Payload(
                            "SELECT * FROM (" + s.base() + ") s WHERE " + where + order,
                            range,
                            to.at(),
                            to.tie(),
                            null,
                            inc.column(),
                            inc.tieBreaker())));
            from = to;
        }
        return new Proposal(splits, List.of(), null, List.of(), notices, true);
    }

    /** The ids of this source's splits: the member key, then the whole read, a key range or an incremental range. */
    static final java.util.regex.Pattern SPLIT_ID =
            java.util.regex.Pattern.compile("(.+@[0-9a-f]{12})#(?:all|p\\d+of\\d+-[0-9a-f]{8}|i\\d+-[0-9a-f]{8})");

    /**
     * What an earlier definition of this read registered last: its member key, its latest split and that split's
     * payload, whose upper bound is its watermark (none: it read in full).
     */
    private record Earlier(EarlierDefinition found, Payload payload) {
        String describe() {
            return describe("an earlier");
        }

        /** What it read, as {@code which} definition ("an earlier", "another") of this read. */
        String describe(String which) {
            String read;
            if (payload.upper() != null) read = payload.range() + " last";
            else if (payload.bounds() == null) read = "it in full (" + payload.range() + ")";
            else read = "it in full in " + (payload.bounds().size() + 1) + " key ranges, the last " + payload.range();
            return which + " definition of it (" + found.key() + ") read " + read + " " + found.where();
        }

        String upperText() {
            return new Bound(payload.upper(), payload.upperTie()).text();
        }

        /** Why this definition cannot go on from the earlier watermark; null when it can. */
        String cannotContinue(Incremental inc) {
            if (payload.upper() == null) return "it read in full, with no watermark to continue from";
            String range = payload.range();
            boolean sameColumn = payload.column() != null
                    ? sameName(payload.column(), inc.column())
                    // a split registered before the column was kept: its range names it first
                    : range.startsWith(inc.column() + " ") || range.startsWith("(" + inc.column() + ", ");
            if (!sameColumn) {
                return "its watermark is a value of "
                        + (payload.column() == null ? "another column" : payload.column()) + ", not of "
                        + inc.column();
            }
            if (payload.upperTie() == null) return null;
            boolean sameTie = payload.tieBreaker() != null
                    ? inc.tieBreaker() != null && sameName(payload.tieBreaker(), inc.tieBreaker())
                    : inc.tieBreaker() != null && range.startsWith("(" + inc.column() + ", " + inc.tieBreaker() + ")");
            if (sameTie) return null;
            return "its last range ends inside the rows of " + inc.column() + " = " + payload.upper()
                    + ", at a value of its own tie_breaker, which is not this one's; restore the earlier definition "
                    + "for one run (a run's last range ends after every row of its timestamp), then change it again";
        }

        /** Two column names as written, the same column: quotes and case aside (as {@link Shape#find} finds one). */
        private static boolean sameName(String a, String b) {
            return unquoted(a).equalsIgnoreCase(unquoted(b));
        }
    }

    /**
     * The split registered last, when it is of another member key than this one's. The ledger is the pipeline's and
     * this is its source, so such a split was registered by an earlier definition of this read: one whose
     * {@code table}, {@code columns}, {@code where}, {@code query}, {@code column} or {@code tie_breaker} differed (the
     * member key is a hash of them). One look-up ({@link KnownSplits#newestSplit}), whatever the ledger holds.
     */
    private Optional<Earlier> earlier(KnownSplits known) throws IOException {
        Optional<EarlierDefinition> found = EarlierDefinition.find(known, key, SPLIT_ID);
        if (found.isEmpty()) return Optional.empty();
        return Optional.of(new Earlier(found.get(), Payload.of(found.get().split())));
    }

    /**
     * Where this definition's next range starts: after its own watermark ({@code last}'s upper bound; the start when it
     * has none), unless the split registered last is another definition's ({@link #earlier}). With no watermark of its
     * own, reading from the start would put the rows the earlier one read in the output again (a files sink, a jdbc
     * sink in append mode hold them twice), and going on from its watermark would leave out the older rows that only
     * this definition selects. With one, another definition read after it (this one was restored after
     * {@code after_change: continue}): going on from its own watermark would read again what the other read after it.
     * Which is right is the user's to say ({@code after_change}), so by default the plan fails, naming the watermark
     * and the choices.
     */
    private Bound afterChange(KnownSplits known, KnownMember last, List<String> notices) throws IOException {
        Bound own = last == null ? null : watermark(known, last);
        Optional<Earlier> found = earlier(known);
        if (found.isEmpty()) return own;
        Earlier e = found.get();
        Incremental inc = s.incremental();
        Options block = s.options().get(JdbcSourceFactory.INCREMENTAL_BLOCK);
        String cannot = e.cannotContinue(inc);
        String which = last == null ? "earlier" : "other";
        String other = e.describe(last == null ? "an earlier" : "another");
        switch (inc.afterChange()) {
            case "from_start" -> {
                notices.add(s.name() + ": reading every row from the start (incremental.after_change: from_start); "
                        + other + ", and what it wrote stays in the output");
                return null;
            }
            case "continue" -> {
                if (cannot != null) {
                    throw block.problem(
                            JdbcSourceFactory.AFTER_CHANGE,
                            s.name() + ": cannot continue: " + other + ", and " + cannot + ". "
                                    + choices(e, cannot, which));
                }
                notices.add(s.name() + ": continuing after " + e.upperText()
                        + " (incremental.after_change: continue), where " + other);
                return new Bound(e.payload().upper(), e.payload().upperTie());
            }
            default -> {
                String what = last == null
                        ? "this definition has read nothing yet, and " + other + ": its table, columns, where, query, "
                                + "column or tie_breaker changed since, and read from the start now, the rows read "
                                + "before would be in the output again (twice in a files sink). "
                        : "this definition read up to " + own.text() + " (split " + last.splitId() + "), and then "
                                + other + ": going on from its own watermark now, the rows the other one read after "
                                + own.text() + " would be in the output again (twice in a files sink). ";
                throw block.problem(JdbcSourceFactory.AFTER_CHANGE, s.name() + ": " + what + choices(e, cannot, which));
            }
        }
    }

    /**
     * A full read whose own key has registered nothing, while the split registered last is another definition's
     * ({@link #earlier}): read now, under its own split ids and output names, its rows would stand in the output beside
     * what the earlier definition wrote (every row twice in a files sink, old and new rows mixed), since no sink
     * replaces the output of another member key. So the plan fails, naming the earlier definition and the choices. A
     * sink could replace the earlier output by an output key shared by the definitions, but the jdbc sink replaces
     * every other split of a key (a partitioned read's ranges too), and nothing would stand for the earlier definition
     * once it is read over. Read already ({@code last}), while another definition read after it (an incremental one
     * with {@code after_change: from_start}): the output holds the rows of both, and the plan fails too.
     */
    private void refuseChangedFullRead(KnownSplits known, KnownMember last) throws IOException {
        Optional<Earlier> found = earlier(known);
        if (found.isEmpty()) return;
        Earlier e = found.get();
        Field<String> option = s.table() == null ? JdbcSourceFactory.QUERY : JdbcSourceFactory.TABLE;
        String once = "Choose: " + EarlierDefinition.deleteOutputChoice(pipelineFile) + "; ";
        if (last != null) {
            throw s.options()
                    .problem(
                            option,
                            s.name() + ": this definition was read in full (split " + last.splitId() + ", "
                                    + last.state().label() + "), and then " + e.describe("another") + ": the "
                                    + "output holds the rows of both. " + once + "or restore the other definition");
        }
        String restore = e.payload().upper() == null
                ? "or restore the earlier definition, which was read in full already"
                : "or restore the earlier incremental definition, which goes on from its watermark";
        throw s.options()
                .problem(
                        option,
                        s.name() + ": this definition has read nothing yet, and " + e.describe() + ": its table, "
                                + "columns, where or query changed since (or incremental was dropped), and read in "
                                + "full now, its rows would be in the output beside those the earlier one wrote "
                                + "(twice in a files sink). " + once
                                + EarlierDefinition.keepOutputChoice(pipelineFile, "a jdbc sink with upsert keys")
                                + "; " + restore);
    }

    /** This definition's own watermark: the upper bound of its latest range ({@code last}). */
    private Bound watermark(KnownSplits known, KnownMember last) throws IOException {
        Optional<Split> previous = known.split(last.splitId());
        if (previous.isEmpty()) {
            throw new IOException("the ledger no longer holds split " + last.splitId() + " of " + s.name()
                    + ", whose upper bound is where this run starts; reset the pipeline's ledger to read "
                    + s.name() + " from the start");
        }
        Payload p = Payload.of(previous.get());
        return new Bound(p.upper(), p.upperTie());
    }

    /**
     * The ways on from a changed definition; {@code cannot}: why {@code continue} is not one of them (null: it is);
     * {@code which}: how the definition that read last is called ("earlier", "other").
     */
    private String choices(Earlier e, String cannot, String which) {
        String cont = cannot == null
                ? "incremental.after_change: continue, to read the rows after " + e.upperText()
                        + " with this definition (the output keeps what the " + which + " one read); "
                : "";
        return "Choose: sluice reset " + pipelineFile
                + " --delete-output --yes, then run, to read every row once with this "
                + "definition; " + cont + "incremental.after_change: from_start, to read every row again, keeping "
                + "the " + which + " output (a jdbc sink with upsert keys replaces those rows; a files sink holds them "
                + "twice); or restore the " + which + " definition, which goes on from its watermark";
    }

    private static final java.time.format.DateTimeFormatter WALL_CLOCK =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    /**
     * The database's clock (a UTC time, as its sessions run in UTC) as the wall-clock time in {@code zone} that a
     * cursor written there has now; the clock's own text in UTC. Converted here, not by the database: MariaDB knows
     * zone names only when its time zone tables are loaded.
     */
    private static String wallClock(String utc, java.time.ZoneId zone) {
        if (zone.normalized().equals(java.time.ZoneOffset.UTC)) return utc; // UTC, Etc/UTC
        return java.time.LocalDateTime.ofInstant(CursorValue.parse(utc, "the database's clock"), zone)
                .format(WALL_CLOCK);
    }

    /**
     * Why a run has nothing to read, in one line a scheduled run prints: no row after the watermark, or rows after it
     * that the upper bound (the clock minus lag) has not passed yet. Without the clock's value, so that a watching run,
     * which says a notice again only when it changes, does not say it every interval.
     */
    private String nothingNew(java.sql.Connection c, Bound lower, Shape shape) {
        Incremental inc = s.incremental();
        String bound = "now - lag " + lag();
        // a watermark from the clock stands after every row of its time; one cut at a row names the tie breaker too
        String cursor = lower == null || lower.tie() == null
                ? inc.column()
                : "(" + inc.column() + ", " + inc.tieBreaker() + ")";
        String after = lower == null ? sqlName(shape, inc.column()) + " IS NOT NULL" : after(lower, shape);
        long later;
        try {
            later = single(c, "SELECT count(*) FROM (" + s.base() + ") s WHERE " + after);
        } catch (SQLException e) {
            // the count only feeds this line: a plan that found nothing to read is not failed by it (a timeout on a
            // large table, a row past the bound that the query cannot compute)
            String why = String.valueOf(e.getMessage())
                    .lines()
                    .findFirst()
                    .orElse("")
                    .strip();
            return "nothing new in " + s.name() + ": no row "
                    + (lower == null ? "with " + inc.column() : "after " + cursor + " " + lower.text())
                    + " up to the upper bound " + bound
                    + " (the rows past it were not counted: " + why + ")";
        }
        if (lower == null) {
            return later == 0
                    ? "nothing new in " + s.name() + ": no row with " + inc.column() + " up to " + bound
                            + " yet (a first run reads from the start)"
                    : "nothing new in " + s.name() + ": " + later + " row(s) with " + inc.column()
                            + " are not before the upper bound " + bound + " yet: a later run reads them";
        }
        return later == 0
                ? "nothing new in " + s.name() + ": no row after " + cursor + " " + lower.text() + " (upper bound "
                        + bound + ")"
                : "nothing new in " + s.name() + ": " + later + " row(s) after " + cursor + " " + lower.text()
                        + " are not before the upper bound " + bound + " yet: a later run reads them";
    }

    /** {@code lag} as written in short: 5m, 1h30m, 10s. */
    private String lag() {
        return s.incremental().lag().toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** The rows after {@code from} in {@code (column, tie_breaker)} order. */
    private String after(Bound from, Shape shape) {
        String tieBreaker = s.incremental().tieBreaker();
        String col = sqlName(shape, s.incremental().column());
        String tb = tieBreaker == null ? null : sqlName(shape, tieBreaker);
        boolean tieNumeric = tieBreaker != null && shape.numeric(tieBreaker);
        return from.tie() == null
                ? col + " > " + dialect.literal(from.at(), false)
                : "(" + col + " > " + dialect.literal(from.at(), false) + " OR (" + col + " = "
                        + dialect.literal(from.at(), false) + " AND " + tb + " > "
                        + dialect.literal(from.tie(), tieNumeric) + "))";
    }

    /** Rows after {@code from} (null: from the first) up to {@code to}, in {@code (column, tie_breaker)} order. */
    private String between(Bound from, Bound to, Shape shape) {
        String tieBreaker = s.incremental().tieBreaker();
        String col = sqlName(shape, s.incremental().column());
        String tb = tieBreaker == null ? null : sqlName(shape, tieBreaker);
        boolean tieNumeric = tieBreaker != null && shape.numeric(tieBreaker);
        // a NULL tie breaker is neither <= nor > a cut's: it goes up to the cut, where the order puts it (first)
        String upTo = to.tie() == null
                ? col + " <= " + dialect.literal(to.at(), false)
                : "(" + col + " < " + dialect.literal(to.at(), false) + " OR (" + col + " = "
                        + dialect.literal(to.at(), false) + " AND (" + tb + " IS NULL OR " + tb + " <= "
                        + dialect.literal(to.tie(), tieNumeric) + ")))";
        if (from == null) return "(" + upTo + ")";
        return "(" + after(from, shape) + " AND " + upTo + ")";
    }

    private static long single(java.sql.Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The columns of a SELECT, mapped to engine types; an unmappable one fails with the cast to use. */
    private Shape shape(java.sql.Connection c, String sql) throws SQLException, IOException {
        try {
            return mappedShape(c, sql);
        } catch (TypeMap.Unmappable e) {
            throw new IOException(unmappable(e), e);
        }
    }

    private Shape mappedShape(java.sql.Connection c, String sql) throws SQLException, TypeMap.Unmappable {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM (" + sql + ") s WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            Map<String, String> driver = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) driver.put(md.getColumnLabel(i), md.getColumnTypeName(i));
            return new Shape(TypeMap.columns(dialect, c.getMetaData().getDatabaseProductName(), md), driver);
        }
    }

    private String unmappable(TypeMap.Unmappable e) {
        return s.name() + " (" + s.connection().describe() + "): " + e.getMessage();
    }

    /**
     * The columns of the rows read, checked against the options before anything is planned or sampled (and by
     * {@code sluice validate}): the SELECT runs, each column has an engine type, the partition and incremental columns
     * are among them and the cursor is a timestamp. A mistake there is the pipeline's, not the database's: a
     * {@link ConfigException} at the option's line, so that validate finds it and a run stops as for any invalid
     * pipeline.
     */
    private Shape inspect(java.sql.Connection c) throws SQLException {
        Options o = s.options();
        Shape shape;
        try {
            shape = mappedShape(c, s.base());
        } catch (SQLException e) {
            if (!JdbcErrors.mistake(e)) throw e;
            throw o.problem(selectOption(e), s.connection().describe() + ": " + JdbcErrors.explain(c, s.table(), e));
        } catch (TypeMap.Unmappable e) {
            Field<?> where = s.table() == null
                    ? JdbcSourceFactory.QUERY
                    : o.get(JdbcSourceFactory.COLUMNS).isEmpty() ? JdbcSourceFactory.TABLE : JdbcSourceFactory.COLUMNS;
            throw o.problem(where, unmappable(e));
        }
        if (s.partition() != null) {
            String col = s.partition().column();
            if (shape.find(col) == null) {
                throw o.get(JdbcSourceFactory.PARTITION_BLOCK)
                        .problem(JdbcSourceFactory.PARTITION_COLUMN, shape.notAColumn(col));
            }
        }
        Incremental inc = s.incremental();
        if (inc != null) {
            Options i = o.get(JdbcSourceFactory.INCREMENTAL_BLOCK);
            String cursor = shape.find(inc.column());
            if (cursor == null) throw i.problem(JdbcSourceFactory.CURSOR, shape.notAColumn(inc.column()));
            if (inc.tieBreaker() != null && shape.find(inc.tieBreaker()) == null) {
                throw i.problem(JdbcSourceFactory.TIE_BREAKER, shape.notAColumn(inc.tieBreaker()));
            }
            String type = shape.driver().get(cursor);
            if (dialect.clockMinus(inc.lag(), type) == null) {
                throw i.problem(
                        JdbcSourceFactory.CURSOR,
                        "'" + inc.column() + "' has type " + type + "; it must be a timestamp ("
                                + dialect.timestampTypes() + ") that grows with every change");
            }
            if (inc.zoneGiven()
                    && "TIMESTAMP WITH TIME ZONE".equals(shape.engine().get(cursor))) {
                throw i.problem(
                        JdbcSourceFactory.TIME_ZONE,
                        "'" + inc.column() + "' has type " + type + ", whose values are instants, compared as such; "
                                + "time_zone is for a timestamp without a time zone (PostgreSQL timestamp, MariaDB "
                                + "and MySQL DATETIME): drop it");
            }
        }
        return shape;
    }

    /** The option a SELECT that does not run was written in: the query, the table, or the column or condition. */
    private Field<?> selectOption(SQLException e) {
        Options o = s.options();
        if (s.table() == null) return JdbcSourceFactory.QUERY;
        if (JdbcErrors.missingTable(e)) return JdbcSourceFactory.TABLE;
        List<String> columns = o.get(JdbcSourceFactory.COLUMNS);
        String name = JdbcErrors.missingName(e);
        boolean inColumns = !name.isEmpty() && columns.stream().anyMatch(item -> item.contains(name));
        if (inColumns || !columns.isEmpty() && !o.has(JdbcSourceFactory.WHERE)) return JdbcSourceFactory.COLUMNS;
        return o.has(JdbcSourceFactory.WHERE) ? JdbcSourceFactory.WHERE : JdbcSourceFactory.TABLE;
    }

    /**
     * Checks the options against the database ({@link #inspect}) when it can be reached; when it cannot (validating
     * offline), says so instead.
     */
    @Override
    public Optional<String> check() throws IOException {
        return check(null);
    }

    /**
     * {@link #check()}, and what the plan does when another definition of this read registered last
     * ({@link #afterChange}, {@link #refuseChangedFullRead}): the same refusal as a run's.
     */
    @Override
    public Optional<String> check(KnownSplits known) throws IOException {
        java.sql.Connection c;
        try {
            c = connectToPlan();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
        try {
            inspect(c);
            if (known != null) {
                KnownMember own = known.members(List.of(key)).get(key);
                if (s.incremental() != null) afterChange(known, own, new ArrayList<>());
                else refuseChangedFullRead(known, own);
            }
            return Optional.empty();
        } catch (SQLException e) {
            // the server's trouble, not the pipeline's (a broken connection, a timeout): a run meets it when it plans
            return Optional.of(JdbcErrors.statement(s.connection(), c, s.table(), "cannot check " + s.name(), e)
                    .getMessage());
        } finally {
            close(c);
        }
    }

    /** The columns an incremental range is read in order of, as the result names them; none for a key range. */
    private List<String> order(Payload payload, Shape shape) throws IOException {
        Incremental inc = s.incremental();
        if (payload.upper() == null || inc == null) return List.of();
        List<String> order = new ArrayList<>();
        order.add(shape.column(inc.column(), "incremental.column"));
        if (inc.tieBreaker() != null) order.add(shape.column(inc.tieBreaker(), "incremental.tie_breaker"));
        return order;
    }

    /** Writes the rows of {@code sql} (at most {@code maxRows}; 0: all) into the CSV spool the engine reads. */
    private void spool(java.sql.Connection c, String sql, Shape shape, List<String> order, Path file, int maxRows)
            throws SQLException, IOException {
        String query = dialect.streamedQuery(sql, shape.driver(), order);
        Spool.write(dialect, c, query, shape.engine(), file, s.fetchSize(), maxRows);
    }

    @Override
    public SplitReader open(Split split, ReadContext context) throws IOException {
        Payload payload = Payload.of(split);
        Path file = context.scratch().resolve("rows.csv");
        java.sql.Connection c = connect();
        try {
            Shape shape = shape(c, payload.sql());
            spool(c, payload.sql(), shape, order(payload, shape), file, 0);
            return SplitReader.of(
                    LocalFiles.typedCsv(List.of(LocalFiles.Part.whole(file, describe(split))), shape.engine())
                            .withFix(dialect.badValueFix()),
                    List.of());
        } catch (SQLException e) {
            throw JdbcErrors.reading(s.connection(), c, s.table(), "cannot read " + describe(split), e);
        } finally {
            close(c);
        }
    }

    @Override
    public Sample sample(Path scratch) throws IOException {
        Path file = Files.createDirectories(scratch).resolve("sample.csv");
        java.sql.Connection c = connectToPlan();
        try {
            Shape shape = inspect(c);
            spool(c, s.base(), shape, List.of(), file, SAMPLE_ROWS);
            return Sample.of(LocalFiles.typedCsv(List.of(LocalFiles.Part.whole(file, s.name())), shape.engine()));
        } catch (SQLException e) {
            throw JdbcErrors.statement(s.connection(), c, s.table(), "cannot read " + s.name(), e);
        } finally {
            close(c);
        }
    }

    /**
     * The incremental ranges that meet {@code [from, to)}: a range runs from the upper bound of the one registered
     * before it (the start, for the first) to its own. The comparison is on the cursor's value alone, so a range whose
     * bound lies on {@code from} or {@code to} is taken whole: a wider read, never a missed row.
     */
    @Override
    public Window window(List<Split> registered, String from, String to) throws IOException {
        if (s.incremental() == null) {
            throw new IOException(s.name() + " is read in full, once, with no ranges of a column to read again; "
                    + "a backfill needs incremental: { column: ... }. To read it all again: sluice reset");
        }
        Instant start = CursorValue.parse(from, "--from");
        Instant end = CursorValue.parse(to, "--to");
        if (!start.isBefore(end)) {
            throw new IllegalArgumentException("--from " + from + " is not before --to " + to
                    + "; the window runs from --from (included) up to --to (left out)");
        }
        List<Split> ranges = registered.stream()
                .filter(x ->
                        x.members().size() == 1 && x.members().getFirst().key().equals(key))
                .sorted(java.util.Comparator.comparingLong(
                        x -> x.members().getFirst().start()))
                .toList();
        List<Split> meeting = new ArrayList<>();
        Instant lower = null;
        for (Split range : ranges) {
            Instant upper = CursorValue.parse(
                    Payload.of(range).upper(),
                    "the upper bound of split " + range.id(),
                    s.incremental().zone());
            if (!upper.isBefore(start) && (lower == null || lower.isBefore(end))) meeting.add(range);
            lower = upper;
        }
        List<String> notes = new ArrayList<>();
        String col = s.incremental().column();
        if (ranges.isEmpty()) notes.add(s.name() + ": nothing read yet; the next run reads the window with the rest");
        else if (lower.isBefore(end)) {
            notes.add(s.name() + ": rows with " + col + " after " + lower
                    + " have not been read yet; the next run reads them as new rows");
        }
        return new Window(meeting, notes);
    }

    @Override
    public String describe(Split split) {
        try {
            return s.name() + " (" + Payload.of(split).range() + ")";
        } catch (IOException e) {
            return s.name();
        }
    }

    @Override
    public List<String> status(KnownSplits known) throws IOException {
        KnownMember last = known.members(List.of(key)).get(key);
        if (last == null) return List.of(s.name() + ": not read yet");
        String range = known.split(last.splitId()).map(this::describe).orElse(last.splitId());
        return List.of(s.name() + ": last range " + range + " (" + last.state().label() + ")");
    }
}
