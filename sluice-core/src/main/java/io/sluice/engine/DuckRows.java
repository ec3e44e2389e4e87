package io.sluice.engine;

import io.sluice.spi.Sql;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.Rows;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

/** Rows of a DuckDB query, written by DuckDB's COPY (the fast path) or read through a JDBC result set. */
public final class DuckRows implements Rows {
    private final Connection c;
    private final String query;
    /** The result's names and types, bound once when first asked (a sink asks several times per split). */
    private Described described;

    /** A result's column names and their DuckDB type names, in order. */
    private record Described(List<String> names, List<String> types) {}

    public DuckRows(Connection c, String query) {
        this.c = c;
        this.query = query;
    }

    private DuckRows(Connection c, String query, Described described) {
        this(c, query);
        this.described = described;
    }

    @Override
    public List<String> columns() throws SQLException {
        return described().names();
    }

    @Override
    public List<String> columnTypes() throws SQLException {
        return described().types();
    }

    /** Computes every value of the rows, keeping none: what a write would compute, writing nothing. */
    void compute() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT count(COLUMNS(*)) FROM (" + query + ")").close();
        }
    }

    /** The result's column names and types, without running the query. */
    private Described described() throws SQLException {
        if (described != null) return described;
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM (" + query + ") LIMIT 0")) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                names.add(r.getMetaData().getColumnName(i));
                types.add(r.getMetaData().getColumnTypeName(i));
            }
            described = new Described(List.copyOf(names), List.copyOf(types));
            return described;
        }
    }

    /**
     * DuckDB's {@code to_json} of each nested column, under its own name and in its place, with the numbers in it that
     * JSON has not (NaN, infinities) as strings ({@link JsonNumbers}): a JSON column refused the whole value.
     */
    @Override
    public DuckRows nestedAsJson() throws SQLException {
        return replaced(
                (col, type) -> {
                    if (!Rows.nested(type)) return null;
                    String numbers = JsonNumbers.json(col, type, 0);
                    return "to_json(" + (numbers == null ? col : numbers) + ")::VARCHAR";
                },
                true);
    }

    /** DuckDB's {@code hex} of each BLOB column, under its own name and in its place. */
    @Override
    public DuckRows blobsAsHex() throws SQLException {
        return replaced((col, type) -> type.equals("BLOB") ? "hex(" + col + ")" : null, true);
    }

    /**
     * These rows with each column for which {@code rewrite} (of the quoted column and its type) gives an expression
     * replaced by it, under its own name and in its place; these rows themselves when it gives none. {@code text}: the
     * expressions are VARCHARs (the columns' types are known without asking DuckDB again).
     */
    private DuckRows replaced(BinaryOperator<String> rewrite, boolean text) throws SQLException {
        Described d = described();
        List<String> replaced = new ArrayList<>();
        List<String> types = new ArrayList<>(d.types());
        for (int i = 0; i < types.size(); i++) {
            String col = Sql.identifier(d.names().get(i));
            String expression = rewrite.apply(col, types.get(i));
            if (expression != null) {
                replaced.add(expression + " AS " + col);
                types.set(i, "VARCHAR");
            }
        }
        if (replaced.isEmpty()) return this;
        String rows = "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM (" + query + ")";
        return text ? new DuckRows(c, rows, new Described(d.names(), List.copyOf(types))) : new DuckRows(c, rows);
    }

    /**
     * These rows with their numbers as JSON holds them ({@link JsonNumbers}); the {@code kept} columns (the partition
     * columns, written as folder names) as they are.
     */
    private DuckRows jsonNumbers(List<String> kept) throws SQLException {
        List<String> keptColumns = kept.stream().map(Sql::identifier).toList();
        return replaced((col, type) -> keptColumns.contains(col) ? null : JsonNumbers.json(col, type, 0), false);
    }

    @Override
    public long writeFiles(Path target, FileSpec spec) throws SQLException {
        try (Statement s = c.createStatement()) {
            // Parquet would hold a HUGEINT as a DOUBLE: integers past 64 bits are written exactly, as decimals;
            // JSON has no NaN, and a FLOAT is written with its own digits
            String rows = switch (spec.format()) {
                case "parquet" -> ExactIntegers.of(s, "(" + query + ")", "a column of the output");
                case "jsonl" -> jsonNumbers(spec.partitionBy()).query;
                // csv: a list or struct as JSON, not as DuckDB prints it ([x, y] for two strings, {'a': b}), which
                // no reader of the file could parse back
                default -> nestedAsJson().query;
            };
            return s.executeUpdate(copy(rows, target, spec));
        }
    }

    /** The COPY statement that writes the rows of {@code query} as {@code spec} says. */
    static String copy(String query, Path target, FileSpec spec) {
        String codec = spec.compression().equals("none") ? "uncompressed" : spec.compression();
        String options = switch (spec.format()) {
            case "parquet" -> "FORMAT parquet, COMPRESSION " + codec;
            case "csv" -> "FORMAT csv, HEADER true, COMPRESSION " + codec;
            default -> "FORMAT json, COMPRESSION " + codec;
        };
        if (!spec.appended().isEmpty()) {
            StringBuilder select = new StringBuilder("SELECT *");
            spec.appended()
                    .forEach((name, value) -> select.append(", ")
                            .append(Sql.literal(value))
                            .append(" AS ")
                            .append(Sql.identifier(name)));
            query = select + " FROM (" + query + ")";
        }
        if (spec.partitionBy().isEmpty()) {
            return "COPY (" + query + ") TO " + Sql.literal(target.toString()) + " (" + options + ")";
        }
        String columns = String.join(
                ", ", spec.partitionBy().stream().map(Sql::identifier).toList());
        return "COPY (" + query + ") TO " + Sql.literal(target.toString()) + " (" + options + ", PARTITION_BY ("
                + columns
                + "), FILENAME_PATTERN " + Sql.literal(spec.baseName() + "-{i}") + ", FILE_EXTENSION "
                + Sql.literal(spec.extension().substring(1)) + ", OVERWRITE_OR_IGNORE true)";
    }

    /**
     * The rows one by one. Date-times do not pass through the JVM's time zone, as DuckDB's driver would take them (a
     * {@code java.sql.Timestamp} made from local time: 02:30 on a day whose clocks jump from 02:00 to 03:00 became
     * 03:30, and an instant in the hour that repeats in autumn moved by an hour): a TIMESTAMP (and _S, _MS, _NS) is a
     * {@link LocalDateTime}, a TIMESTAMP WITH TIME ZONE an {@link OffsetDateTime} in UTC made from its microseconds.
     */
    @Override
    public RowCursor cursor() throws SQLException {
        Statement s = c.createStatement();
        try {
            ResultSet r = s.executeQuery(query);
            List<String> types = new ArrayList<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                types.add(r.getMetaData().getColumnTypeName(i));
            }
            return new RowCursor() {
                @Override
                public boolean next() throws SQLException {
                    return r.next();
                }

                @Override
                public Object get(int index) throws SQLException {
                    int column = index + 1;
                    return switch (types.get(index)) {
                        case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" ->
                            r.getObject(column, LocalDateTime.class);
                        case "TIMESTAMP WITH TIME ZONE" -> {
                            long micros = r.getLong(column); // the instant's microseconds since 1970 UTC
                            yield r.wasNull()
                                    ? null
                                    : OffsetDateTime.ofInstant(
                                            Instant.EPOCH.plus(micros, ChronoUnit.MICROS), ZoneOffset.UTC);
                        }
                        default -> r.getObject(column);
                    };
                }

                @Override
                public void close() throws SQLException {
                    try (s) {
                        r.close();
                    }
                }
            };
        } catch (SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
