package io.sluice.ledger.postgres;

import io.sluice.config.Connection;
import io.sluice.config.JdbcDrivers;
import io.sluice.config.Secret;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where a PostgreSQL ledger lives and how to reach it.
 *
 * @param url            a JDBC url, {@code jdbc:postgresql://host:5432/database}; a secret, as it may carry a password
 * @param user           null to take it from the url
 * @param password       null to take it from the url (or none)
 * @param schema         the schema holding the ledger's tables; created on first use
 * @param maxConnections connections this process keeps open at most
 * @param connectTimeout how long a call waits for a connection before it fails
 * @param connection     the named connection the settings come from (its driver properties, and where a setting is
 *                       written, for advice); null when written in {@code state.postgres}
 */
public record PostgresConfig(
        Secret url,
        String user,
        Secret password,
        String schema,
        int maxConnections,
        Duration connectTimeout,
        Connection connection) {
    public static final String DEFAULT_SCHEMA = "sluice";
    public static final int DEFAULT_MAX_CONNECTIONS = 8;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public PostgresConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(schema, "schema");
        if (!url.reveal().startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "not a PostgreSQL JDBC url (jdbc:postgresql://host:5432/database): " + url);
        }
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("schema '" + schema + "' must be lower-case letters, digits and '_', "
                    + "starting with a letter or '_', at most 63 characters");
        }
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1");
        if (connectTimeout.toMillis() < 250) throw new IllegalArgumentException("connectTimeout must be >= 250ms");
    }

    /** Written in {@code state.postgres}, not named by a connection. */
    public PostgresConfig(
            Secret url, String user, Secret password, String schema, int maxConnections, Duration connectTimeout) {
        this(url, user, password, schema, maxConnections, connectTimeout, null);
    }

    /** The driver properties: a named connection's {@code properties}; none in {@code state.postgres}. */
    public Map<String, String> properties() {
        return connection == null ? Map.of() : connection.properties();
    }

    /** For code and tests: a url and password given as plain strings. */
    public static PostgresConfig of(String url, String user, String password, String schema) {
        return new PostgresConfig(
                Secret.url(url),
                user,
                password == null ? null : Secret.of(password),
                schema,
                DEFAULT_MAX_CONNECTIONS,
                DEFAULT_CONNECT_TIMEOUT);
    }

    public PostgresConfig withSchema(String other) {
        return new PostgresConfig(url, user, password, other, maxConnections, connectTimeout, connection);
    }

    /** Which setting to check after a refused login: the one the password comes from, or where to write one. */
    String passwordAdvice() {
        if (connection != null) {
            String from = connection.passwordSetting();
            return "check the user and the password of the connection '" + connection.name() + "' in "
                    + connection.file() + (from == null ? " (it sets no password)" : ": the password is " + from);
        }
        if (JdbcDrivers.urlHasPassword(url.reveal())) {
            return "check state.postgres.user and the password in state.postgres.url (its `password` parameter)";
        }
        return "check state.postgres.user and state.postgres.password"
                + (password == null ? " (none is set)" : " (written " + password + ")");
    }

    /** Where {@code sslmode} is set (or would be), for advice when the server refuses SSL. */
    String sslSetting() {
        if (connection != null) return connection.sslSetting() + " in " + connection.file();
        return JdbcDrivers.sslSetting(url.reveal(), properties(), "state.postgres.url", null);
    }

    /** For messages: the url without any password it may carry, and the schema. */
    public String describe() {
        return "PostgreSQL ledger " + url + " (schema " + schema + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
