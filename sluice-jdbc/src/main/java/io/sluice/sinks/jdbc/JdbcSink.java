package io.sluice.sinks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.Written;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A database table. Exactly once per split (contract rules 2 and 3): the split's rows and its record in
 * {@code _sluice_commits} (split id, claim token) are written in one transaction, which first locks that record and
 * refuses a token lower than the one stored; so a replay replaces the split's rows (every row carries its split's id in
 * {@code _sluice_split}), and a worker whose claim was taken over cannot commit, even one that passed its fence check
 * just before losing the claim. In {@code append} mode the commit COPYs the split's rows straight into the table; in
 * the modes that write by key (and when the table refuses a row) they are staged by COPY into a temporary table of the
 * transaction. Either way a crash before the commit leaves nothing.
 */
final class JdbcSink implements Sink {
    static final String SPLIT_COLUMN = "_sluice_split";
    static final String COMMITS = "_sluice_commits";
    static final String OUTPUTS = "_sluice_outputs";
    static final String DEAD_LETTER = "_sluice_dead_letter";
    private static final String STAGING = "_sluice_staging";

    private final io.sluice.config.Connection connection;
    private final TableName written;
    private final String mode;
    private final List<String> keys;
    private final boolean addColumns;
    private final Dialect dialect;
    private final Options options;
    private final PipelineContext context;

    private HikariDataSource pool;
    /** The table with its schema resolved (the connection's current schema when none was written). */
    private volatile TableName table;
    /** {@code keys}, or the table's primary key when none were given. */
    private volatile List<String> matchKeys;

    JdbcSink(
            io.sluice.config.Connection connection,
            TableName table,
            String mode,
            List<String> keys,
            boolean addColumns,
            Dialect dialect,
            Options options,
            PipelineContext context) {
        this.connection = connection;
        this.written = table;
        this.mode = mode;
        this.keys = List.copyOf(keys);
        this.addColumns = addColumns;
        this.dialect = dialect;
        this.options = options;
        this.context = context;
    }

    // ---- checks --------------------------------------------------------------------------------------------

    /**
     * Connects, and checks the table against the options: the keys are its columns, {@code upsert} finds a unique
     * index on them, and a mode that matches rows has keys to match on. Changes nothing.
     */
    @Override
    public void check() {
        try (Connection c = connection.connect()) {
            TableName t = resolve(c);
            Map<String, String> columns = Catalog.columns(c, t);
            if (columns.isEmpty()) {
                if (!mode.equals("append") && keys.isEmpty()) {
                    throw options.problem(
                            JdbcSinkFactory.KEYS,
                            "the table " + t + " does not exist yet, so mode " + mode + " has no key to match rows "
                                    + "by; name the columns that identify a row (keys: [id]), and Sluice creates the "
                                    + "table with them as its primary key");
                }
                return;
            }
            for (String key : keys) {
                if (!columns.containsKey(key)) {
                    throw options.problem(
                            JdbcSinkFactory.KEYS,
                            "no column \"" + key + "\" in table " + t + Validator.suggestion(key, columns.keySet())
                                    + "; its columns: " + String.join(", ", columns.keySet()));
                }
            }
            List<String> match = keys(c, t);
            if (mode.equals("upsert") && !Catalog.uniqueIndexes(c, t).contains(new TreeSet<>(match))) {
                throw options.problem(
                        JdbcSinkFactory.MODE,
                        "mode upsert writes with INSERT ... ON CONFLICT (" + String.join(", ", match) + "), which "
                                + "needs a primary key or unique index on exactly these columns of " + t
                                + "; create one (CREATE UNIQUE INDEX ON " + t + " (" + String.join(", ", match)
                                + ")) or use mode: merge");
            }
        } catch (SQLException e) {
            throw options.problem(JdbcSinkFactory.CONNECTION, Errors.explain(connection, e));
        }
    }

    /** Each key must be a column of the rows the steps give. */
    @Override
    public void checkColumns(List<String> columns) {
        for (String key : keys) {
            if (!columns.contains(key)) {
                throw options.problem(
                        JdbcSinkFactory.KEYS,
                        "no column \"" + key + "\" in the records the steps give" + Validator.suggestion(key, columns)
                                + "; their columns: " + String.join(", ", columns));
            }
        }
    }

    /** Creates the bookkeeping tables beside the target table. */
    @Override
    public void prepare() throws SQLException {
        try (Connection c = pool().getConnection()) {
            c.setAutoCommit(false);
            bookkeeping(c, resolve(c));
            c.commit();
        }
    }

    @Override
    public synchronized void finish() {
        if (pool != null) pool.close();
        pool = null;
    }

    private synchronized HikariDataSource pool() {
        if (pool == null) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(connection.url().reveal());
            config.setDataSourceProperties(connection.jdbcProperties());
            config.setMaximumPoolSize(connection.poolSize());
            config.setMinimumIdle(0);
            config.setPoolName("sluice-sink-" + connection.name());
            config.setInitializationFailTimeout(-1); // the first writer connects; check() reported a bad connection
            // a writer holds its connection from stage to commit: the others wait for one, as for a worker
            config.setConnectionTimeout(java.time.Duration.ofMinutes(10).toMillis());
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    private TableName resolve(Connection c) throws SQLException {
        TableName t = table;
        if (t == null) {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT current_schema()")) {
                r.next();
                t = written.in(r.getString(1));
            }
            if (t.schema() == null) {
                throw options.problem(
                        JdbcSinkFactory.TABLE, "the connection has no current schema; write the table as schema.name");
            }
            table = t;
        }
        return t;
    }

    /** The keys rows are matched by: those given, else the table's primary key. */
    private List<String> keys(Connection c, TableName t) throws SQLException {
        if (!keys.isEmpty()) return keys;
        List<String> k = matchKeys;
        if (k == null) {
            k = Catalog.primaryKey(c, t);
            if (k.isEmpty() && !mode.equals("append")) {
                throw options.problem(
                        JdbcSinkFactory.KEYS,
                        "mode " + mode + " needs keys and the table " + t + " has no primary key; name the columns "
                                + "that identify a row (keys: [id])");
            }
            matchKeys = k;
        }
        return k;
    }

    private String qualified(TableName t) {
        return dialect.quote(t.schema()) + "." + dialect.quote(t.name());
    }

    private String bookkeepingTable(TableName t, String name) {
        return dialect.quote(t.schema()) + "." + dialect.quote(name);
    }

    /** The commit records, the output versions' lock tokens and the dead letters, in the table's schema. */
    private void bookkeeping(Connection c, TableName t) throws SQLException {
        if (Catalog.exists(c, new TableName(t.schema(), DEAD_LETTER))) return;
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext(" + literal("sluice:" + t.schema()) + "))");
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, COMMITS)
                    + " (pipeline text NOT NULL, target text NOT NULL, split_id text NOT NULL, token bigint NOT NULL,"
                    + " output_key text, incarnation text, committed_at timestamptz, rows bigint,"
                    + " PRIMARY KEY (pipeline, target, split_id))");
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, OUTPUTS)
                    + " (pipeline text NOT NULL, target text NOT NULL, output_key text NOT NULL,"
                    + " lock_token bigint NOT NULL, PRIMARY KEY (pipeline, target, output_key))");
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, DEAD_LETTER)
                    + " (pipeline text NOT NULL, target text NOT NULL, split_id text NOT NULL, file text, line bigint,"
                    + " key text, reason text, record text, at timestamptz NOT NULL DEFAULT now())");
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * Creates the table from the output's columns when missing, adds the output's new columns (or fails, as
     * {@code schema_change} says) and the {@code _sluice_split} column; inside the commit's transaction, under a lock
     * that makes concurrent commits change the table one at a time.
     *
     * @return the table's columns and their types
     */
    private Map<String, String> table(Connection c, TableName t, List<String> columns, List<String> types)
            throws SQLException {
        Map<String, String> existing = Catalog.columns(c, t);
        if (!existing.isEmpty() && existing.keySet().containsAll(columns) && existing.containsKey(SPLIT_COLUMN)) {
            return existing;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext(" + literal("sluice:" + t) + "))");
            existing = Catalog.columns(c, t);
            if (existing.isEmpty()) {
                List<String> defs = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++)
                    defs.add(dialect.quote(columns.get(i)) + " " + type(columns.get(i), types.get(i)));
                defs.add(dialect.quote(SPLIT_COLUMN) + " text");
                if (!mode.equals("append")) {
                    defs.add("PRIMARY KEY (" + keys.stream().map(dialect::quote).collect(Collectors.joining(", "))
                            + ")");
                }
                s.execute("CREATE TABLE " + qualified(t) + " (" + String.join(", ", defs) + ")");
                s.execute("CREATE INDEX ON " + qualified(t) + " (" + dialect.quote(SPLIT_COLUMN) + ")");
                return Catalog.columns(c, t);
            }
            List<String> missing = new ArrayList<>();
            for (String col : columns) if (!existing.containsKey(col)) missing.add(col);
            if (!missing.isEmpty() && !addColumns) {
                throw options.problem(
                        JdbcSinkFactory.SCHEMA_CHANGE,
                        "the output has column(s) " + String.join(", ", missing) + " that table " + t + " lacks, and "
                                + "schema_change is fail; add them to the table, drop them in a step, or set "
                                + "schema_change: add_columns");
            }
            for (String col : missing) {
                s.execute("ALTER TABLE " + qualified(t) + " ADD COLUMN " + dialect.quote(col) + " "
                        + type(col, types.get(columns.indexOf(col))));
            }
            if (!existing.containsKey(SPLIT_COLUMN)) {
                s.execute("ALTER TABLE " + qualified(t) + " ADD COLUMN " + dialect.quote(SPLIT_COLUMN) + " text");
                s.execute("CREATE INDEX ON " + qualified(t) + " (" + dialect.quote(SPLIT_COLUMN) + ")");
            }
            return Catalog.columns(c, t);
        }
    }

    private String type(String column, String engineType) {
        return dialect.columnType(engineType)
                .orElseThrow(() -> new IllegalArgumentException("column \"" + column + "\" has type " + engineType
                        + ", which the jdbc sink cannot map to a PostgreSQL type; cast it in a step (to VARCHAR, or "
                        + "to_json(" + column + ")::VARCHAR for JSON text), or create the table yourself"));
    }

    // ---- writing -------------------------------------------------------------------------------------------

    @Override
    public SinkWriter open(Split split) {
        return new Writer(split);
    }

    /** The name of the ledger lock under which the versions of one output replace each other. */
    private String lockName(String outputKey) {
        return "jdbc-output:" + connection.name() + ":" + written + ":" + outputKey;
    }

    /**
     * One attempt. {@link #stage} writes the rows as CSV; for {@code upsert} and {@code merge} it begins a transaction
     * on a connection of its own and copies them into a temporary table, for {@code append} it keeps the file, which
     * the commit copies straight into the table. {@link #commit} finishes the transaction; {@link #abort} rolls it back
     * (the temporary table goes with it) and deletes the file.
     */
    private final class Writer implements SinkWriter {
        private final Split split;
        private Connection c;
        private List<String> columns;
        private List<String> types;
        /** The rows as CSV, kept until the commit copies them into the table ({@code append} only). */
        private Path csv;

        private long staged;
        private final List<DeadLetter> readerRejects = new ArrayList<>();
        private boolean done;

        Writer(Split split) {
            this.split = split;
        }

        @Override
        public long stage(Rows rows, BadRows bad) throws Exception {
            if (c != null || csv != null) throw new IllegalStateException("split " + split.id() + " is staged already");
            columns = rows.columns();
            types = rows.columnTypes();
            if (columns.contains(SPLIT_COLUMN)) {
                throw new IllegalArgumentException(
                        "the records have a column " + SPLIT_COLUMN
                                + ", which the jdbc sink keeps for itself (the split that wrote each row); rename it in a step");
            }
            Path file = Files.createTempFile("sluice-jdbc-", ".csv");
            try {
                staged = rows.writeFiles(file, new FileSpec("csv", "none", List.of(), "rows"));
                if (mode.equals("append")) {
                    csv = file; // copied into the table by the commit
                    file = null;
                } else {
                    c = pool().getConnection();
                    c.setAutoCommit(false);
                    staged = dialect.stage(c, STAGING, columns, file);
                }
            } finally {
                if (file != null) Files.deleteIfExists(file);
            }
            Optional<Rows> rejects = bad.rows();
            if (rejects.isPresent()) readerRejects.addAll(DeadLetter.read(rejects.get()));
            return staged;
        }

        @Override
        public Written commit(CommitContext ctx) throws Exception {
            if (c == null && csv == null)
                throw new IllegalStateException("split " + split.id() + " has nothing staged");
            if (done) throw new IllegalStateException("split " + split.id() + " is committed already");
            OutputKey key = split.outputKey();
            try (OutputLocks.Held held = key == null ? null : ctx.lock(lockName(key.key()))) {
                if (c == null) {
                    c = pool().getConnection();
                    c.setAutoCommit(false);
                }
                TableName t = resolve(c);
                bookkeeping(c, t);
                Map<String, String> tableColumns = table(c, t, columns, types);
                List<String> replaced = new ArrayList<>(List.of(split.id()));
                if (held != null) {
                    if (!ctx.inputsCurrent()) {
                        abort();
                        return Written.NOTHING;
                    }
                    // checked before the database lock: a writer paused here must not hold a row its successor needs
                    held.check();
                    if (!output(t, key, held)) {
                        throw new IOException("the lock of output " + key.key() + " was taken over while this writer "
                                + "was paused, and a newer version committed: split " + split.id() + " writes nothing");
                    }
                }
                claim(t, ctx); // after the output's row: every writer of one output locks the two in this order
                if (held != null) replaced.addAll(otherVersions(t, key));
                remove(c, t, replaced);
                List<DeadLetter> refused = insert(t, tableColumns, keys(c, t));
                if (!refused.isEmpty() && context.onBadRecord() == BadRecordPolicy.FAIL) {
                    DeadLetter first = refused.getFirst();
                    throw new IllegalStateException(refused.size() + " row(s) of split " + split.id() + " refused by "
                            + t + ", the first (row " + first.line()
                            + (first.key() == null ? "" : ", key " + first.key())
                            + "): " + first.reason() + "; fix the rows, or set on_bad_record: dead_letter to keep them "
                            + "in " + DEAD_LETTER);
                }
                long rowsOut = staged - refused.size();
                record(t, key, ctx, rowsOut);
                if (context.onBadRecord() == BadRecordPolicy.DEAD_LETTER) {
                    List<DeadLetter> all = new ArrayList<>(readerRejects);
                    all.addAll(refused);
                    DeadLetter.write(
                            c, bookkeepingTable(t, DEAD_LETTER), context.pipeline(), t.toString(), split.id(), all);
                }
                c.commit();
                done = true;
                return new Written(rowsOut, List.of(t.toString()));
            } finally {
                abort();
            }
        }

        /**
         * Locks the split's commit record (made when missing) until the transaction ends, and refuses a claim token
         * lower than the stored one: the split was taken over and committed by a newer claim. Then checks the fence,
         * under that lock.
         */
        private void claim(TableName t, CommitContext ctx) throws SQLException, StaleClaimException {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + bookkeepingTable(t, COMMITS)
                            + " (pipeline, target, split_id, token) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement lock = c.prepareStatement("SELECT token FROM " + bookkeepingTable(t, COMMITS)
                            + " WHERE pipeline = ? AND target = ? AND split_id = ? FOR UPDATE")) {
                insert.setString(1, context.pipeline());
                insert.setString(2, t.toString());
                insert.setString(3, split.id());
                insert.setLong(4, ctx.token());
                insert.executeUpdate();
                lock.setString(1, context.pipeline());
                lock.setString(2, t.toString());
                lock.setString(3, split.id());
                try (ResultSet r = lock.executeQuery()) {
                    r.next();
                    if (r.getLong(1) > ctx.token()) throw new StaleClaimException(split.id(), ctx.token());
                }
            }
            ctx.checkFence();
        }

        /**
         * Locks the output's record until the transaction ends and stores this grant's lock token there; false when a
         * newer grant's token is stored: this writer lost the output's lock (paused past its lease) and a newer
         * version committed meanwhile.
         */
        private boolean output(TableName t, OutputKey key, OutputLocks.Held held) throws SQLException {
            String outputs = bookkeepingTable(t, OUTPUTS);
            try (PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO " + outputs
                                    + " (pipeline, target, output_key, lock_token) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement lock = c.prepareStatement("SELECT lock_token FROM " + outputs
                            + " WHERE pipeline = ? AND target = ? AND output_key = ? FOR UPDATE");
                    PreparedStatement update = c.prepareStatement("UPDATE " + outputs
                            + " SET lock_token = ? WHERE pipeline = ? AND target = ? AND output_key = ?")) {
                insert.setString(1, context.pipeline());
                insert.setString(2, t.toString());
                insert.setString(3, key.key());
                insert.setLong(4, held.token());
                insert.executeUpdate();
                lock.setString(1, context.pipeline());
                lock.setString(2, t.toString());
                lock.setString(3, key.key());
                try (ResultSet r = lock.executeQuery()) {
                    r.next();
                    if (r.getLong(1) > held.token()) return false;
                }
                update.setLong(1, held.token());
                update.setString(2, context.pipeline());
                update.setString(3, t.toString());
                update.setString(4, key.key());
                update.executeUpdate();
                return true;
            }
        }

        /** The splits that committed other versions of the output: their rows and records go. */
        private List<String> otherVersions(TableName t, OutputKey key) throws SQLException {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM " + bookkeepingTable(t, COMMITS)
                    + " WHERE pipeline = ? AND target = ? AND output_key = ? AND split_id <> ? RETURNING split_id")) {
                s.setString(1, context.pipeline());
                s.setString(2, t.toString());
                s.setString(3, key.key());
                s.setString(4, split.id());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) ids.add(r.getString(1));
                }
            }
            return ids;
        }

        private void record(TableName t, OutputKey key, CommitContext ctx, long rowsOut) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("UPDATE " + bookkeepingTable(t, COMMITS)
                    + " SET token = ?, output_key = ?, incarnation = ?, committed_at = now(), rows = ?"
                    + " WHERE pipeline = ? AND target = ? AND split_id = ?")) {
                s.setLong(1, ctx.token());
                s.setString(2, key == null ? null : key.key());
                s.setString(3, ctx.incarnation());
                s.setLong(4, rowsOut);
                s.setString(5, context.pipeline());
                s.setString(6, t.toString());
                s.setString(7, split.id());
                s.executeUpdate();
            }
        }

        /**
         * Writes the staged rows into the table in one statement: {@code append} COPYs the CSV straight in (with the
         * split's id as {@code _sluice_split}). When the database refuses it for a row's values, the rows go through
         * the temporary table, where the refused ones are found by halving the range (each try under a savepoint);
         * the others are written and the refused ones returned.
         */
        private List<DeadLetter> insert(TableName t, Map<String, String> tableColumns, List<String> match)
                throws SQLException, IOException {
            List<DeadLetter> refused = new ArrayList<>();
            if (staged == 0) return refused;
            if (csv != null) {
                var savepoint = c.setSavepoint();
                try {
                    dialect.copy(c, qualified(t), columns, SPLIT_COLUMN, split.id(), csv);
                    c.releaseSavepoint(savepoint);
                    return refused;
                } catch (SQLException e) {
                    if (!dialect.refusesRow(e)) throw e;
                    c.rollback(savepoint);
                    dialect.stage(c, STAGING, columns, csv);
                }
            }
            String sql = writeStatement(t, tableColumns, match);
            insertRange(sql, 1, staged, refused, match);
            return refused;
        }

        private void insertRange(String sql, long from, long to, List<DeadLetter> refused, List<String> match)
                throws SQLException {
            var savepoint = c.setSavepoint();
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, split.id());
                s.setLong(2, from);
                s.setLong(3, to);
                s.executeUpdate();
                c.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (!dialect.refusesRow(e)) throw e;
                c.rollback(savepoint);
                if (from == to) {
                    refused.add(DeadLetter.refused(c, STAGING, from, match, e, dialect));
                    return;
                }
                long mid = from + (to - from) / 2;
                insertRange(sql, from, mid, refused, match);
                insertRange(sql, mid + 1, to, refused, match);
            }
        }

        /**
         * The statement that writes staged rows {@code _sluice_row BETWEEN ? AND ?}, each value cast from text to its
         * column's type (without length or precision: the table's own then applies, so a value too long is refused,
         * never cut); parameters: split id, first row, last row.
         */
        private String writeStatement(TableName t, Map<String, String> tableColumns, List<String> match) {
            List<String> target = new ArrayList<>(columns);
            target.add(SPLIT_COLUMN);
            List<String> values = new ArrayList<>();
            for (String col : columns) {
                values.add(
                        "CAST(s." + dialect.quote(col) + " AS " + tableColumns.get(col) + ") AS " + dialect.quote(col));
            }
            values.add("CAST(? AS text) AS " + dialect.quote(SPLIT_COLUMN));
            String from = " FROM " + dialect.quote(STAGING) + " s WHERE s._sluice_row BETWEEN ? AND ?";
            if (mode.equals("append")) {
                return "INSERT INTO " + qualified(t) + " ("
                        + target.stream().map(dialect::quote).collect(Collectors.joining(", ")) + ") SELECT "
                        + String.join(", ", values) + from;
            }
            // one row per key, the split's last: a statement may not write one row twice
            String keyExprs = match.stream()
                    .map(k -> "CAST(s." + dialect.quote(k) + " AS " + tableColumns.get(k) + ")")
                    .collect(Collectors.joining(", "));
            String select = "SELECT DISTINCT ON (" + keyExprs + ") " + String.join(", ", values) + from + " ORDER BY "
                    + keyExprs + ", s._sluice_row DESC";
            if (mode.equals("upsert")) return dialect.upsert(qualified(t), target, select, match);
            return dialect.merge(qualified(t), target, select, match)
                    .orElseThrow(() ->
                            options.problem(JdbcSinkFactory.MODE, "this database has no MERGE; use mode: upsert"));
        }

        @Override
        public void abort() throws SQLException, IOException {
            try {
                if (c != null) {
                    try (Connection closing = c) {
                        if (!done) closing.rollback();
                    }
                }
            } finally {
                c = null;
                if (csv != null) Files.deleteIfExists(csv);
                csv = null;
            }
        }

        @Override
        public void close() throws SQLException, IOException {
            abort();
        }
    }

    /** Deletes the rows the given splits wrote. */
    private void remove(Connection c, TableName t, List<String> splitIds) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "DELETE FROM " + qualified(t) + " WHERE " + dialect.quote(SPLIT_COLUMN) + " = ANY (?)")) {
            s.setArray(1, c.createArrayOf("text", splitIds.toArray()));
            s.executeUpdate();
        }
    }

    // ---- discard and reset ---------------------------------------------------------------------------------

    /**
     * Removes the rows the split committed and its record, in one transaction that holds the record's lock and
     * checks the claim's token and fence, as a commit does.
     */
    @Override
    public void discard(Split split, CommitContext ctx) throws Exception {
        OutputKey key = split.outputKey();
        try (OutputLocks.Held held = key == null ? null : ctx.lock(lockName(key.key()));
                Connection c = pool().getConnection()) {
            c.setAutoCommit(false);
            try {
                TableName t = resolve(c);
                if (!Catalog.exists(c, new TableName(t.schema(), COMMITS))) {
                    ctx.checkFence();
                    return;
                }
                try (PreparedStatement lock = c.prepareStatement("SELECT token FROM " + bookkeepingTable(t, COMMITS)
                        + " WHERE pipeline = ? AND target = ? AND split_id = ? FOR UPDATE")) {
                    lock.setString(1, context.pipeline());
                    lock.setString(2, t.toString());
                    lock.setString(3, split.id());
                    try (ResultSet r = lock.executeQuery()) {
                        if (r.next() && r.getLong(1) > ctx.token())
                            throw new StaleClaimException(split.id(), ctx.token());
                    }
                }
                ctx.checkFence();
                if (held != null) held.check();
                if (Catalog.columns(c, t).containsKey(SPLIT_COLUMN)) remove(c, t, List.of(split.id()));
                try (PreparedStatement s = c.prepareStatement("DELETE FROM " + bookkeepingTable(t, COMMITS)
                        + " WHERE pipeline = ? AND target = ? AND split_id = ?")) {
                    s.setString(1, context.pipeline());
                    s.setString(2, t.toString());
                    s.setString(3, split.id());
                    s.executeUpdate();
                }
                c.commit();
            } finally {
                if (!c.getAutoCommit()) c.rollback(); // nothing after a commit; everything after a failure
            }
        }
    }

    /** The table, when this pipeline committed rows to it. */
    @Override
    public List<String> listOutput() throws SQLException {
        try (Connection c = pool().getConnection()) {
            TableName t = resolve(c);
            if (!Catalog.exists(c, new TableName(t.schema(), COMMITS))) return List.of();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT count(*) FROM " + bookkeepingTable(t, COMMITS) + " WHERE pipeline = ? AND target = ?")) {
                s.setString(1, context.pipeline());
                s.setString(2, t.toString());
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getLong(1) == 0 ? List.of() : List.of(t + " (rows of " + r.getLong(1) + " split(s))");
                }
            }
        }
    }

    /** Removes the rows this pipeline's splits wrote, and its commit records and dead letters; the table stays. */
    @Override
    public List<String> deleteOutput() throws SQLException {
        List<String> listed = listOutput();
        try (Connection c = pool().getConnection()) {
            c.setAutoCommit(false);
            TableName t = resolve(c);
            if (!Catalog.exists(c, new TableName(t.schema(), COMMITS))) return listed;
            try (Statement s = c.createStatement()) {
                String where =
                        " WHERE pipeline = " + literal(context.pipeline()) + " AND target = " + literal(t.toString());
                if (Catalog.columns(c, t).containsKey(SPLIT_COLUMN)) {
                    s.executeUpdate("DELETE FROM " + qualified(t) + " WHERE " + dialect.quote(SPLIT_COLUMN)
                            + " IN (SELECT split_id FROM " + bookkeepingTable(t, COMMITS) + where + ")");
                }
                s.executeUpdate("DELETE FROM " + bookkeepingTable(t, COMMITS) + where);
                s.executeUpdate("DELETE FROM " + bookkeepingTable(t, OUTPUTS) + where);
                s.executeUpdate("DELETE FROM " + bookkeepingTable(t, DEAD_LETTER) + where);
            }
            c.commit();
        }
        return listed;
    }
}
