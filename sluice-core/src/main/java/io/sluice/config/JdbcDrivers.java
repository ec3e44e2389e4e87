package io.sluice.config;

import java.io.PrintWriter;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;

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

    private static final Map<String, Optional<Driver>> LOADED = new ConcurrentHashMap<>();

    private JdbcDrivers() {}

    /**
     * Whether connecting failed because the client asks for SSL ({@code sslmode=require}) and the server offers none: a
     * setting to change, not an outage. The drivers say so only in words: PostgreSQL's with SQL state 08004, as it
     * does for a server that is going away.
     */
    public static boolean sslRefused(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("server does not support ssl") // PostgreSQL
                    || m.contains("ssl not enabled in the server")) { // MariaDB
                return true;
            }
        }
        return false;
    }

    /**
     * Where a connection's {@code sslmode} (or {@code ssl}) is set, in words, for advice: {@code url} parameters win
     * over driver {@code properties}. {@code urlName} and {@code propertiesName} name the options, as a user wrote them
     * ({@code propertiesName} null where there are none).
     */
    public static String sslSetting(String url, Map<String, String> properties, String urlName, String propertiesName) {
        for (String key : java.util.List.of("sslmode", "ssl")) {
            if (java.util.regex.Pattern.compile("[?&;]" + key + "=", java.util.regex.Pattern.CASE_INSENSITIVE)
                    .matcher(url)
                    .find()) {
                return "the `" + key + "` parameter of " + urlName;
            }
        }
        for (String key : java.util.List.of("sslmode", "ssl", "sslMode")) {
            if (properties.containsKey(key)) return propertiesName + "." + key;
        }
        return propertiesName == null ? urlName : urlName + " or " + propertiesName;
    }

    /** Whether the url carries a password: a {@code password=} parameter, or {@code user:password@} before the host. */
    public static boolean urlHasPassword(String url) {
        return java.util.regex.Pattern.compile("[?&;]password=", java.util.regex.Pattern.CASE_INSENSITIVE)
                        .matcher(url)
                        .find()
                || url.matches("(?s)jdbc:[a-z0-9]+://[^/@?]*:[^/@?]*@.*");
    }

    /** A new connection to {@code url}; the caller closes it. */
    public static java.sql.Connection connect(String url, Properties properties) throws SQLException {
        Driver driver = shipped(url);
        if (driver != null) {
            java.sql.Connection c = driver.connect(url, properties);
            if (c != null) return c;
        }
        return DriverManager.getConnection(url, properties);
    }

    /**
     * A data source over {@link #connect}, for a connection pool: HikariCP's own, made from a url, goes through
     * {@link DriverManager}. The login timeout a pool sets is DriverManager's, as with the pool's own.
     */
    public static DataSource dataSource(String url, Properties properties) {
        return new UrlDataSource(url, properties);
    }

    private static final class UrlDataSource implements DataSource {
        private final String url;
        private final Properties properties;
        private PrintWriter log;

        UrlDataSource(String url, Properties properties) {
            this.url = url;
            this.properties = (Properties) properties.clone();
        }

        @Override
        public java.sql.Connection getConnection() throws SQLException {
            return connect(url, properties);
        }

        @Override
        public java.sql.Connection getConnection(String user, String password) throws SQLException {
            Properties p = (Properties) properties.clone();
            if (user != null) p.setProperty("user", user);
            if (password != null) p.setProperty("password", password);
            return connect(url, p);
        }

        @Override
        public PrintWriter getLogWriter() {
            return log;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            log = out;
        }

        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("no parent logger");
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            if (type.isInstance(this)) return type.cast(this);
            throw new SQLException("not a wrapper of " + type.getName());
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return type.isInstance(this);
        }
    }

    /** The shipped driver for this url, or null when none is for it or its jar is not on the class path. */
    static Driver shipped(String url) {
        for (Map.Entry<String, String> e : SHIPPED.entrySet()) {
            if (url.startsWith(e.getKey()))
                return LOADED.computeIfAbsent(e.getValue(), JdbcDrivers::load).orElse(null);
        }
        return null;
    }

    /**
     * One instance per driver, as DriverManager keeps: a driver may cache what it looked up once (PostgreSQL's reads
     * its defaults from every jar of the class path, once per instance).
     */
    private static Optional<Driver> load(String className) {
        try {
            return Optional.of((Driver) Class.forName(className, true, JdbcDrivers.class.getClassLoader())
                    .getDeclaredConstructor()
                    .newInstance());
        } catch (ReflectiveOperationException | LinkageError notThere) {
            return Optional.empty(); // DriverManager then finds what there is, and says so when nothing takes the url
        }
    }
}
