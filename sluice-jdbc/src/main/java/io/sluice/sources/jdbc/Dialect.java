package io.sluice.sources.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

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
                case GENERIC -> {}
            }
        }
    }

    /** A string literal; a plain number stays a number (compares as one on every database). */
    String literal(String value) {
        if (value.matches("-?\\d{1,18}(\\.\\d+)?")) return value;
        String v = value.replace("'", "''");
        if (this == MYSQL) v = v.replace("\\", "\\\\"); // backslash escapes are on by default
        return "'" + v + "'";
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
