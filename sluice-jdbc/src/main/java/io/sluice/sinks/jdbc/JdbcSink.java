package io.sluice.sinks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sluice.config.JdbcDrivers;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.Sql;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.ColumnCheck;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A database table. Exactly once per split (contract rules 2 and 3): the split's rows and its record in
 * {@code _sluice_commits} (split id, claim token) are written in one transaction, which first locks that record and
 * refuses a token lower than the one stored under the same ledger incarnation; so a replay replaces the split's rows (every row carries, in
 * {@code _sluice_split}, the number of the commit that wrote it, which the record keeps, or, in tables of databases
 * without sequences and in tables an earlier Sluice made, its split's id), and a worker whose claim was taken over cannot
 * commit, even one that passed its fence check just before losing the claim. A split's rows are staged into a temporary table of the session (COPY in PostgreSQL,
 * LOAD DATA LOCAL INFILE or multi-row INSERTs in MariaDB), or, for a PostgreSQL append, as a local CSV file loaded by
 * the commit's transaction, so a crash before the commit leaves nothing.
 */
final class JdbcSink implements Sink {
    static final String SPLIT_COLUMN = "_sluice_split";
    /** The engine's type of bytes. */
    private static final String BLOB = "BLOB";

    static final String COMMITS = "_sluice_commits";
    static final String OUTPUTS = "_sluice_outputs";
    /** The column of {@link #COMMITS} and {@link #OUTPUTS} holding the ledger incarnation a token belongs to. */
    private static final String INCARNATION = "incarnation";

    static final String DEAD_LETTER = "_sluice_dead_letter";
    /** The sequence of the numbers that mark each commit's rows (where the dialect numbers rows). */
    static final String NUMBERS = "_sluice_commit_numbers";
    /** The column of {@link #COMMITS} holding the number in {@link #SPLIT_COLUMN} of the commit's rows. */
    static final String NUMBER = "commit_number";
    /**
     * The columns of {@link #COMMITS} holding the version and byte range of the output the split committed
     * ({@link OutputKey}): a commit removes the other versions' rows and keeps its siblings' (ranges of its version).
     */
    static final String OUTPUT_VERSION = "output_version";

    static final String OUTPUT_START = "output_start";
    static final String OUTPUT_END = "output_end";

    private static final String SPLIT_INDEX = "_sluice_split_idx";
    /**
     * The index of {@link #COMMITS} on the output key, which each commit of a versioned output reads by: without it
     * every commit of a file's range scans all the records of the schema.
     */
    static final String OUTPUT_INDEX = "_sluice_commits_output_idx";
    /**
     * The index of {@link #DEAD_LETTER} on the split, which a commit that replaces splits deletes their dead letters
     * by: without it each such commit scans (and on InnoDB locks) every dead letter of the schema.
     */
    static final String DEAD_LETTER_INDEX = "_sluice_dead_letter_split_idx";

    private static final String STAGING = "_sluice_staging";
    /** Split ids or commit numbers in one statement of a reset's delete. */
    private static final int MARKS_PER_DELETE = 1000;
    /** Lengths of the bookkeeping tables' key columns where a database needs one to index text (MariaDB). */
    private static final int PIPELINE_LENGTH = 128;

    private static final int TARGET_LENGTH = 128;
    private static final int KEY_LENGTH = 500;

    /** An index of a bookkeeping table on pipeline, target and a text column (on MariaDB its first characters). */
    private record Index(String table, String name, String column) {}

    /** The bookkeeping's indexes besides the primary keys, each table's made once, by the first commit that lacks it. */
    private static final List<Index> INDEXES = List.of(
            new Index(COMMITS, OUTPUT_INDEX, "output_key"), new Index(DEAD_LETTER, DEAD_LETTER_INDEX, "split_id"));

    private final io.sluice.config.Connection connection;
    private final TableName written;
    private final String mode;
    private final List<String> keys;
    private final boolean addColumns;
    /** The database's dialect: made for its server by the sink's first connection from the pool ({@link #pooled}). */
    private volatile Dialect dialect;
    /** Whether {@link #dialect} is the server's. */
    private volatile boolean dialectOfServer;

    private final Options options;
    private final PipelineContext context;

    private HikariDataSource pool;
    /** The table with its schema resolved (the connection's current schema when none was written). */
    private volatile TableName table;
    /** {@code keys}, or the table's primary key when none were given. */
    private volatile List<String> matchKeys;
    /** Whether the table's rows carry commit numbers, as an attempt's stage found it; null before the first. */
    private volatile Boolean numbered;

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
            Map<String, String> columns = dialect.columns(c, t);
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
                if (tableColumn(columns, key) == null) {
                    throw options.problem(
                            JdbcSinkFactory.KEYS,
                            "no column \"" + key + "\" in table " + t + Validator.suggestion(key, columns.keySet())
                                    + "; its columns: " + String.join(", ", columns.keySet()));
                }
            }
            List<String> match = keys(c, t);
            if (mode.equals("upsert") && !uniqueKeys(c, t, match)) {
                throw options.problem(
                        JdbcSinkFactory.MODE,
                        "mode upsert writes over the rows with the same " + String.join(", ", match) + ", which "
                                + "needs a primary key or unique index on exactly these columns of " + t
                                + "; create one (CREATE UNIQUE INDEX " + t.name() + "_keys ON " + t + " ("
                                + String.join(", ", match) + "))"
                                + (dialect.merge("t", match, "", match).isPresent() ? " or use mode: merge" : ""));
            }
        } catch (SQLException e) {
            throw options.problem(JdbcSinkFactory.CONNECTION, Errors.explain(connection, e));
        }
    }

    /**
     * Each key must be a column of the rows the steps give; with {@code schema_change: fail}, each of their columns
     * one of the table's when it exists (else the first commit refuses them). Changes nothing.
     */
    @Override
    public Optional<ColumnCheck> columnCheck() {
        Optional<ColumnCheck> keyed = ColumnCheck.eachOf(keys, false, options, JdbcSinkFactory.KEYS.name());
        if (addColumns) return keyed;
        return Optional.of(columns -> {
            keyed.ifPresent(check -> check.check(columns));
            refuseColumnsTheTableLacks(columns);
        });
    }

    private void refuseColumnsTheTableLacks(List<String> columns) {
        try (Connection c = connection.connect()) {
            TableName t = resolve(c);
            Map<String, String> existing = dialect.columns(c, t);
            if (existing.isEmpty()) return; // created from the output's columns by the first commit
            List<String> missing = columns.stream()
                    .filter(col -> tableColumn(existing, col) == null)
                    .toList();
            if (!missing.isEmpty()) throw lacking(t, missing);
        } catch (SQLException e) {
            throw options.problem(JdbcSinkFactory.CONNECTION, Errors.explain(connection, e));
        }
    }

    /** The output has columns the table lacks, and {@code schema_change: fail} does not add them. */
    private io.sluice.config.ConfigException lacking(TableName t, List<String> missing) {
        return options.problem(
                JdbcSinkFactory.SCHEMA_CHANGE,
                "the output has column(s) " + String.join(", ", missing) + " that table " + t + " lacks, and "
                        + "schema_change is fail; add them to the table, drop them in a step, or set "
                        + "schema_change: add_columns");
    }

    /** Creates the bookkeeping tables beside the target table. */
    @Override
    public void prepare() throws SQLException {
        try (Connection c = pooled()) {
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
            config.setDataSource(JdbcDrivers.dataSource(connection.url().reveal(), connection.jdbcProperties()));
            config.setMaximumPoolSize(connection.poolSize());
            config.setMinimumIdle(0);
            config.setPoolName("sluice-sink-" + connection.name());
            // no gap locks (MariaDB's default is REPEATABLE READ): commits of different splits do not block each other
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
            if (dialect.connectionInit() != null) config.setConnectionInitSql(dialect.connectionInit());
            config.setInitializationFailTimeout(-1); // the first writer connects; check() reported a bad connection
            // a writer holds its connection from stage to commit: the others wait for one, as for a worker
            config.setConnectionTimeout(java.time.Duration.ofMinutes(10).toMillis());
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    /** A connection from the pool; the sink's first also makes {@link #dialect} the server's, once. */
    private Connection pooled() throws SQLException {
        Connection c = pool().getConnection();
        if (!dialectOfServer) {
            try {
                synchronized (this) {
                    if (!dialectOfServer) {
                        dialect = dialect.on(c);
                        dialectOfServer = true;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    private TableName resolve(Connection c) throws SQLException {
        TableName t = table;
        if (t == null) {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(dialect.currentSchema())) {
                r.next();
                t = written.in(r.getString(1));
            }
            if (t.schema() == null) {
                throw options.problem(
                        JdbcSinkFactory.TABLE,
                        "the connection has no current schema (for " + dialect.name() + ": no database in its url); "
                                + "write the table as schema.name");
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
            k = dialect.primaryKey(c, t);
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

    /** Whether the table has a primary key or unique index on exactly these columns, which an upsert matches by. */
    private boolean uniqueKeys(Connection c, TableName t, List<String> match) throws SQLException {
        Set<String> matchKeys = columnKeys(match);
        return dialect.uniqueIndexes(c, t).stream().map(this::columnKeys).anyMatch(matchKeys::equals);
    }

    /**
     * The table's column that a column of the output (or a key) is, as the database matches names ({@code id} is
     * {@code ID} in MariaDB; PostgreSQL keeps 63 bytes of a longer name); null when the table has none.
     */
    private String tableColumn(Map<String, String> tableColumns, String name) {
        if (tableColumns.containsKey(name)) return name;
        String key = dialect.columnKey(name);
        for (String col : tableColumns.keySet()) if (dialect.columnKey(col).equals(key)) return col;
        return null;
    }

    private Set<String> columnKeys(Collection<String> names) {
        return names.stream().map(dialect::columnKey).collect(Collectors.toSet());
    }

    /**
     * Refuses an output with two columns that are one in the database (or the sink's own {@link #SPLIT_COLUMN}):
     * every attempt would fail the same way, so the split is dead at once, naming both.
     */
    private void checkDistinct(Split split, List<String> columns) throws AttemptFailure {
        Map<String, String> seen = new HashMap<>();
        seen.put(dialect.columnKey(SPLIT_COLUMN), SPLIT_COLUMN);
        for (String col : columns) {
            if (col.length() > dialect.maxNameLength()) {
                throw new AttemptFailure(
                        "the output's column \"" + col + "\" (split " + split.id() + ") has a name of " + col.length()
                                + " characters, and " + dialect.name() + "'s are at most " + dialect.maxNameLength()
                                + " characters long; rename it in a step (SELECT ... AS shorter_name)",
                        false);
            }
            String other = seen.putIfAbsent(dialect.columnKey(col), col);
            if (other == null) continue;
            if (other.equals(SPLIT_COLUMN)) {
                throw new AttemptFailure(
                        "the records of split " + split.id() + " have a column " + col + ", which the jdbc sink keeps "
                                + "for itself (the split that wrote each row, in " + SPLIT_COLUMN
                                + "); rename it in a step",
                        false);
            }
            throw new AttemptFailure(
                    "the output's columns \"" + other + "\" and \"" + col + "\" (split " + split.id() + ") are one "
                            + "column in " + dialect.name() + ", " + dialect.sameColumnBecause() + "; rename one of "
                            + "them in a step (SELECT ... AS shorter_name)",
                    false);
        }
    }

    private String qualified(TableName t) {
        return dialect.quote(t.schema()) + "." + dialect.quote(t.name());
    }

    private String bookkeepingTable(TableName t, String name) {
        return dialect.quote(t.schema()) + "." + dialect.quote(name);
    }

    /**
     * The commit records, the output versions' lock tokens, the dead letters and the sequence of commit numbers, in the
     * table's schema. The commit records come last, the columns an earlier Sluice's records lack after them, then the
     * key columns an earlier Sluice made comparing text inexactly are made exact ({@link Dialect#exact}: the outputs'
     * and dead letters' before the commit records'), and the {@link #INDEXES} last of all: the commit records holding
     * {@link #OUTPUT_END} and exact keys, and the indexes there, say that all are there (a DDL statement of MariaDB
     * commits at once, so a crash midway leaves what was made, and the next attempt makes the rest).
     */
    private void bookkeeping(Connection c, TableName t) throws SQLException {
        TableName commits = new TableName(t.schema(), COMMITS);
        // the key columns (compared by = or in a key) of each table, defined as created and as migrated
        String text = dialect.text();
        Map<String, String> names = new LinkedHashMap<>();
        names.put("pipeline", dialect.exact(dialect.keyText(PIPELINE_LENGTH)) + " NOT NULL");
        names.put("target", dialect.exact(dialect.keyText(TARGET_LENGTH)) + " NOT NULL");
        Map<String, String> outputKeys = new LinkedHashMap<>(names);
        outputKeys.put("output_key", dialect.exact(dialect.keyText(KEY_LENGTH)) + " NOT NULL");
        Map<String, String> deadLetterKeys = new LinkedHashMap<>(names);
        deadLetterKeys.put("split_id", dialect.exact(text) + " NOT NULL");
        Map<String, String> commitKeys = new LinkedHashMap<>(names);
        commitKeys.put("split_id", dialect.exact(dialect.keyText(KEY_LENGTH)) + " NOT NULL");
        commitKeys.put("output_key", dialect.exact(text));
        commitKeys.put(OUTPUT_VERSION, dialect.exact(text));
        Map<String, String> indexes = new LinkedHashMap<>();
        for (Index index : INDEXES) indexes.put(index.table(), index.name());
        // the columns added last to each table: the signs that an earlier Sluice's tables were migrated
        Map<String, String> lastColumns =
                Map.of(COMMITS, OUTPUT_END, OUTPUTS, INCARNATION, DEAD_LETTER, DeadLetter.BYTE);
        if (dialect.complete(c, commits, lastColumns, indexes, commitKeys.keySet())) return;
        String lock = "sluice:" + t.schema();
        dialect.lock(c, lock);
        try (Statement s = c.createStatement()) {
            // lengths where the database needs them to index text (MariaDB: a key of at most 768 characters)
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, OUTPUTS) + " (" + definitions(outputKeys)
                    + ", lock_token bigint NOT NULL, " + INCARNATION + " " + text
                    + ", PRIMARY KEY (pipeline, target, output_key))" + dialect.tableOptions());
            // the lock tokens of an earlier Sluice, kept without their incarnation
            if (!dialect.columns(c, new TableName(t.schema(), OUTPUTS)).containsKey(INCARNATION)) {
                s.execute("ALTER TABLE " + bookkeepingTable(t, OUTPUTS) + " ADD COLUMN " + INCARNATION + " " + text);
            }
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, DEAD_LETTER) + " ("
                    + definitions(deadLetterKeys) + ", file " + text + ", line bigint, "
                    + dialect.quote(DeadLetter.BYTE) + " bigint, " + dialect.quote("key") + " " + text + ", reason "
                    + text + ", record " + text + ", at " + dialect.timestampNow() + ")" + dialect.tableOptions());
            // the dead letters of an earlier Sluice, which named no record by its byte: theirs stays NULL
            if (!dialect.columns(c, new TableName(t.schema(), DEAD_LETTER)).containsKey(DeadLetter.BYTE)) {
                s.execute("ALTER TABLE " + bookkeepingTable(t, DEAD_LETTER) + " ADD COLUMN "
                        + dialect.quote(DeadLetter.BYTE) + " bigint");
            }
            if (dialect.numbersRows()) s.execute(dialect.createSequence(bookkeepingTable(t, NUMBERS)));
            // the columns of the commit records an earlier Sluice's lack, by name, in order: OUTPUT_END last
            Map<String, String> late = new LinkedHashMap<>();
            if (dialect.numbersRows()) late.put(NUMBER, "bigint");
            late.put(OUTPUT_VERSION, commitKeys.get(OUTPUT_VERSION));
            late.put(OUTPUT_START, "bigint");
            late.put(OUTPUT_END, "bigint");
            Map<String, String> created = new LinkedHashMap<>(names);
            created.put("split_id", commitKeys.get("split_id"));
            s.execute("CREATE TABLE IF NOT EXISTS " + bookkeepingTable(t, COMMITS) + " (" + definitions(created)
                    + ", token bigint NOT NULL, output_key " + commitKeys.get("output_key") + ", incarnation " + text
                    + ", committed_at " + dialect.timestamp() + ", " + dialect.quote("rows") + " bigint, "
                    + definitions(late) + ", PRIMARY KEY (pipeline, target, split_id))" + dialect.tableOptions());
            // the records of a schema that an earlier Sluice made: OUTPUT_END last, the sign that all are there
            Map<String, String> has = dialect.columns(c, commits);
            for (Map.Entry<String, String> column : late.entrySet()) {
                if (has.containsKey(column.getKey())) continue;
                s.execute("ALTER TABLE " + bookkeepingTable(t, COMMITS) + " ADD COLUMN " + column.getKey() + " "
                        + column.getValue());
            }
            // keys an earlier Sluice made comparing text inexactly (MariaDB: A.csv was a.csv); the records' last
            makeExact(c, s, new TableName(t.schema(), OUTPUTS), outputKeys);
            makeExact(c, s, new TableName(t.schema(), DEAD_LETTER), deadLetterKeys);
            makeExact(c, s, commits, commitKeys);
            // of tables made with the columns above but before an index, too: they get it here
            for (Index index : INDEXES) {
                if (dialect.hasIndex(c, new TableName(t.schema(), index.table()), index.name())) continue;
                s.execute("CREATE INDEX " + dialect.quote(index.name()) + " ON " + bookkeepingTable(t, index.table())
                        + " (pipeline, target, " + dialect.indexedText(index.column(), KEY_LENGTH) + ")");
            }
        } finally {
            dialect.unlock(c, lock);
        }
    }

    private static String definitions(Map<String, String> columns) {
        return columns.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * Redefines the table's key columns that compare text inexactly, in one statement: on MariaDB a copy of the table
     * (one row per split committed, or per dead letter), under the schema's lock.
     */
    private void makeExact(Connection c, Statement s, TableName table, Map<String, String> keys) throws SQLException {
        Set<String> inexact = dialect.inexact(c, table, keys.keySet());
        if (inexact.isEmpty()) return;
        Map<String, String> redefined = new LinkedHashMap<>(keys);
        redefined.keySet().retainAll(inexact);
        s.execute(dialect.redefine(bookkeepingTable(table, table.name()), redefined));
    }

    /**
     * Creates the table from the output's columns when missing, adds the output's new columns (or fails, as
     * {@code schema_change} says) and the {@code _sluice_split} column; inside the commit's transaction, under a lock
     * that makes concurrent commits change the table one at a time.
     *
     * @return the table's columns and their types
     */
    private Map<String, String> table(Connection c, TableName t, List<String> columns, List<String> types)
            throws SQLException, AttemptFailure {
        Map<String, String> found = dialect.columns(c, t);
        if (!found.isEmpty()
                && columns.stream().allMatch(col -> tableColumn(found, col) != null)
                && found.containsKey(SPLIT_COLUMN)) {
            return found;
        }
        Map<String, String> existing;
        String lock = "sluice:" + t;
        dialect.lock(c, lock);
        try (Statement s = c.createStatement()) {
            existing = dialect.columns(c, t);
            if (existing.isEmpty()) {
                List<String> defs = new ArrayList<>();
                boolean keyed = !mode.equals("append");
                for (int i = 0; i < columns.size(); i++) {
                    String col = columns.get(i);
                    defs.add(dialect.quote(col) + " " + type(col, types.get(i), keyed && keys.contains(col)));
                }
                defs.add(dialect.quote(SPLIT_COLUMN) + " " + splitColumnType());
                if (keyed) {
                    defs.add("PRIMARY KEY (" + keys.stream().map(dialect::quote).collect(Collectors.joining(", "))
                            + ")");
                }
                s.execute(
                        "CREATE TABLE " + qualified(t) + " (" + String.join(", ", defs) + ")" + dialect.tableOptions());
                s.execute(dialect.createIndex(qualified(t), SPLIT_INDEX, SPLIT_COLUMN));
                return dialect.columns(c, t);
            }
            List<String> missing = new ArrayList<>();
            for (String col : columns) if (tableColumn(existing, col) == null) missing.add(col);
            if (!missing.isEmpty() && !addColumns) {
                // every attempt would find them missing: dead at once (fix the table, then sluice retry)
                throw new AttemptFailure(lacking(t, missing).getMessage(), false);
            }
            for (String col : missing) {
                s.execute("ALTER TABLE " + qualified(t) + " ADD COLUMN " + dialect.quote(col) + " "
                        + type(col, types.get(columns.indexOf(col)), false));
            }
            if (!existing.containsKey(SPLIT_COLUMN)) {
                s.execute("ALTER TABLE " + qualified(t) + " ADD COLUMN " + dialect.quote(SPLIT_COLUMN) + " "
                        + splitColumnType());
                s.execute(dialect.createIndex(qualified(t), SPLIT_INDEX, SPLIT_COLUMN));
            }
            return dialect.columns(c, t);
        } finally {
            dialect.unlock(c, lock);
        }
    }

    /** The type of {@link #SPLIT_COLUMN} in a table Sluice creates or adds it to. */
    private String splitColumnType() {
        return dialect.numbersRows() ? "bigint" : dialect.exact(dialect.keyText(KEY_LENGTH));
    }

    /** Whether rows in a table whose {@link #SPLIT_COLUMN} has this type (null: none yet) carry commit numbers. */
    private boolean numbers(String splitColumnType) {
        return dialect.numbersRows() && (splitColumnType == null || splitColumnType.equals("bigint"));
    }

    /** Whether the table's rows carry commit numbers: looked up once, at the first attempt's stage. */
    private boolean numbered(Connection c) throws SQLException {
        if (!dialect.numbersRows()) return false;
        Boolean known = numbered;
        if (known == null) {
            known = numbers(dialect.columns(c, resolve(c)).get(SPLIT_COLUMN));
            numbered = known;
        }
        return known;
    }

    /** The database's type of an output column; none fails the split at once (every attempt would fail so). */
    private String type(String column, String engineType, boolean key) throws AttemptFailure {
        return dialect.columnType(engineType, key)
                .orElseThrow(() -> new AttemptFailure(
                        "column \"" + column + "\" has type " + engineType
                                + ", which the jdbc sink cannot map to a " + dialect.name()
                                + " type; cast it in a step (to VARCHAR, or "
                                + "to_json(" + column + ")::VARCHAR for JSON text), or create the table yourself",
                        false));
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /**
     * What a refused row's dead letter names as its file: the split's input, as the files sink's dead letters do (the
     * rows no longer say which of a split's files each came from).
     */
    static String origin(Split split) {
        List<io.sluice.spi.Member> members = split.members();
        return members.size() == 1
                ? members.getFirst().key()
                : members.getFirst().key() + " and " + (members.size() - 1) + " other file(s) of the split";
    }

    @Override
    public SinkWriter open(Split split, WriteContext context) {
        return new Writer(split, context.scratch());
    }

    /** The name of the ledger lock under which the versions of one output replace each other. */
    private String lockName(String outputKey) {
        return "jdbc-output:" + connection.name() + ":" + written + ":" + outputKey;
    }

    /**
     * One attempt: {@link #stage} begins a transaction on a connection of its own and copies the rows into a
     * temporary table (or, where the dialect appends directly, writes them to a file in the attempt's scratch folder
     * that the commit loads); {@link #commit} finishes that transaction; {@link #abort} rolls it back (the temporary
     * table goes with it) and deletes the file.
     */
    private final class Writer implements SinkWriter {
        private final Split split;
        /** The attempt's scratch folder: the framework removes it, even after a kill, where a temp file would stay. */
        private final Path scratch;

        private Connection c;
        private List<String> columns;
        private List<String> types;
        private long staged;
        /** An append's rows as CSV, the split column included, loaded at the commit; null when staged in a table. */
        private Path direct;
        /** The number in {@link #SPLIT_COLUMN} of this attempt's rows; null where rows carry the split's id. */
        private Long number;

        private final List<DeadLetter> readerRejects = new ArrayList<>();
        private boolean done;

        Writer(Split split, Path scratch) {
            this.split = split;
            this.scratch = scratch;
        }

        @Override
        public long stage(Rows rows, BadRows bad) throws Exception {
            if (c != null) throw new IllegalStateException("split " + split.id() + " is staged already");
            columns = rows.columns();
            checkDistinct(split, columns);
            types = rows.columnTypes(); // the engine's own, before the two below: a created table's, and BLOB's hex
            rows = rows.nestedAsJson(); // a json or text column takes them as JSON
            rows = rows.blobsAsHex(); // bytes as text no reader changes, turned back into bytes by the insert
            try {
                c = pooled();
                c.setAutoCommit(false);
                if (numbered(c)) number = nextNumber();
                if (columns.isEmpty()) {
                    staged = 0; // a split of empty files (Rows.NONE): its commit only replaces earlier output
                } else if (mode.equals("append") && dialect.appendsDirectly() && !types.contains(BLOB)) {
                    direct = Files.createTempFile(scratch, "append-", ".csv");
                    staged = rows.writeFiles(
                            direct,
                            new FileSpec("csv", "none", List.of(), "rows").withColumn(SPLIT_COLUMN, mark().toString()));
                } else {
                    staged = dialect.stage(c, STAGING, columns, rows, scratch);
                }
            } catch (SQLException e) {
                throw broken(e) ? lost("staging its rows", e) : e;
            }
            Optional<Rows> rejects = bad.rows();
            if (rejects.isPresent()) readerRejects.addAll(DeadLetter.read(rejects.get()));
            return staged;
        }

        /** A new number from the schema's sequence: each attempt's rows get their own. */
        private long nextNumber() throws SQLException {
            TableName t = resolve(c);
            bookkeeping(c, t);
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(dialect.nextNumber(bookkeepingTable(t, NUMBERS)))) {
                r.next();
                return r.getLong(1);
            }
        }

        /** What this attempt's rows carry in {@link #SPLIT_COLUMN}. */
        private Object mark() {
            return number != null ? number : split.id();
        }

        @Override
        public Written commit(CommitContext ctx) throws Exception {
            if (c == null) throw new IllegalStateException("split " + split.id() + " has nothing staged");
            if (done) throw new IllegalStateException("split " + split.id() + " is committed already");
            OutputKey key = split.outputKey();
            try (OutputLocks.Held held = key == null ? null : ctx.lock(lockName(key.key()))) {
                TableName t = resolve(c);
                // a numbered attempt made sure of it at its stage, in this transaction
                if (number == null) bookkeeping(c, t);
                // no columns (a split of empty files): no table is made for them, and without one nothing is replaced
                Map<String, String> tableColumns =
                        columns.isEmpty() ? dialect.columns(c, t) : table(c, t, columns, types);
                boolean hasTable = !tableColumns.isEmpty();
                if (hasTable && numbers(tableColumns.get(SPLIT_COLUMN)) != (number != null)) {
                    numbered = null; // the next attempt looks again
                    throw new IllegalStateException("the column " + SPLIT_COLUMN + " of table " + t + " became "
                            + tableColumns.get(SPLIT_COLUMN) + " while split " + split.id() + " was staged; the split "
                            + "is tried again");
                }
                List<Replaced> replaced = new ArrayList<>();
                if (held != null) {
                    if (!ctx.inputsCurrent()) {
                        abort();
                        return Written.NOTHING;
                    }
                    // checked before the database lock: a writer paused here must not hold a row its successor needs
                    held.check();
                    if (!output(t, key, held, ctx)) {
                        throw new IOException("the lock of output " + key.key() + " was taken over while this writer "
                                + "was paused, and a newer grant committed (another version, or another range of "
                                + "this one): this attempt of split " + split.id() + " writes nothing, and the split "
                                + "is tried again");
                    }
                }
                // after the output's row: every writer of one output locks the two in this order
                claim(t, ctx).ifPresent(replaced::add);
                if (held != null) replaced.addAll(otherVersions(t, key));
                List<Object> marks = replaced.stream()
                        .map(Replaced::mark)
                        .filter(Objects::nonNull)
                        .toList();
                if (!marks.isEmpty() && hasTable) remove(c, t, marks);
                // whatever the policy now: the dead letters of the replaced rows describe rows no longer there
                deleteDeadLetters(c, t, replaced.stream().map(Replaced::splitId).toList(), true);
                List<DeadLetter> refused = hasTable ? insert(t, tableColumns, keys(c, t)) : List.of();
                if (!refused.isEmpty() && context.onBadRecord() == BadRecordPolicy.FAIL) {
                    DeadLetter first = refused.getFirst();
                    // the same rows are refused at every attempt: the split is dead at once, not retried
                    throw new AttemptFailure(
                            refused.size() + " row(s) of split " + split.id() + " refused by " + t + ", the first (row "
                                    + first.line() + (first.key() == null ? "" : ", key " + first.key()) + "): "
                                    + first.reason() + "; fix the rows, or set on_bad_record: dead_letter to keep them "
                                    + "in " + DEAD_LETTER,
                            false);
                }
                long rowsOut = staged - refused.size();
                record(t, key, ctx, rowsOut);
                if (context.onBadRecord() == BadRecordPolicy.DEAD_LETTER) {
                    List<DeadLetter> all = new ArrayList<>(readerRejects);
                    all.addAll(refused);
                    DeadLetter.write(
                            c,
                            dialect,
                            bookkeepingTable(t, DEAD_LETTER),
                            context.pipeline(),
                            t.toString(),
                            split.id(),
                            all);
                }
                c.commit();
                done = true;
                // refused rows are the split's bad records, whether kept in the dead letters or skipped
                return new Written(rowsOut, refused.size(), List.of(t.toString()));
            } catch (SQLException e) {
                throw broken(e) ? lost("committing it", e) : e;
            } finally {
                abort();
            }
        }

        /**
         * Whether the failure is the connection's: the database says so, or the pool has closed the connection (it
         * does after such a failure, and later calls say only "Connection is closed").
         */
        private boolean broken(SQLException e) {
            if (dialect.connectionLost(e)) return true;
            try {
                return c != null && c.isClosed();
            } catch (SQLException closed) {
                return true;
            }
        }

        /**
         * A broken connection (the server restarted, the network failed) as what happened and what follows: the
         * attempt fails and the runner tries the split again with backoff. Nothing of the attempt is visible unless
         * its commit went through before the break, and then the replay replaces it (rule 3).
         */
        private SQLException lost(String doing, SQLException e) {
            return new java.sql.SQLTransientConnectionException(
                    connection.describe() + ": lost the connection to " + dialect.name() + " while " + doing + " ("
                            + e.getMessage() + "); the split is tried again with backoff, and its rows are written "
                            + "once",
                    e.getSQLState(),
                    e);
        }

        /**
         * Locks the split's commit record ({@link #lockRecord}) and checks the fence under that lock. Returns the
         * split's earlier commit, when the record was there: a split's rows, dead letters and record are committed
         * together and removed together, so without a record the table holds no row of the split and no dead letter.
         */
        private Optional<Replaced> claim(TableName t, CommitContext ctx) throws SQLException, StaleClaimException {
            Optional<Replaced> earlier = lockRecord(c, t, split, ctx, number != null);
            ctx.checkFence();
            return earlier;
        }

        /**
         * Locks the output's record until the transaction ends and stores this grant's lock token there; false when a
         * newer grant's token is stored: this writer lost the output's lock (paused past its lease) and a newer
         * version committed meanwhile.
         */
        private boolean output(TableName t, OutputKey key, OutputLocks.Held held, CommitContext ctx)
                throws SQLException {
            String outputs = bookkeepingTable(t, OUTPUTS);
            try (PreparedStatement insert = c.prepareStatement(dialect.insertIfMissing(
                            outputs, List.of("pipeline", "target", "output_key", "lock_token", INCARNATION)));
                    PreparedStatement lock = c.prepareStatement("SELECT lock_token, " + INCARNATION + " FROM " + outputs
                            + " WHERE pipeline = ? AND target = ? AND output_key = ? FOR UPDATE");
                    PreparedStatement update = c.prepareStatement("UPDATE " + outputs + " SET lock_token = ?, "
                            + INCARNATION + " = ? WHERE pipeline = ? AND target = ? AND output_key = ?")) {
                insert.setString(1, context.pipeline());
                insert.setString(2, t.toString());
                insert.setString(3, key.key());
                insert.setLong(4, held.token());
                insert.setString(5, ctx.incarnation());
                insert.executeUpdate();
                lock.setString(1, context.pipeline());
                lock.setString(2, t.toString());
                lock.setString(3, key.key());
                try (ResultSet r = lock.executeQuery()) {
                    if (!r.next()) throw notStored("output key", key.key());
                    // another incarnation's lock is replaced: the fence check follows under this row's lock
                    if (CommitContext.newer(r.getLong(1), r.getString(2), held.token(), ctx.incarnation()))
                        return false;
                }
                update.setLong(1, held.token());
                update.setString(2, ctx.incarnation());
                update.setString(3, context.pipeline());
                update.setString(4, t.toString());
                update.setString(5, key.key());
                update.executeUpdate();
                return true;
            }
        }

        /**
         * The splits that committed other versions of the output: their rows, dead letters and records go. Siblings
         * stay: the other byte ranges of this version that do not overlap this one ({@link OutputKey#sibling}, as the
         * files sink decides), left out by the query itself, so that the commit of each of a file's N ranges reads only
         * what it replaces, not the N records of the file. A record without a version (committed by a Sluice that kept
         * none) counts as another version: its rows go.
         */
        private List<Replaced> otherVersions(TableName t, OutputKey key) throws SQLException {
            List<Replaced> replaced = new ArrayList<>();
            // OutputKey.sibling in SQL: same version, and this range ends before the record's or starts after it
            // (a record without a version makes it NULL: not a sibling)
            String sibling = OUTPUT_VERSION + " = ? AND (" + OUTPUT_START + " >= ? OR (" + OUTPUT_END + " <> "
                    + Member.WHOLE + " AND " + OUTPUT_END + " <= ?))";
            String where = " WHERE pipeline = ? AND target = ? AND output_key = ? AND split_id <> ?"
                    + " AND NOT COALESCE(" + sibling + ", FALSE)";
            // the output's row, locked by output(), keeps other writers of this output out until the commit
            try (PreparedStatement select =
                            c.prepareStatement("SELECT split_id, " + (number != null ? NUMBER : "split_id") + " FROM "
                                    + bookkeepingTable(t, COMMITS) + where);
                    PreparedStatement delete = c.prepareStatement("DELETE FROM " + bookkeepingTable(t, COMMITS)
                            + " WHERE pipeline = ? AND target = ? AND split_id = ?")) {
                select.setString(1, context.pipeline());
                select.setString(2, t.toString());
                select.setString(3, key.key());
                select.setString(4, split.id());
                select.setString(5, key.version());
                // a range to the end of the input ends before no other
                select.setLong(6, key.end() == Member.WHOLE ? Long.MAX_VALUE : key.end());
                select.setLong(7, key.start());
                try (ResultSet r = select.executeQuery()) {
                    while (r.next()) replaced.add(new Replaced(r.getString(1), r.getObject(2)));
                }
                for (Replaced other : replaced) {
                    delete.setString(1, context.pipeline());
                    delete.setString(2, t.toString());
                    delete.setString(3, other.splitId());
                    delete.addBatch();
                }
                if (!replaced.isEmpty()) delete.executeBatch();
            }
            return replaced;
        }

        private void record(TableName t, OutputKey key, CommitContext ctx, long rowsOut) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("UPDATE " + bookkeepingTable(t, COMMITS)
                    + " SET token = ?, output_key = ?, incarnation = ?, committed_at = CURRENT_TIMESTAMP, "
                    + dialect.quote("rows") + " = ?" + (number != null ? ", " + NUMBER + " = " + number : "")
                    + ", " + OUTPUT_VERSION + " = ?, " + OUTPUT_START + " = ?, " + OUTPUT_END + " = ?"
                    + " WHERE pipeline = ? AND target = ? AND split_id = ?")) {
                s.setLong(1, ctx.token());
                s.setString(2, key == null ? null : key.key());
                s.setString(3, ctx.incarnation());
                s.setLong(4, rowsOut);
                s.setString(5, key == null ? null : key.version());
                s.setObject(6, key == null ? null : key.start(), java.sql.Types.BIGINT);
                s.setObject(7, key == null ? null : key.end(), java.sql.Types.BIGINT);
                s.setString(8, context.pipeline());
                s.setString(9, t.toString());
                s.setString(10, split.id());
                s.executeUpdate();
            }
        }

        /**
         * Writes the staged rows into the table in one statement; when the database refuses it for a row's values,
         * finds the refused rows by halving the range (each try under a savepoint), writes the others, and returns
         * the refused ones.
         */
        private List<DeadLetter> insert(TableName t, Map<String, String> tableColumns, List<String> match)
                throws SQLException, IOException {
            List<DeadLetter> refused = new ArrayList<>();
            if (staged == 0) return refused;
            if (direct != null) {
                List<String> all = new ArrayList<>(columns);
                all.add(SPLIT_COLUMN);
                var savepoint = c.setSavepoint();
                try {
                    dialect.appendFile(c, qualified(t), all, direct);
                    c.releaseSavepoint(savepoint);
                    return refused;
                } catch (SQLException e) {
                    if (!dialect.refusesRow(e)) throw e;
                    // a value the table does not take: the rows go through the staging table, to find which
                    c.rollback(savepoint);
                    dialect.stageFile(c, STAGING, all, direct);
                    deleteDirect();
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
                s.setObject(1, mark());
                s.setLong(2, from);
                s.setLong(3, to);
                s.executeUpdate();
                c.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (!dialect.refusesRow(e)) throw e;
                c.rollback(savepoint);
                if (from == to) {
                    refused.add(DeadLetter.refused(c, STAGING, origin(split), from, match, columns, e, dialect));
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
         * never cut); parameters: what the rows carry in {@link #SPLIT_COLUMN}, first row, last row.
         */
        private String writeStatement(TableName t, Map<String, String> tableColumns, List<String> match)
                throws SQLException {
            List<String> target = new ArrayList<>(columns);
            target.add(SPLIT_COLUMN);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                String col = columns.get(i);
                String staged = "s." + dialect.quote(col);
                String type = tableColumns.get(tableColumn(tableColumns, col));
                // a BLOB is staged as its bytes in hex (Rows.blobsAsHex)
                values.add((types.get(i).equals(BLOB) ? dialect.fromHex(staged, type) : dialect.value(staged, type))
                        + " AS " + dialect.quote(col));
            }
            values.add((number != null ? "CAST(? AS bigint)" : dialect.textParameter()) + " AS "
                    + dialect.quote(SPLIT_COLUMN));
            String from = " FROM " + dialect.quote(STAGING) + " s WHERE s._sluice_row BETWEEN ? AND ?";
            if (mode.equals("append")) {
                return "INSERT INTO " + qualified(t) + " ("
                        + target.stream().map(dialect::quote).collect(Collectors.joining(", ")) + ") SELECT "
                        + String.join(", ", values) + from;
            }
            // one row per key, the split's last: a statement may not write one row twice
            List<String> keyExprs = match.stream()
                    .map(k -> dialect.value("s." + dialect.quote(k), tableColumns.get(tableColumn(tableColumns, k))))
                    .toList();
            String select = dialect.latestPerKey(values, from, keyExprs, dialect.nullKeysEqual(c, t, match));
            // merge on keys the table holds unique writes as upsert: ON CONFLICT waits for a key another commit
            // inserts and then writes over its row, where MERGE fails on it (a unique violation, taken for a refused
            // row)
            if (mode.equals("upsert") || uniqueKeys(c, t, match)) {
                return dialect.upsert(qualified(t), target, select, match);
            }
            return dialect.merge(qualified(t), target, select, match)
                    .orElseThrow(() ->
                            options.problem(JdbcSinkFactory.MODE, dialect.name() + " has no MERGE; use mode: upsert"));
        }

        /** Deletes the direct append's file: its rows are in the staging table or the transaction, or nowhere. */
        private void deleteDirect() {
            if (direct == null) return;
            try {
                Files.deleteIfExists(direct);
            } catch (IOException e) {
                // removed with the attempt's scratch folder
            }
            direct = null;
        }

        @Override
        public void abort() throws SQLException {
            deleteDirect();
            if (c == null) return;
            try {
                if (!done) c.rollback();
                dialect.unstage(c, STAGING);
            } catch (SQLException e) {
                // a broken connection: the server ends the session's transaction, and the pool drops the connection
                if (!broken(e)) throw e;
            } finally {
                Connection closing = c;
                c = null;
                closing.close();
            }
        }

        @Override
        public void close() throws SQLException {
            abort();
        }
    }

    /** Deletes the rows that carry these commit numbers or split ids in {@link #SPLIT_COLUMN}. */
    private void remove(Connection c, TableName t, List<Object> marks) throws SQLException {
        // split ids in the column of a table an earlier Sluice made may compare inexactly (MariaDB: a.csv finds
        // A.csv's rows); the column is never migrated (that would copy the user's table)
        Among among = among(dialect.quote(SPLIT_COLUMN), marks.size(), marks.getFirst() instanceof String);
        try (PreparedStatement s = c.prepareStatement("DELETE FROM " + qualified(t) + " WHERE " + among.sql())) {
            among.bind(s, 1, marks);
            s.executeUpdate();
        }
    }

    /**
     * A condition that a text column is one of some values: {@code sql} holds {@code times} lists of parameters, each
     * to be given the values ({@link #bind}).
     */
    private record Among(String sql, int times) {
        void bind(PreparedStatement s, int first, List<?> values) throws SQLException {
            int i = first;
            for (int time = 0; time < times; time++) for (Object value : values) s.setObject(i++, value);
        }
    }

    /**
     * {@code column IN (?, ...)} for {@code n} values; and where the column may compare inexactly ({@code inexact}: of
     * a table an earlier Sluice made, not migrated), the same of {@link Dialect#exactly} beside it: the index on the
     * column finds the candidates, the exact comparison keeps the split's own (the expression alone would lose the
     * index).
     */
    private Among among(String column, int n, boolean inexact) {
        String in = " IN (" + "?, ".repeat(n - 1) + "?)";
        String exactly = inexact ? dialect.exactly(column) : column;
        return exactly.equals(column) ? new Among(column + in, 1) : new Among(column + in + " AND " + exactly + in, 2);
    }

    /**
     * Locks the split's commit record until the transaction ends, made with the claim's token when missing, and refuses
     * a claim token lower than the stored one (the split was taken over and committed by a newer claim). The insert,
     * not a locking read, finds a record another transaction made and has not committed: it waits for that one's end
     * (PostgreSQL's SELECT ... FOR UPDATE does not see the row, and would not wait).
     *
     * @param numbers whether the split's rows carry the commit number the record holds (else its id)
     * @return the split's commit that was recorded before, with what its rows carry; empty when this call made the
     *     record
     */
    private Optional<Replaced> lockRecord(Connection c, TableName t, Split split, CommitContext ctx, boolean numbers)
            throws SQLException, StaleClaimException {
        String commits = bookkeepingTable(t, COMMITS);
        try (PreparedStatement insert = c.prepareStatement(
                        dialect.insertIfMissing(commits, List.of("pipeline", "target", "split_id", "token")));
                PreparedStatement lock =
                        c.prepareStatement("SELECT token, " + INCARNATION + (numbers ? ", " + NUMBER : "") + " FROM "
                                + commits + " WHERE pipeline = ? AND target = ? AND split_id = ? FOR UPDATE")) {
            insert.setString(1, context.pipeline());
            insert.setString(2, t.toString());
            insert.setString(3, split.id());
            insert.setLong(4, ctx.token());
            boolean recordedBefore = insert.executeUpdate() == 0;
            lock.setString(1, context.pipeline());
            lock.setString(2, t.toString());
            lock.setString(3, split.id());
            try (ResultSet r = lock.executeQuery()) {
                if (!r.next()) throw notStored("split id", split.id());
                // checkFence follows under the record's lock, inside the target's transaction
                if (CommitContext.newer(r.getLong(1), r.getString(2), ctx.token(), ctx.incarnation())) {
                    throw new StaleClaimException(split.id(), ctx.token());
                }
                Object mark = numbers ? r.getObject(3, Long.class) : split.id();
                return recordedBefore ? Optional.of(new Replaced(split.id(), mark)) : Optional.empty();
            }
        }
    }

    /** A bookkeeping row that its insert did not store: MariaDB's INSERT IGNORE cuts a value too long to warn. */
    private SQLException notStored(String what, String value) {
        return new SQLException("the jdbc sink could not store the " + what + " " + value + " in " + COMMITS
                + " or " + OUTPUTS + ": on " + dialect.name() + " it may be at most " + KEY_LENGTH
                + " characters long (it is " + value.length() + "); give the inputs shorter names");
    }

    /**
     * A split's earlier commit that a commit replaces: its id, and what its rows carry in {@link #SPLIT_COLUMN} (null
     * when they carry nothing this commit can find: committed before rows were numbered).
     */
    private record Replaced(String splitId, Object mark) {}

    /**
     * Deletes the dead letters of these splits, whose rows are replaced or removed, by {@link #DEAD_LETTER_INDEX}.
     *
     * @param migrated whether this transaction ran {@link #bookkeeping}, which made the split ids exact (a commit);
     *     else (a discard, which makes no DDL) they may be an earlier Sluice's, not migrated, and {@code a.csv}'s must
     *     not take {@code A.csv}'s: they are then compared exactly too
     */
    private void deleteDeadLetters(Connection c, TableName t, List<String> splitIds, boolean migrated)
            throws SQLException {
        if (splitIds.isEmpty()) return;
        Among among = among("split_id", splitIds.size(), !migrated);
        try (PreparedStatement s = c.prepareStatement(deadLettersDelete(t, among))) {
            s.setString(1, context.pipeline());
            s.setString(2, t.toString());
            among.bind(s, 3, splitIds);
            s.executeUpdate();
        }
    }

    /**
     * The statement {@link #deleteDeadLetters} runs for {@code n} split ids; its parameters: the pipeline, the target,
     * then the ids, twice where not {@code migrated}.
     */
    String deadLettersDelete(TableName t, int n, boolean migrated) {
        return deadLettersDelete(t, among("split_id", n, !migrated));
    }

    private String deadLettersDelete(TableName t, Among splits) {
        return "DELETE FROM " + bookkeepingTable(t, DEAD_LETTER) + " WHERE pipeline = ? AND target = ? AND "
                + splits.sql();
    }

    // ---- discard and reset ---------------------------------------------------------------------------------

    /**
     * Removes the rows the split committed, its dead letters and its record, in one transaction that holds the
     * record's lock and checks the claim's token and fence, as a commit does.
     */
    @Override
    public void discard(Split split, CommitContext ctx) throws Exception {
        OutputKey key = split.outputKey();
        try (OutputLocks.Held held = key == null ? null : ctx.lock(lockName(key.key()));
                Connection c = pooled()) {
            c.setAutoCommit(false);
            try {
                TableName t = resolve(c);
                if (!dialect.exists(c, new TableName(t.schema(), COMMITS))) {
                    ctx.checkFence();
                    return;
                }
                // records of an earlier Sluice may lack the number (a discard makes no DDL)
                boolean recordsNumbered = dialect.numbersRows()
                        && dialect.columns(c, new TableName(t.schema(), COMMITS))
                                .containsKey(NUMBER);
                // before the table is looked at: an older claim's unfinished first commit (that may make the table)
                // is waited for, not missed
                Optional<Replaced> committed = lockRecord(c, t, split, ctx, recordsNumbered);
                String splitColumn = dialect.columns(c, t).get(SPLIT_COLUMN);
                Object mark = committed
                        .map(r -> numbers(splitColumn) ? r.mark() : split.id())
                        .orElse(null);
                ctx.checkFence();
                if (held != null) held.check();
                if (splitColumn != null && mark != null) remove(c, t, List.of(mark));
                // also without a record: an earlier Sluice's discard left the dead letters
                deleteDeadLetters(c, t, List.of(split.id()), false);
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
        try (Connection c = pooled()) {
            TableName t = resolve(c);
            if (!dialect.exists(c, new TableName(t.schema(), COMMITS))) return List.of();
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
        try (Connection c = pooled()) {
            c.setAutoCommit(false);
            TableName t = resolve(c);
            if (!dialect.exists(c, new TableName(t.schema(), COMMITS))) return listed;
            try (Statement s = c.createStatement()) {
                String where = " WHERE pipeline = " + Sql.literal(context.pipeline()) + " AND target = "
                        + Sql.literal(t.toString());
                String splitColumn = dialect.columns(c, t).get(SPLIT_COLUMN);
                if (splitColumn != null) {
                    // by the marks themselves, as a replay's delete: a subquery would compare the table's column with
                    // the records' in two collations where an earlier Sluice made the table (MariaDB refuses the mix)
                    List<Object> marks = new ArrayList<>();
                    try (ResultSet r = s.executeQuery("SELECT " + (numbers(splitColumn) ? NUMBER : "split_id")
                            + " FROM " + bookkeepingTable(t, COMMITS) + where)) {
                        while (r.next()) if (r.getObject(1) != null) marks.add(r.getObject(1));
                    }
                    for (int i = 0; i < marks.size(); i += MARKS_PER_DELETE) {
                        remove(c, t, marks.subList(i, Math.min(marks.size(), i + MARKS_PER_DELETE)));
                    }
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
