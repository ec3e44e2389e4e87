package io.sluice.sources.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What differs between the databases the source reads: session settings, literals and the clock. */
enum Dialect {
    POSTGRES,
    /** MariaDB and MySQL. */
    MYSQL,
    GENERIC;

    static Dialect of(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:postgresql:")) return POSTGRES;
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) return MYSQL;
        return GENERIC;
    }

    /** Settings every connection gets, so values are written the same way whatever the server's defaults. */
    void prepare(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            switch (this) {
                case POSTGRES -> {
                    // UTC offsets, ISO dates and round-tripping floats in COPY's text
                    s.execute("SET TimeZone = 'UTC'");
                    s.execute("SET DateStyle = 'ISO, YMD'");
                    s.execute("SET extra_float_digits = 3");
                }
                case MYSQL -> s.execute("SET time_zone = '+00:00'");
                case GENERIC -> {
                    // DuckDB (its driver is shipped) takes the process's TZ: a query's ts::date or hour(ts), and a
                    // where comparing a timestamptz with a zone-less literal, would differ from worker to worker
                    if (isDuckDb(c)) s.execute("SET TimeZone = 'UTC'");
                }
            }
        }
    }

    /** Whether {@code c} is DuckDB's; false where its driver cannot say (a null URL, or metadata it refuses). */
    private static boolean isDuckDb(Connection c) {
        try {
            String url = c.getMetaData().getURL();
            return url != null && url.toLowerCase(Locale.ROOT).startsWith("jdbc:duckdb:");
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * The query a streamed read runs: on MariaDB and MySQL, date-times come as the server's text
     * ({@code CAST(... AS BINARY)}), because the driver parses each one and prints it again with {@code String.format}
     * (most of the client's CPU a row), and so do years ({@code CAST(... AS CHAR)}), which a driver may print as a date
     * ({@code 2024-01-01}); else {@code sql} itself. A date-time's text is ASCII: as a binary string the server sends
     * it as it is, where {@code AS CHAR} converted it to utf8mb4 a character at a time (0.45 s of MariaDB's CPU for B9's
     * 2 million rows of 2 date-times, 26% of its work for the export).
     *
     * @param driverTypes each column's type as the driver names it, in order
     * @param order the columns {@code sql} is ordered by (a derived table's order is not kept, so it is repeated
     *     outside, on the derived table's own columns, which an index can still serve)
     */
    String streamedQuery(String sql, Map<String, String> driverTypes, List<String> order) {
        if (this != MYSQL || driverTypes.values().stream().noneMatch(Dialect::readAsText)) return sql;
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, String> column : driverTypes.entrySet()) {
            String name = quoted(column.getKey());
            items.add(
                    readAsText(column.getValue())
                            ? "CAST(" + name + " AS " + textType(column.getValue()) + ") AS " + name
                            : name);
        }
        String outer = "SELECT " + String.join(", ", items) + " FROM (" + sql + ") sluice_rows";
        if (order.isEmpty()) return outer;
        return outer + " ORDER BY "
                + String.join(
                        ", ",
                        order.stream().map(c -> "sluice_rows." + quoted(c)).toList());
    }

    private static String quoted(String mysqlName) {
        return "`" + mysqlName.replace("`", "``") + "`";
    }

    /** A column's name, exactly as a result names it, as a quoted identifier of this database. */
    String quote(String name) {
        return this == MYSQL ? quoted(name) : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * An ascending order item with NULLs first, as MariaDB and MySQL sort them (PostgreSQL puts them last): a cut of an
     * incremental range at a row of a timestamp takes the rows whose tie breaker is NULL with the rows before it.
     */
    String nullsFirst(String column) {
        return this == POSTGRES ? column + " NULLS FIRST" : column;
    }

    /** A year stays {@code CHAR}: its spool column is a whole number, which a driver parses from text. */
    private static String textType(String driverType) {
        return driverType.equalsIgnoreCase("YEAR") ? "CHAR" : "BINARY";
    }

    private static boolean readAsText(String driverType) {
        String t = driverType.toUpperCase(Locale.ROOT);
        return t.equals("DATETIME") || t.equals("TIMESTAMP") || t.equals("YEAR");
    }

    /**
     * A value of a column as an SQL literal: a number for a numeric column, else a string, whatever the value looks
     * like. Text that looks like a number ({@code '0042'}) must stay a string: PostgreSQL has no {@code text <= integer}
     * (every such range failed), and MariaDB compares a string column with a number as numbers, in another order than
     * the column's, so ranges cut in the column's order overlapped (rows read twice) and left gaps.
     *
     * @param numeric the column's engine type is a number ({@link TypeMap#numeric})
     */
    String literal(String value, boolean numeric) {
        if (numeric && value.matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?")) return value;
        String v = value.replace("'", "''");
        if (this == MYSQL) v = v.replace("\\", "\\\\"); // backslash escapes are on by default
        return "'" + v + "'";
    }

    /**
     * What to do about a value the engine cannot read (a split with a bad row fails naming its column and value): a row
     * of the database has no file to fix, so select the column differently, with the values this database is known to
     * keep that the engine refuses.
     */
    String badValueFix() {
        String select = "it is a row of the database, not a file: select the column so that its value can be read, "
                + "in the source's columns: or query:";
        return switch (this) {
            case MYSQL ->
                select + " (a zero date: NULLIF(day, '0000-00-00') AS day, or NULLIF(at, '0000-00-00 00:00:00') "
                        + "AS at for a DATETIME; a TIME beyond a day, such as -838:59:59: TIME_TO_SEC(span) AS span, "
                        + "in seconds; anything else: CAST(x AS CHAR) AS x)";
            case POSTGRES -> select + " (a cast: x::text AS x)";
            case GENERIC -> select + " (a cast: CAST(x AS VARCHAR) AS x)";
        };
    }

    /** The types an incremental cursor may have here, as a user reads them. */
    String timestampTypes() {
        return switch (this) {
            case POSTGRES -> "on PostgreSQL: timestamp or timestamptz";
            case MYSQL -> "on MariaDB and MySQL: DATETIME or TIMESTAMP";
            case GENERIC -> "incremental reads need PostgreSQL, MariaDB or MySQL";
        };
    }

    /**
     * A query of the database's clock minus {@code lag}, as text comparable with a cursor of {@code cursorType} (the
     * name the driver gives the column's type); null when this database or type has no such clock here.
     */
    String clockMinus(Duration lag, String cursorType) {
        long micros = lag.toNanos() / 1000;
        String t = cursorType.toLowerCase(Locale.ROOT);
        return switch (this) {
            case POSTGRES ->
                t.equals("timestamptz") || t.equals("timestamp")
                        ? "SELECT ((now() - interval '" + micros + " microseconds')::" + t + ")::text"
                        : null;
            case MYSQL ->
                t.equals("datetime") || t.equals("timestamp")
                        ? "SELECT CAST(NOW(6) - INTERVAL " + micros + " MICROSECOND AS CHAR)"
                        : null;
            case GENERIC -> null;
        };
    }
}
