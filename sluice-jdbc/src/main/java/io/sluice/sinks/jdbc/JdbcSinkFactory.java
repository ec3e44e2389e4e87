package io.sluice.sinks.jdbc;

import io.sluice.config.Connection;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import java.util.List;
import java.util.Locale;

/** Declares the {@code jdbc} sink. */
public final class JdbcSinkFactory implements SinkFactory<Options> {
    static final Field<Connection> CONNECTION = Field.required(
            "connection",
            Type.CONNECTION,
            "Name of the database connection in `connections.yaml` beside the pipeline (url, user, password, "
                    + "pool_size): PostgreSQL (`jdbc:postgresql://...`), MariaDB or MySQL (`jdbc:mariadb://...`, "
                    + "`jdbc:mysql://...`). Keep pool_size at least the run's parallelism: "
                    + "each split holds one connection from staging to commit.");
    static final Field<String> TABLE = Field.required(
            "table",
            Type.STRING,
            "Target table, `name` or `schema.name`, as written (quoted: `Orders` is not `orders`); created from the "
                    + "output's columns when missing (see docs/sinks/jdbc.md for the type mapping).");
    static final Field<String> MODE = Field.optional(
            "mode",
            Type.choice("append", "upsert", "merge"),
            "append",
            "`append` adds the split's rows (a replay replaces them); `upsert` writes rows over the rows with the same "
                    + "`keys` (`INSERT ... ON CONFLICT`, MariaDB's `ON DUPLICATE KEY UPDATE`: needs a primary key or "
                    + "unique index on them, made when Sluice creates the table); `merge` does the same with `MERGE`, "
                    + "which needs no unique index (PostgreSQL only).");
    static final Field<List<String>> KEYS = Field.optional(
            "keys",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "Columns that identify a row: what `upsert` and `merge` match on (default: the table's primary key), "
                    + "and what names a refused row in the dead letters.");
    static final Field<String> SCHEMA_CHANGE = Field.optional(
            "schema_change",
            Type.choice("add_columns", "fail"),
            "add_columns",
            "What a column of the output that the table lacks does: `add_columns` adds it (nullable, mapped type), "
                    + "`fail` fails the split naming the column.");

    static final Type.Obj OPTIONS = Type.Obj.of(
            "A database table, written through JDBC (PostgreSQL, MariaDB, MySQL).",
            CONNECTION,
            TABLE,
            MODE,
            KEYS,
            SCHEMA_CHANGE);

    @Override
    public String kind() {
        return "jdbc";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Writes each split's rows to a database table exactly once: the rows and the record that the split "
                + "(with its claim's fencing token) committed go in one database transaction, so a replay replaces "
                + "the split's rows and a stale worker cannot commit. Rows are staged into a temporary table (COPY in "
                + "PostgreSQL; LOAD DATA LOCAL INFILE, or multi-row INSERTs, in MariaDB and MySQL), then inserted (`append`), or written over the "
                + "rows with the same keys (`upsert`, "
                + "`merge`). A row the database refuses goes to `_sluice_dead_letter` in the table's schema with "
                + "its key and the database's message; the rest of the split commits. See docs/sinks/jdbc.md.";
    }

    @Override
    public Sink create(Options o, PipelineContext context) {
        Connection connection = o.get(CONNECTION);
        String url = connection.url().reveal().toLowerCase(Locale.ROOT);
        Dialect dialect;
        if (url.startsWith("jdbc:postgresql:")) dialect = new PostgresDialect();
        else if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) dialect = new MariaDbDialect();
        else {
            throw o.problem(
                    CONNECTION,
                    connection.describe() + " is not a url of a database the jdbc sink writes to: PostgreSQL "
                            + "(jdbc:postgresql://host:5432/db), MariaDB (jdbc:mariadb://host:3306/db) or MySQL "
                            + "(jdbc:mysql://host:3306/db)");
        }
        String mode = o.get(MODE);
        if (mode.equals("merge")
                && dialect.merge("t", List.of("k"), "", List.of("k")).isEmpty()) {
            throw o.problem(
                    MODE,
                    "mode merge writes with MERGE, which " + dialect.name() + " and MySQL lack; use mode: upsert "
                            + "(INSERT ... ON DUPLICATE KEY UPDATE), with a primary key or unique index on the keys");
        }
        List<String> keys = o.get(KEYS);
        if (keys.stream().distinct().count() != keys.size()) throw o.problem(KEYS, "a column is named twice");
        return new JdbcSink(
                connection,
                TableName.parse(o.get(TABLE)),
                mode,
                keys,
                o.get(SCHEMA_CHANGE).equals("add_columns"),
                dialect,
                o,
                context);
    }
}
