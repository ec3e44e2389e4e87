package io.sluice.engine;

import io.sluice.pipeline.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBConnection;

/**
 * One embedded DuckDB database for a run. Each worker thread takes its own connection ({@link #connect()}),
 * which shares the database's memory limit, threads and spill folder with the others.
 */
public final class DuckEngine implements AutoCloseable {
    private final DuckDBConnection root;

    public DuckEngine(EngineOptions options) throws SQLException {
        root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = root.createStatement()) {
            // Offline and predictable: never download or auto-load an extension at run time.
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
            if (options.threads() != null) s.execute("SET threads = " + options.threads());
            if (options.memoryLimit() != null) s.execute("SET memory_limit = " + Sql.literal(options.memoryLimit()));
            if (options.spillPath() != null) {
                Files.createDirectories(options.spillPath());
                s.execute("SET temp_directory = " + Sql.literal(options.spillPath().toString()));
            }
        } catch (java.io.IOException e) {
            root.close();
            throw new SQLException("cannot create the engine's spill folder " + options.spillPath() + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            root.close();
            throw new SQLException("invalid engine option (run.engine): " + e.getMessage(), e);
        }
    }

    /** A new connection for one worker thread; close it when the worker ends. */
    public Connection connect() throws SQLException {
        return root.duplicate();
    }

    @Override
    public void close() throws SQLException {
        root.close();
    }

    /** Where DuckDB spills; exposed for status output. */
    public static Path defaultSpill(Path base) {
        return base.resolve(".sluice").resolve("spill");
    }
}
