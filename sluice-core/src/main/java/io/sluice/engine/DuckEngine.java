package io.sluice.engine;

import io.sluice.config.JdbcDrivers;
import io.sluice.config.NativeCopies;
import io.sluice.pipeline.EngineOptions;
import io.sluice.spi.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.duckdb.DuckDBConnection;

/**
 * One embedded DuckDB database for a run. Each worker thread takes its own connection ({@link #connect()}),
 * which shares the database's memory limit, threads and spill folder with the others.
 */
public final class DuckEngine implements AutoCloseable {
    private final DuckDBConnection root;

    /**
     * @param parallelism splits processed at once; unless {@code run.engine.threads} says otherwise, they share
     *                    the cores (more threads than cores make each split slower, not the run faster)
     */
    public DuckEngine(EngineOptions options, int parallelism) throws SQLException {
        NativeCopies.loadDuckDb();
        root = (DuckDBConnection) JdbcDrivers.connect("jdbc:duckdb:", new Properties());
        try (Statement s = root.createStatement()) {
            // Offline and predictable: never download or auto-load an extension at run time.
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
            int cores = Runtime.getRuntime().availableProcessors();
            s.execute("SET threads = "
                    + (options.threads() != null ? options.threads() : Math.max(1, cores / parallelism)));
            if (options.files() != null)
                s.execute(
                        "SET file_search_path = " + Sql.literal(options.files().toString()));
            if (options.memoryLimit() != null) s.execute("SET memory_limit = " + Sql.literal(options.memoryLimit()));
            if (options.spillPath() != null) {
                Files.createDirectories(options.spillPath());
                s.execute("SET temp_directory = "
                        + Sql.literal(options.spillPath().toString()));
            }
        } catch (java.io.IOException e) {
            root.close();
            throw new SQLException(
                    "cannot create the engine's spill folder " + options.spillPath() + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            root.close();
            throw new SQLException("invalid engine option (run.engine): " + e.getMessage(), e);
        }
    }

    /** A new connection for one worker thread; close it when the worker ends. */
    public Connection connect() throws SQLException {
        Connection c = root.duplicate();
        try (Statement s = c.createStatement()) {
            // each statement's profile tells how many records its scans read (see SplitProcessor)
            s.execute("SET enable_profiling = 'no_output'");
        }
        return c;
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
