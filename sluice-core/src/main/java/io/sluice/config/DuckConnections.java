package io.sluice.config;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.duckdb.DuckDBConnection;

/**
 * Opens each in-memory DuckDB database Sluice uses (the engine's, a sink's or a check's own) with the settings that
 * make a run the same wherever it runs.
 */
public final class DuckConnections {
    private DuckConnections() {}

    /**
     * A new in-memory database; the caller closes it. Its time zone is UTC for every connection to it, made before or
     * after: DuckDB would take the process's {@code TZ}, and a zone-less value read as {@code timestamptz}, a
     * {@code timestamptz} written as text and a step's {@code hour(ts)} would then differ from machine to machine,
     * and a replay on another one would not replace an output with the same content. Extensions are never downloaded
     * or loaded at run time: offline and predictable.
     */
    public static DuckDBConnection open() throws SQLException {
        NativeCopies.loadDuckDb();
        DuckDBConnection c = (DuckDBConnection) JdbcDrivers.connect("jdbc:duckdb:", new Properties());
        try (Statement s = c.createStatement()) {
            // offline first: the zone is ICU's, built into the driver, and must not be fetched
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
            s.execute("SET GLOBAL TimeZone = 'UTC'");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }
}
