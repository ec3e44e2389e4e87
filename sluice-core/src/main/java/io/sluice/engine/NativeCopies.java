package io.sluice.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * DuckDB's and SQLite's JDBC drivers copy their native library into the temp folder each time a process loads
 * them, and delete the copy only when the process exits cleanly: every killed run, worker or crash test left
 * 70 MB behind, until the disk filled. A mapped library does not need its file (the mapping outlives it), so each
 * process deletes its own copies right after loading them (Linux: found in {@code /proc/self/maps}), and the
 * copies that killed processes left, once they are older than any load takes. (The {@code sluice} command's class
 * path has this platform's DuckDB library beside a jar without it, which DuckDB loads in place: no copy. Tests and
 * embedders load DuckDB's jar as published.)
 */
public final class NativeCopies {
    private static final Path MAPS = Path.of("/proc/self/maps");
    /** Far longer than copying and mapping a library takes: an older copy is mapped already or left behind. */
    private static final Duration LEFT_BEHIND = Duration.ofMinutes(10);

    private static final AtomicBoolean SWEPT = new AtomicBoolean();

    private NativeCopies() {}

    /**
     * Loads DuckDB's library and deletes its copy, before the first connection: deleting after connecting would
     * leave the copy for the half second a database takes to open. Later calls only read the maps again.
     */
    public static void loadDuckDb() {
        try {
            Class.forName("org.duckdb.DuckDBNative", true, NativeCopies.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("DuckDB's JDBC driver is missing from the class path", e);
        }
        cleanUp();
    }

    /** Loads SQLite's library and deletes its copy. */
    public static void loadSqlite() {
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load SQLite's native library: " + e.getMessage(), e);
        }
        cleanUp();
    }

    private static void cleanUp() {
        Path temp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        forgetOwn(temp);
        if (SWEPT.compareAndSet(false, true)) sweepLeftBehind(temp);
    }

    /** Deletes the copies this process has mapped. */
    private static void forgetOwn(Path temp) {
        if (!Files.isReadable(MAPS)) return;
        List<String> lines;
        try {
            lines = Files.readAllLines(MAPS);
        } catch (IOException e) {
            return;
        }
        for (String line : lines) {
            int slash = line.indexOf('/');
            if (slash < 0 || line.endsWith(" (deleted)")) continue;
            Path file = Path.of(line.substring(slash));
            if (temp.equals(file.getParent()) && isCopy(file)) delete(file);
        }
    }

    /** Deletes copies that processes killed before their clean-up left behind (a copy still mapped loses nothing). */
    static void sweepLeftBehind(Path temp) {
        Instant before = Instant.now().minus(LEFT_BEHIND);
        try (Stream<Path> files = Files.list(temp)) {
            files.filter(NativeCopies::isCopy).filter(f -> olderThan(f, before)).forEach(NativeCopies::delete);
        } catch (IOException | RuntimeException e) {
            // The sweep is a courtesy; a temp folder we cannot list holds nothing we could delete anyway.
        }
    }

    static boolean isCopy(Path file) {
        String name = file.getFileName().toString();
        return (name.startsWith("libduckdb_java") && name.endsWith(".so"))
                || (name.startsWith("sqlite-") && name.endsWith("-libsqlitejdbc.so"));
    }

    private static boolean olderThan(Path file, Instant before) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(before);
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path copy) {
        try {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(copy.resolveSibling(copy.getFileName() + ".lck"));
        } catch (IOException e) {
            // Another user's copy (the temp folder is sticky): not ours to delete.
        }
    }
}
