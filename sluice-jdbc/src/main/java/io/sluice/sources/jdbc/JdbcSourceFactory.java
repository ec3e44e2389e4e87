package io.sluice.sources.jdbc;

import io.sluice.config.Connection;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SourceFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Declares the {@code jdbc} source: a table or query of a database named in the connections file. */
public final class JdbcSourceFactory implements SourceFactory<Options> {
    static final Field<Connection> CONNECTION = Field.required(
            "connection", Type.CONNECTION, "The name of the database's connection in `connections.yaml`.");
    static final Field<String> TABLE = Field.computed(
            "table",
            Type.STRING,
            "none",
            "The table (or view) to read, as the database names it: `orders`, `sales.orders`.");
    static final Field<List<String>> COLUMNS = Field.optional(
            "columns",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "With `table`: the columns to read, as SQL select items (`id`, `encode(doc, 'hex') AS doc`); all when empty.");
    static final Field<String> WHERE =
            Field.computed("where", Type.STRING, "none", "With `table`: an SQL condition the rows read must meet.");
    static final Field<String> QUERY = Field.computed(
            "query",
            Type.STRING,
            "none",
            "Instead of `table`: a SELECT statement; its result is read as if it were a table (partitions and the "
                    + "incremental range filter its output columns).");

    static final Field<String> PARTITION_COLUMN = Field.required(
            "column", Type.STRING, "An output column whose values cut the rows into ranges (a key, a date).");
    static final Field<Long> PARTITION_COUNT =
            Field.computed("count", Type.POSITIVE_INT, "none", "How many ranges (splits) to cut the rows into.");
    static final Field<Long> PARTITION_SIZE = Field.computed(
            "size", Type.POSITIVE_INT, "none", "Instead of `count`: about how many rows each range holds.");
    static final Type.Obj PARTITION =
            Type.Obj.of("Key ranges read as splits of their own.", PARTITION_COLUMN, PARTITION_COUNT, PARTITION_SIZE);
    static final Field<Options> PARTITION_BLOCK = Field.computed(
            "partition",
            PARTITION,
            "one split",
            "Cut the rows into ranges of `column` that run in parallel, balanced from the column's distribution "
                    + "(PostgreSQL's statistics of it, values a range's rows apart on MariaDB and MySQL, else `ntile` "
                    + "over the column), so skewed keys still give ranges of about equal size. Rows whose column is "
                    + "NULL go into the first range. Not with `incremental`.");

    static final Field<String> CURSOR = Field.required(
            "column",
            Type.STRING,
            "The output column that grows with every change (`updated_at`): a timestamp (PostgreSQL `timestamp` or "
                    + "`timestamptz`, MariaDB and MySQL `DATETIME` or `TIMESTAMP`).");
    static final Field<String> TIE_BREAKER = Field.computed(
            "tie_breaker",
            Type.STRING,
            "none",
            "A unique output column (`id`) that orders rows with equal `column` values: each split is read in "
                    + "`(column, tie_breaker)` order.");
    static final Field<Duration> LAG = Field.optional(
            "lag",
            Type.DURATION,
            Duration.ofMinutes(5),
            "Each run reads rows up to the database's own clock minus this: a transaction that commits later than "
                    + "this after it wrote its `column` value would be missed, so make it longer than your longest "
                    + "writing transaction.");
    static final Field<String> TIME_ZONE = Field.computed(
            "time_zone",
            Type.STRING,
            "UTC",
            "For a `column` without a time zone (PostgreSQL `timestamp`, MariaDB and MySQL `DATETIME`): the zone "
                    + "its values are written in (`America/New_York`, as the tz database names it), when the "
                    + "writers set it with their local clock (`now()` in a session of that zone). Each run's upper "
                    + "bound is the database's clock as a wall-clock time there. Left at UTC for values written west of it "
                    + "(the Americas), each run's bound lies hours past the rows written after it, which are never read.");
    static final Field<String> NULLS = Field.optional(
            "nulls",
            Type.choice("fail", "skip", "first_run"),
            "fail",
            "Rows whose `column` is NULL: `fail` the plan while there are any, `skip` them (every plan says how many), "
                    + "or read them in the `first_run` only (later plans say how many are left out).");
    static final Field<Long> ROWS_PER_SPLIT = Field.computed(
            "rows_per_split",
            Type.POSITIVE_INT,
            "one split a run",
            "With `tie_breaker`: cut a run's rows into splits of this many rows (a first run over a large table), "
                    + "at rows of the `(column, tie_breaker)` order, so rows with one timestamp on both sides of a cut "
                    + "are each read once.");
    static final Field<String> AFTER_CHANGE = Field.optional(
            "after_change",
            Type.choice("fail", "continue", "from_start"),
            "fail",
            "When `table`, `columns`, `where`, `query`, `column` or `tie_breaker` changed, this definition has no "
                    + "watermark of its own while the ledger holds an earlier definition's (or, put back, another "
                    + "definition read on after its watermark): `fail` the plan, naming "
                    + "the earlier watermark and the choices; `continue` from the earlier watermark (same `column`), "
                    + "the rows before it staying as they were read; or read every row `from_start` again, knowing "
                    + "that a files sink then holds the earlier rows twice. `sluice reset --delete-output` instead "
                    + "reads every row once with the new definition.");
    static final Type.Obj INCREMENTAL = Type.Obj.of(
            "Reads only the rows changed since the last run.",
            CURSOR,
            TIE_BREAKER,
            LAG,
            TIME_ZONE,
            NULLS,
            ROWS_PER_SPLIT,
            AFTER_CHANGE);
    static final Field<Options> INCREMENTAL_BLOCK = Field.computed(
            "incremental",
            INCREMENTAL,
            "the rows are read once, in full",
            "Each run proposes one split (or several: `rows_per_split`) of the rows after the last registered watermark up to the database's "
                    + "clock minus `lag`; the watermark is the ledger's, so a replay of a split reads the same range.");
    static final Field<Long> FETCH_SIZE = Field.optional(
            "fetch_size",
            Type.POSITIVE_INT,
            10_000L,
            "Rows fetched per round trip where the rows are streamed (MariaDB, MySQL and other databases; "
                    + "PostgreSQL uses COPY).");

    static final Type.Obj OPTIONS = Type.Obj.of(
            "A table or query of a database (JDBC).",
            CONNECTION,
            TABLE,
            COLUMNS,
            WHERE,
            QUERY,
            PARTITION_BLOCK,
            INCREMENTAL_BLOCK,
            FETCH_SIZE);

    @Override
    public String kind() {
        return "jdbc";
    }

    /** A member key with its hash, then the part ({@code #all}, a key range, an incremental range). */
    @Override
    public java.util.Optional<java.util.regex.Pattern> splitIds() {
        return java.util.Optional.of(JdbcSource.SPLIT_ID);
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Reads a table or a query of a database through JDBC: PostgreSQL (through `COPY ... TO STDOUT`), "
                + "MariaDB and MySQL (a streamed result set), and other databases whose driver is on the class path. "
                + "A full read happens once per ledger (cut into key ranges with `partition`); `incremental` reads "
                + "the rows changed since the last run. Column types are kept (see the jdbc source page for the "
                + "type mapping); a column of a type Sluice cannot map fails the plan with the cast to use.";
    }

    @Override
    public Source create(Options o, PipelineContext context) {
        return new JdbcSource(settings(o), context);
    }

    /**
     * SQL that is wrapped in more SQL ({@code SELECT * FROM (query) s WHERE ...}), with a line break after a comment on
     * its last line ({@code ... -- new rows only}), which would otherwise comment out the rest of the wrapping SQL.
     * Without such a comment it is left as written: the member key of the input is a hash of it.
     */
    static String endingComment(String sql) {
        String last = sql.substring(sql.lastIndexOf('\n') + 1);
        char quote = 0;
        for (int i = 0; i < last.length(); i++) {
            char ch = last.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0;
            } else if (ch == '\'' || ch == '"' || ch == '`') {
                quote = ch;
            } else if (ch == '-' && last.startsWith("--", i)) {
                return sql + "\n";
            }
        }
        return sql;
    }

    /** The options checked against each other. */
    static JdbcSource.Settings settings(Options o) {
        if (o.has(TABLE) == o.has(QUERY)) throw o.problem(TABLE, "give either table or query");
        if (o.has(QUERY) && (o.has(WHERE) || !o.get(COLUMNS).isEmpty())) {
            throw o.problem(QUERY, "columns and where go with table; put them in the query");
        }
        String base;
        String name;
        if (o.has(TABLE)) {
            name = o.get(TABLE).strip();
            List<String> columns = o.get(COLUMNS);
            base = "SELECT " + (columns.isEmpty() ? "*" : String.join(", ", columns)) + " FROM " + name
                    + (o.has(WHERE) ? " WHERE (" + endingComment(o.get(WHERE)) + ")" : "");
        } else {
            String query = o.get(QUERY).strip().replaceFirst(";\\s*$", "");
            // "...; -- note": the statement's end, then a comment; both go (such a query never ran)
            String statement = query.replaceFirst(";(\\s|--[^\\n]*|/\\*.*?\\*/)*$", "");
            base = statement.equals(query) ? endingComment(query) : statement.strip();
            name = "query";
        }
        JdbcSource.Partition partition = null;
        if (o.has(PARTITION_BLOCK)) {
            Options p = o.get(PARTITION_BLOCK);
            if (p.has(PARTITION_COUNT) == p.has(PARTITION_SIZE)) {
                throw p.problem(PARTITION_COUNT, "give either count or size");
            }
            partition = new JdbcSource.Partition(
                    p.get(PARTITION_COLUMN),
                    p.find(PARTITION_COUNT).orElse(0L),
                    p.find(PARTITION_SIZE).orElse(0L));
        }
        JdbcSource.Incremental incremental = null;
        if (o.has(INCREMENTAL_BLOCK)) {
            if (partition != null) throw o.problem(PARTITION_BLOCK, "not with incremental");
            Connection conn = o.get(CONNECTION);
            if (Dialect.of(conn.url().reveal()) == Dialect.GENERIC) {
                // the url says it: no need to reach the database
                throw o.problem(
                        INCREMENTAL_BLOCK,
                        "incremental reads need PostgreSQL, MariaDB or MySQL (their clock bounds each range), and "
                                + conn.describe() + " is another database; drop incremental to read the "
                                + (o.has(TABLE) ? "table" : "query") + " in full, once per ledger");
            }
            Optional<String> limit = o.has(QUERY)
                    ? RowLimit.of(base, Dialect.of(conn.url().reveal()) == Dialect.MYSQL)
                    : Optional.empty();
            if (limit.isPresent()) {
                // each run's range is filtered out of the query's rows, and the new rows are not among its first N
                throw o.problem(
                        QUERY,
                        "the query's " + limit.get() + " keeps some of its rows only, and incremental reads each run's "
                                + "range among those: the rows past them, new ones too, would never be read (each plan "
                                + "saying no rows after the watermark); drop " + limit.get() + " (to cut a large run "
                                + "into smaller splits, use incremental.rows_per_split)");
            }
            Options i = o.get(INCREMENTAL_BLOCK);
            if (i.has(ROWS_PER_SPLIT) && !i.has(TIE_BREAKER)) {
                throw i.problem(
                        ROWS_PER_SPLIT, "needs tie_breaker: a unique column that orders rows of one " + i.get(CURSOR));
            }
            incremental = new JdbcSource.Incremental(
                    i.get(CURSOR),
                    i.find(TIE_BREAKER).orElse(null),
                    i.get(LAG),
                    i.get(NULLS),
                    i.find(ROWS_PER_SPLIT).orElse(0L),
                    i.zone(TIME_ZONE, ""),
                    i.has(TIME_ZONE),
                    i.get(AFTER_CHANGE));
        }
        return new JdbcSource.Settings(
                o,
                o.get(CONNECTION),
                name,
                o.has(TABLE) ? name : null,
                base,
                partition,
                incremental,
                Math.toIntExact(o.get(FETCH_SIZE)));
    }
}
