package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user gets it: unpacked into an empty folder and run with only a JDK, in an environment with
 * nothing else: a PATH of the few shell tools the launcher uses (no Maven), no class path, no repository.
 */
class DistArchiveTest {
    /** What bin/sluice uses besides the shell's builtins; {@code env} runs the {@code #!/usr/bin/env bash} line. */
    private static final List<String> TOOLS = List.of("bash", "env", "readlink", "dirname", "sed", "head", "mv", "rm");

    @TempDir
    static Path root;

    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Dist.archive();
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", root.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).as("tar -xzf " + archive).isZero();
        try (Stream<Path> top = Files.list(root)) {
            home = top.filter(p -> p.getFileName().toString().startsWith("sluice-"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** The links to the tools go first: JUnit warns about each link it finds while it deletes the folder. */
    @AfterAll
    static void removeLinks() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path link : all.filter(Files::isSymbolicLink).toList()) Files.delete(link);
        }
    }

    @Test
    void runsTheVersionAndTheQuickstartWithJavaFromThePath() throws Exception {
        Path bin = tools(root.resolve("tools-with-java"), Optional.of(Path.of(System.getProperty("java.home"))));
        Map<String, String> env = Map.of("PATH", bin.toString());
        String version = home.getFileName().toString().substring("sluice-".length());

        Result v = run(home.resolve("bin/sluice"), env, root, "--version");
        assertThat(v.code()).as(v.toString()).isZero();
        assertThat(v.out()).as(v.toString()).startsWith("sluice " + version + "\n");

        // the archive's quickstart pipeline on a small input made here: rows without an amount are filtered out,
        // the malformed one goes to the dead letter folder
        Path work = Files.createDirectories(root.resolve("quickstart"));
        Path pipeline = Files.copy(home.resolve("examples/quickstart/pipeline.yaml"), work.resolve("pipeline.yaml"));
        Workspace data = Workspace.in(work.resolve("data"));
        data.input("2026-11/a.csv", """
                id,region,amount,ts
                1,eu-west,12.5,2026-11-01T10:00:00Z
                2,us-east,,2026-11-02T11:00:00Z
                3,us-east,7.25,2026-11-03T12:00:00Z
                4,eu-west,not-a-number,2026-11-04T00:00:00Z,extra
                """);
        data.input("2026-11/b.csv.gz", Workspace.gzip("id,region,amount,ts\n5,ap-south,1,2026-11-05T00:00:00Z\n"));

        Result run = run(home.resolve("bin/sluice"), env, work, "run", pipeline.toString(), "--progress", "none");
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).contains("2 split(s) done", "rows 5 in, 3 out, 1 bad");
        assertThat(data.outputRows("region, amount", "parquet"))
                .containsExactly("ap-south|1.0000", "eu-west|12.5000", "us-east|7.2500");
        assertThat(data.deadLetters()).singleElement().asString().contains("not-a-number");
        // class data sharing: the first start wrote the archive beside lib/
        assertThat(home.resolve("sluice.jsa")).isNotEmptyFile();
    }

    /**
     * The run above used DuckDB; on this platform it loaded its native library from lib/, since the jar holds none for
     * it: no 70 MB copy into the temp folder at each start.
     */
    @Test
    void duckDbsNativeLibraryForThisPlatformLiesBesideItsJar() throws Exception {
        assumeTrue(
                "Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch")),
                "the build splits the library out on Linux (amd64, arm64); this test knows amd64's name");
        String library = "libduckdb_java.so_linux_amd64";
        assertThat(home.resolve("lib/" + library)).isNotEmptyFile();
        List<Path> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.filter(p -> p.getFileName().toString().startsWith("duckdb_jdbc-"))
                    .toList();
        }
        assertThat(jars).hasSize(1);
        Path jar = jars.get(0);
        try (ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            assertThat(zip.getEntry("org/duckdb/DuckDBNative.class")).isNotNull();
            assertThat(zip.getEntry(library)).as(library + " in " + jar).isNull();
        }
    }

    /**
     * SQLite's driver (the default ledger) loads this platform's library from lib/ too, not from a copy it makes in
     * the temp folder at each start.
     */
    @Test
    void sqlitesNativeLibraryForThisPlatformIsLoadedFromBesideItsJar() throws Exception {
        assumeTrue(
                "Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch")),
                "the build lays the library beside the jar on Linux (amd64, arm64)");
        Path bin = tools(root.resolve("tools-for-sqlite"), Optional.of(Path.of(System.getProperty("java.home"))));
        Path work = Files.createDirectories(root.resolve("sqlite"));
        Path pipeline = Files.writeString(work.resolve("pipeline.yaml"), """
                pipeline: sqlite-beside
                source:
                  files: { path: in }
                sink:
                  files: { path: out }
                """);
        // the JVM logs each library it loads, with its path
        Map<String, String> env = Map.of("PATH", bin.toString(), "SLUICE_JAVA_OPTS", "-Xlog:library=info");
        Files.createDirectories(work.resolve("in"));
        // a run opens (and makes) the ledger; status would refuse a pipeline never run without loading SQLite
        Result ran = run(home.resolve("bin/sluice"), env, work, "run", pipeline.toString());
        assertThat(ran.code()).as(ran.toString()).isZero();
        assertThat(ran.out())
                .as(ran.toString())
                .containsPattern("Loaded library " + java.util.regex.Pattern.quote(home.resolve("lib") + "/")
                        + "libsqlitejdbc-[0-9.]+-linux-amd64\\.so")
                .doesNotContain("-libsqlitejdbc.so");
    }

    @Test
    void refusesAJavaOlderThan21AndSaysWhatToDo() throws Exception {
        Optional<Path> old = olderJdk();
        assumeTrue(old.isPresent(), "no JDK older than 21 under /usr/lib/jvm to try");
        Path bin = tools(root.resolve("tools"), Optional.empty());

        Result r = run(
                home.resolve("bin/sluice"),
                Map.of("PATH", bin.toString(), "JAVA_HOME", old.get().toString()),
                root,
                "--version");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains("Sluice needs Java 21 or newer, but " + old.get().resolve("bin/java") + " is Java ")
                .contains("JAVA_HOME");
        assertThat(r.out()).isEmpty();
    }

    /** A Java without a release file (the launcher asks {@code java -version}), in the old 1.x numbering. */
    @Test
    void readsTheVersionFromJavaWhenThereIsNoReleaseFile() throws Exception {
        Path fake = Files.createDirectories(root.resolve("jdk8/bin"));
        Files.writeString(fake.resolve("java"), "#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\n");
        Files.setPosixFilePermissions(fake.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = run(
                home.resolve("bin/sluice"),
                Map.of(
                        "PATH",
                        tools(root.resolve("tools"), Optional.empty()).toString(),
                        "JAVA_HOME",
                        fake.getParent().toString()),
                root,
                "--version");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .contains("needs Java 21 or newer, but " + fake.resolve("java") + " is Java 1.8.0_392");
    }

    @Test
    void saysWhatToDoWhenThereIsNoJava() throws Exception {
        Path bin = tools(root.resolve("tools"), Optional.empty());

        Result none = run(home.resolve("bin/sluice"), Map.of("PATH", bin.toString()), root, "--version");
        assertThat(none.code()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).as(none.toString()).contains("no Java found", "Java 21 or newer", "JAVA_HOME");

        Result wrong = run(
                home.resolve("bin/sluice"),
                Map.of(
                        "PATH",
                        bin.toString(),
                        "JAVA_HOME",
                        root.resolve("no-jdk").toString()),
                root,
                "--version");
        assertThat(wrong.code()).as(wrong.toString()).isEqualTo(2);
        assertThat(wrong.err()).as(wrong.toString()).contains("JAVA_HOME is " + root.resolve("no-jdk"), "no bin/java");
    }

    /**
     * Installed where its user cannot write, as in the container image: without a class-data-sharing archive (a JVM
     * told to write one where it cannot fails as it exits) and with one written before (by the image's build).
     */
    @Test
    void runsFromAFolderItsUserCannotWrite() throws Exception {
        Path runuser = Path.of("/usr/sbin/runuser");
        assumeTrue(
                "root".equals(System.getProperty("user.name")) && Files.isExecutable(runuser),
                "needs root and runuser to run bin/sluice as another user");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.deleteIfExists(home.resolve("sluice.jsa"));
        List<String> asNobody = List.of(
                runuser.toString(),
                "-u",
                "nobody",
                "--",
                home.resolve("bin/sluice").toString(),
                "--version");
        Map<String, String> env = Map.of(
                "PATH", tools(root.resolve("tools"), Optional.empty()).toString(),
                "JAVA_HOME", System.getProperty("java.home"));

        Result without = run(asNobody, env, root);
        assertThat(without.code()).as(without.toString()).isZero();
        assertThat(without.err()).as(without.toString()).isEmpty();
        assertThat(home.resolve("sluice.jsa")).doesNotExist();

        assertThat(run(home.resolve("bin/sluice"), env, root, "--version").code())
                .isZero(); // as root: writes it
        assertThat(home.resolve("sluice.jsa")).isNotEmptyFile();
        Result with = run(asNobody, env, root);
        assertThat(with.code()).as(with.toString()).isZero();
        assertThat(with.err()).as(with.toString()).isEmpty();
    }

    /** The unpacked archive of the build (sluice.dist.home), as later tests use it, e.g. to run a pod's command. */
    @Test
    void theBuildsUnpackedArchiveRuns() throws Exception {
        Result v = run(
                Dist.home().resolve("bin/sluice"),
                Map.of(
                        "PATH",
                        tools(root.resolve("tools"), Optional.empty()).toString(),
                        "JAVA_HOME",
                        System.getProperty("java.home")),
                root,
                "--version");
        assertThat(v.code()).as(v.toString()).isZero();
        assertThat(v.out()).startsWith("sluice ");
    }

    record Result(int code, String out, String err) {}

    /** {@code command args} with only {@code env} as its environment; output and errors kept apart. */
    private static Result run(Path command, Map<String, String> env, Path dir, String... args) throws Exception {
        return run(Stream.concat(Stream.of(command.toString()), Stream.of(args)).toList(), env, dir);
    }

    private static Result run(List<String> command, Map<String, String> env, Path dir) throws Exception {
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not exit within 120 s: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A folder of links to {@link #TOOLS} (and to {@code java} of {@code jdk}), to be the whole PATH. */
    private static Path tools(Path dir, Optional<Path> jdk) throws IOException {
        if (Files.isDirectory(dir)) return dir;
        Files.createDirectories(dir);
        for (String tool : TOOLS) {
            Path found = Stream.of("/usr/bin", "/bin")
                    .map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + tool + " in /usr/bin or /bin"));
            Files.createSymbolicLink(dir.resolve(tool), found);
        }
        if (jdk.isPresent())
            Files.createSymbolicLink(dir.resolve("java"), jdk.get().resolve("bin/java"));
        return dir;
    }

    /** A JDK under /usr/lib/jvm older than 21 (by its release file), as Debian's default {@code java} 17 is. */
    private static Optional<Path> olderJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return Optional.empty();
        try (Stream<Path> dirs = Files.list(jvms)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")))
                    .filter(d -> major(d).map(m -> m < 21).orElse(false))
                    .sorted()
                    .findFirst();
        }
    }

    private static Optional<Integer> major(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=\""))
                    return Optional.of(Integer.parseInt(line.substring(14).split("[.\"]")[0]));
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
