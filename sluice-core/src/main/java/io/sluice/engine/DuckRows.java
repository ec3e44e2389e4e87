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

/** Rows of a DuckDB query, written by DuckDB's COPY (the fast path) or read through a JDBC result set. */
public final class DuckRows implements Rows {
    private final Connection c;
    private final String query;

    public DuckRows(Connection c, String query) {
        this.c = c;
        this.query = query;
    }

    @Override
    public List<String> columns() throws SQLException {
        return described(false);
    }

    @Override
    public List<String> columnTypes() throws SQLException {
        return described(true);
    }

    /** The result's column names, or their DuckDB type names, without running the query. */
    private List<String> described(boolean types) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM (" + query + ") LIMIT 0")) {
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                out.add(
                        types
                                ? r.getMetaData().getColumnTypeName(i)
                                : r.getMetaData().getColumnName(i));
            }
            return out;
        }
    }

    /** DuckDB's {@code to_json} of each nested column, under its own name and in its place. */
    @Override
    public Rows nestedAsJson() throws SQLException {
        List<String> names = columns();
        List<String> types = columnTypes();
        List<String> replaced = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (Rows.nested(types.get(i))) {
                String col = Sql.identifier(names.get(i));
                replaced.add("to_json(" + col + ")::VARCHAR AS " + col);
            }
        }
        if (replaced.isEmpty()) return this;
        return new DuckRows(c, "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM (" + query + ")");
    }

    /** DuckDB's {@code hex} of each BLOB column, under its own name and in its place. */
    @Override
    public Rows blobsAsHex() throws SQLException {
        List<String> names = columns();
        List<String> types = columnTypes();
        List<String> replaced = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (types.get(i).equals("BLOB")) {
                String col = Sql.identifier(names.get(i));
                replaced.add("hex(" + col + ") AS " + col);
            }
        }
        if (replaced.isEmpty()) return this;
        return new DuckRows(c, "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM (" + query + ")");
    }

    @Override
    public long writeFiles(Path target, FileSpec spec) throws SQLException {
        try (Statement s = c.createStatement()) {
            // Parquet would hold a HUGEINT as a DOUBLE: integers past 64 bits are written exactly, as decimals
            String rows = spec.format().equals("parquet")
                    ? ExactIntegers.of(s, "(" + query + ")", "a column of the output")
                    : query;
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
