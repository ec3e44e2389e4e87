package io.sluice.config;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * Opens JDBC connections. The drivers Sluice ships are asked directly, by the prefix of the url: at its first use
 * {@link DriverManager} looks through every jar of the class path for drivers and loads and initialises each one it
 * finds (DuckDB's, MariaDB's, SQLite's and PostgreSQL's), 40-60 ms of a run that connects to one database. Any other
 * url, or a shipped driver missing from the class path, goes through {@link DriverManager} as before.
 */
public final class JdbcDrivers {
    /** Url prefix to the class of the driver for it, for the drivers Sluice ships. */
    private static final Map<String, String> SHIPPED = Map.of(
            "jdbc:postgresql:", "org.postgresql.Driver",
            "jdbc:mariadb:", "org.mariadb.jdbc.Driver",
            "jdbc:sqlite:", "org.sqlite.JDBC",
            "jdbc:duckdb:", "org.duckdb.DuckDBDriver");

    private JdbcDrivers() {}

    /** A new connection to {@code url}; the caller closes it. */
    public static java.sql.Connection connect(String url, Properties properties) throws SQLException {
        Driver driver = shipped(url);
        if (driver != null) {
            java.sql.Connection c = driver.connect(url, properties);
            if (c != null) return c;
        }
        return DriverManager.getConnection(url, properties);
    }

    /** The shipped driver for this url, or null when none is for it or its jar is not on the class path. */
    static Driver shipped(String url) {
        for (Map.Entry<String, String> e : SHIPPED.entrySet()) {
            if (!url.startsWith(e.getKey())) continue;
            try {
                return (Driver) Class.forName(e.getValue(), true, JdbcDrivers.class.getClassLoader())
                        .getDeclaredConstructor()
                        .newInstance();
            } catch (ReflectiveOperationException | LinkageError notThere) {
                return null; // DriverManager then finds what there is, and says so when nothing takes the url
            }
        }
        return null;
    }
}
