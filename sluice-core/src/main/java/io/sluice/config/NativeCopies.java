package io.sluice.config;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * DuckDB's and SQLite's JDBC drivers copy their native library into the temp folder each time a process loads
 * them, and delete the copy only when the process exits cleanly: every killed run, worker or crash test left
 * 70 MB behind, until the disk filled. A mapped library does not need its file (the mapping outlives it), so each
 * process deletes its own copies right after loading them (Linux: found in {@code /proc/self/maps}), and the
 * copies that killed processes left, once they are older than any load takes. (The {@code sluice} command's class
 * path has this platform's DuckDB library beside a jar without it, which DuckDB loads in place, and SQLite's beside
 * its jar, which {@link #loadSqlite} names to the driver: no copies. Tests and embedders load the jars as
 * published.)
 */
public final class NativeCopies {
    private static final Path MAPS = Path.of("/proc/self/maps");
    /** SQLite's driver loads the library named by org.sqlite.lib.name in this folder first. */
    private static final String SQLITE_LIB_PATH = "org.sqlite.lib.path";

    private static final String SQLITE_LIB_NAME = "org.sqlite.lib.name";
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

    /**
     * Loads SQLite's library: the one the build laid beside the driver's jar for this platform, if it is there, else
     * the driver's copy out of its jar, which is then deleted. The copy costs 40-50 ms of every start: the driver
     * compares it byte by byte with the jar's before loading it.
     */
    public static void loadSqlite() {
        loadSqlite(besideJar(
                org.sqlite.SQLiteJDBCLoader.class,
                sqliteLibrary(org.sqlite.SQLiteJDBCLoader.getVersion(), platform())));
    }

    /**
     * Loads SQLite's library from {@code ours} when there is one and the user named none; if it does not load (a
     * glibc library on a musl system, say), the driver's own way follows, as without it.
     */
    static void loadSqlite(Optional<Path> ours) {
        boolean named = ours.isPresent()
                && System.getProperty(SQLITE_LIB_PATH) == null
                && System.getProperty(SQLITE_LIB_NAME) == null;
        if (named) {
            System.setProperty(SQLITE_LIB_PATH, ours.get().getParent().toString());
            System.setProperty(SQLITE_LIB_NAME, ours.get().getFileName().toString());
        }
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
        } catch (Exception e) {
            if (!named) throw cannotLoadSqlite(e);
            // the driver looks for the name it was given in its jar too: without it, it takes its own library
            System.clearProperty(SQLITE_LIB_PATH);
            System.clearProperty(SQLITE_LIB_NAME);
            try {
                org.sqlite.SQLiteJDBCLoader.initialize();
            } catch (Exception again) {
                again.addSuppressed(e);
                throw cannotLoadSqlite(again);
            }
        }
        cleanUp();
    }

    private static IllegalStateException cannotLoadSqlite(Exception e) {
        return new IllegalStateException("cannot load SQLite's native library: " + e.getMessage(), e);
    }

    /**
     * The name sluice-cli's build gives SQLite's library when it lays it beside the driver's jar (its pom,
     * sqlite-native-beside-jar): with the driver's version and the platform, so that neither a library of another
     * version nor one of another platform (an archive built on amd64 and run on arm64) is ever tried.
     */
    static String sqliteLibrary(String driverVersion, String platform) {
        return "libsqlitejdbc-" + driverVersion + "-" + platform + ".so";
    }

    /** This JVM's platform as the build names it ({@code linux-amd64}, {@code linux-arm64}); others are not built. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return os.replace(' ', '_') + "-" + cpu;
    }

    /** A file of this name in the folder of the jar the class came from, if the class came from a jar there. */
    static Optional<Path> besideJar(Class<?> fromJar, String name) {
        try {
            CodeSource source = fromJar.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) return Optional.empty();
            Path file = Path.of(source.getLocation().toURI()).resolveSibling(name);
            return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty(); // not a file: URL (a jar inside a jar, a custom loader): the driver's own way
        }
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
