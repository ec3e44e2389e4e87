package io.sluice.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * A named database connection from a connections file ({@code connections.yaml} beside the pipeline, or
 * {@code --connections FILE}), that a pipeline's source, sink or ledger names with {@code connection: NAME} (an
 * option of type {@link Type#CONNECTION}). Its secrets stay {@link Secret}s: shown as written, never as values.
 *
 * @param name       the name it is known by
 * @param url        the JDBC url (credentials in it are masked when shown)
 * @param user       the user to connect as; null when the url or the driver decides
 * @param password   null when none
 * @param poolSize   connections one Sluice process keeps open at most
 * @param properties driver properties ({@code sslmode: require}), passed as they are
 * @param file       the connections file it was read from, for messages
 */
public record Connection(
        String name,
        Secret url,
        String user,
        Secret password,
        int poolSize,
        Map<String, String> properties,
        Path file) {
    public Connection {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        properties = Map.copyOf(properties);
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be >= 1: " + poolSize);
    }

    /** The driver properties with the user and password, as {@code DriverManager.getConnection(url, props)} takes them. */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password.reveal());
        return p;
    }

    /** A new JDBC connection; the caller closes it. The driver must be on the class path (it is found by the url). */
    public java.sql.Connection connect() throws java.sql.SQLException {
        return JdbcDrivers.connect(url.reveal(), jdbcProperties());
    }

    /**
     * Which setting gives the password, for advice after a refused login: the url's {@code password} parameter (the
     * driver takes it over the others), else {@code password}, else {@code properties.password}; null when none does.
     */
    public String passwordSetting() {
        if (JdbcDrivers.urlHasPassword(url.reveal())) return name + ".url (its `password` parameter)";
        if (password != null) return name + ".password (written " + password + ")";
        if (properties.containsKey("password")) return name + ".properties.password";
        return null;
    }

    /** Where its {@code sslmode} is set, for advice when the server refuses SSL. */
    public String sslSetting() {
        return JdbcDrivers.sslSetting(url.reveal(), properties, name + ".url", name + ".properties");
    }

    /** How it reads in a message: its name, its file and its url with credentials masked. */
    public String describe() {
        return "connection '" + name + "' (" + url + (file == null ? "" : ", from " + file) + ")";
    }

    /** Its name: how the pipeline wrote it (and how the pipeline version counts it). */
    @Override
    public String toString() {
        return name;
    }
}
