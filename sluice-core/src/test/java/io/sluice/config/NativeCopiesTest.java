package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.engine.DuckEngine;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.pipeline.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A killed process cannot clean up after itself, so the drivers' temp copies must be gone while it still runs. */
class NativeCopiesTest {
    @TempDir
    Path dir;

    @Test
    void theDriversNativeLibrariesLeaveNoFileInTheTempFolderOnceLoaded() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "reads /proc/self/maps (Linux)");
        try (DuckEngine engine = new DuckEngine(new EngineOptions(null, 1, null, null), 1);
                SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"), "p", java.time.Clock.systemUTC())) {
            List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains("libduckdb_java") || l.contains("libsqlitejdbc"))
                    .toList();
            assertThat(mapped)
                    .as("both libraries are loaded")
                    .anyMatch(l -> l.contains("libduckdb_java"))
                    .anyMatch(l -> l.contains("libsqlitejdbc"));
            assertThat(mapped).as("and their temp copies are deleted").allMatch(l -> l.endsWith(" (deleted)"));
        }
    }

    /** A class alone in a jar of its own, as a driver's classes are. */
    public static final class Probe {}

    @Test
    void aLibraryIsFoundBesideTheJarOfTheClassThatLoadsIt() throws Exception {
        String entry = Probe.class.getName().replace('.', '/') + ".class";
        Path jar = dir.resolve("driver-1.0.jar");
        try (var in = NativeCopiesTest.class.getClassLoader().getResourceAsStream(entry);
                var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
        }
        try (var loader =
                new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            Class<?> fromJar = loader.loadClass(Probe.class.getName());
            String name = NativeCopies.sqliteLibrary("3.54.1.0", "linux-amd64");
            assertThat(name).isEqualTo("libsqlitejdbc-3.54.1.0-linux-amd64.so");
            assertThat(NativeCopies.besideJar(fromJar, name))
                    .as("none there yet")
                    .isEmpty();

            Path lib = Files.writeString(dir.resolve(name), "a library");
            Files.writeString(dir.resolve(NativeCopies.sqliteLibrary("3.53.0.0", "linux-amd64")), "another version's");
            Files.writeString(dir.resolve(NativeCopies.sqliteLibrary("3.54.1.0", "linux-arm64")), "another platform's");
            assertThat(NativeCopies.besideJar(fromJar, name)).contains(lib);
            assertThat(NativeCopies.besideJar(String.class, name))
                    .as("a class of the JDK has no jar")
                    .isEmpty();
        }
    }

    /**
     * A library beside the jar that does not load (another platform's, a glibc one on musl) leaves SQLite to load its
     * own, as without it. In a JVM of its own: the driver loads its library once per JVM.
     */
    @Test
    void aLibraryBesideTheJarThatDoesNotLoadLeavesTheDriverToItsOwn() throws Exception {
        Path junk = Files.writeString(dir.resolve(NativeCopies.sqliteLibrary("3.54.1.0", "linux-amd64")), "no ELF");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Djava.io.tmpdir=" + dir,
                        LoadWith.class.getName(),
                        junk.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as(out).isZero();
        assertThat(out).as(out).contains("select 42: 42");
    }

    /** Loads SQLite with the library given, then asks it something. */
    public static final class LoadWith {
        public static void main(String[] args) throws Exception {
            NativeCopies.loadSqlite(java.util.Optional.of(Path.of(args[0])));
            try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
                    var s = c.createStatement();
                    var rs = s.executeQuery("SELECT 42")) {
                rs.next();
                System.out.println("select 42: " + rs.getInt(1));
            }
        }
    }

    @Test
    void copiesThatKilledProcessesLeftBehindAreSweptOnceOldAndNewOnesAreLeftToTheirLoader() throws Exception {
        Path old = Files.createFile(dir.resolve("libduckdb_java123.so"));
        Path oldSqlite = Files.createFile(dir.resolve("sqlite-3.54.1.0-0a1b-libsqlitejdbc.so"));
        Path oldLock = Files.createFile(dir.resolve("sqlite-3.54.1.0-0a1b-libsqlitejdbc.so.lck"));
        Path fresh = Files.createFile(dir.resolve("libduckdb_java456.so"));
        Path unrelated = Files.createFile(dir.resolve("libother.so"));
        FileTime hourAgo = FileTime.from(Instant.now().minusSeconds(3600));
        for (Path p : List.of(old, oldSqlite, unrelated)) Files.setLastModifiedTime(p, hourAgo);

        NativeCopies.sweepLeftBehind(dir);

        assertThat(old).doesNotExist();
        assertThat(oldSqlite).doesNotExist();
        assertThat(oldLock).doesNotExist();
        assertThat(fresh).as("a copy may still be loading").exists();
        assertThat(unrelated).exists();
    }
}
