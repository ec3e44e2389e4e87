package io.sluice.engine;

import io.sluice.config.DuckConnections;
import io.sluice.pipeline.EngineOptions;
import io.sluice.spi.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBConnection;

/**
 * One embedded DuckDB database for a run. Each worker thread takes its own connection ({@link #connect()}),
 * which shares the database's memory limit, threads and spill folder with the others.
 */
public final class DuckEngine implements AutoCloseable {
    private final DuckDBConnection root;
    /** A link to the pipeline's folder made for {@code file_search_path}, removed on close; null when not needed. */
    private Path commaFreeLink;

    /**
     * @param parallelism splits processed at once; unless {@code run.engine.threads} says otherwise, they share
     *                    the cores (more threads than cores make each split slower, not the run faster)
     */
    public DuckEngine(EngineOptions options, int parallelism) throws SQLException {
        root = DuckConnections.open();
        try (Statement s = root.createStatement()) {
            int cores = Runtime.getRuntime().availableProcessors();
            s.execute("SET threads = "
                    + (options.threads() != null ? options.threads() : Math.max(1, cores / parallelism)));
            if (options.files() != null)
                s.execute("SET file_search_path = "
                        + Sql.literal(searchable(options.files()).toString()));
            if (options.memoryLimit() != null) s.execute("SET memory_limit = " + Sql.literal(options.memoryLimit()));
            if (options.spillPath() != null) {
                try {
                    Files.createDirectories(options.spillPath());
                } catch (java.io.IOException e) {
                    throw new java.io.IOException(
                            "cannot create the engine's spill folder " + options.spillPath() + ": " + e.getMessage(),
                            e);
                }
                s.execute("SET temp_directory = "
                        + Sql.literal(options.spillPath().toString()));
            }
        } catch (java.io.IOException e) {
            close();
            throw new SQLException(e.getMessage(), e);
        } catch (SQLException e) {
            close();
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
        try {
            root.close();
        } finally {
            if (commaFreeLink != null) {
                try {
                    Files.deleteIfExists(commaFreeLink);
                    Files.deleteIfExists(commaFreeLink.getParent());
                } catch (java.io.IOException e) {
                    // a link in the temp folder, left to the system's cleaning
                }
            }
        }
    }

    /**
     * The folder as {@code file_search_path} can hold it: DuckDB splits that setting at commas, and has no escape, so a
     * folder named with one ({@code reports, 2024}) is searched through a link of its own in the temp folder.
     */
    private Path searchable(Path folder) throws java.io.IOException {
        if (!folder.toString().contains(",")) return folder;
        Path temp = Files.createTempDirectory("sluice-search-path-");
        commaFreeLink = Files.createSymbolicLink(temp.resolve("pipeline"), folder.toAbsolutePath());
        if (commaFreeLink.toString().contains(","))
            throw new java.io.IOException("the pipeline's folder " + folder + " has a comma in its name, which DuckDB's"
                    + " file_search_path cannot hold, and so has the temp folder " + temp + " its link would be in: set"
                    + " java.io.tmpdir (JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=/tmp) or rename the folder");
        return commaFreeLink;
    }

    /** Where DuckDB spills; exposed for status output. */
    public static Path defaultSpill(Path base) {
        return base.resolve(".sluice").resolve("spill");
    }
}
