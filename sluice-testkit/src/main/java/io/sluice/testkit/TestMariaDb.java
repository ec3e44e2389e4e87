package io.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real MariaDB server for tests: one per JVM, started on first use on a free port of 127.0.0.1 with its data in a
 * temporary folder, stopped and removed when the JVM exits. Clients log in with a password ({@link #USER},
 * {@link #PASSWORD}), as a user of a real deployment does.
 *
 * <p>The server comes from Debian's package {@code mariadb-server} (10.11 on Debian 12). When {@code mariadbd} is not
 * installed, this installs the package with {@code apt-get} (running {@code apt-get update} first if the install
 * fails), so a fresh CI machine gets it on the first test that needs it: that needs root and about a minute. The
 * caller's class path must hold a MariaDB JDBC driver.
 */
public final class TestMariaDb {
    public static final String USER = "sluice";
    public static final String PASSWORD = "sluice-test-pw";
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static TestMariaDb shared;

    private final Process process;
    private final Path folder;
    private final int port;

    private TestMariaDb(Process process, Path folder, int port) {
        this.process = process;
        this.folder = folder;
        this.port = port;
    }

    /** The server of this JVM, installed and started on the first call. */
    public static synchronized TestMariaDb shared() {
        if (shared == null) {
            try {
                install();
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting MariaDB", e);
            }
        }
        return shared;
    }

    public int port() {
        return port;
    }

    /** The JDBC url of one database of this server. */
    public String url(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** A database no test used before, that {@link #USER} owns. */
    public String freshDatabase() {
        String name = "db" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url(""), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on MariaDB: " + e.getMessage(), e);
        }
        return name;
    }

    private static Path binary(String name) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static void install() throws IOException, InterruptedException {
        if (binary("mariadbd") != null) return;
        if (run(List.of("apt-get", "install", "-y", "-q", "mariadb-server")) != 0) {
            run(List.of("apt-get", "update", "-q"));
            if (run(List.of("apt-get", "install", "-y", "-q", "mariadb-server")) != 0) {
                throw new IOException("cannot install Debian's package mariadb-server with apt-get (needs root); "
                        + "install it by hand: apt-get install -y mariadb-server");
            }
        }
        if (binary("mariadbd") == null) throw new IOException("mariadb-server is installed but mariadbd is not found");
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        return pb.start().waitFor();
    }

    private static TestMariaDb start() throws IOException, InterruptedException {
        Path folder = Files.createTempDirectory("sluice-mariadb-");
        Path data = folder.resolve("data");
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> init = new ArrayList<>(List.of(
                binary("mariadb-install-db").toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--auth-root-authentication-method=normal",
                "--skip-test-db"));
        if (root) init.add("--user=root");
        Process installDb = new ProcessBuilder(init)
                .redirectErrorStream(true)
                .redirectOutput(folder.resolve("install-db.log").toFile())
                .start();
        if (installDb.waitFor() != 0) {
            throw new IOException("mariadb-install-db failed: " + Files.readString(folder.resolve("install-db.log")));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                binary("mariadbd").toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + folder.resolve("mariadb.sock"),
                "--pid-file=" + folder.resolve("mariadb.pid"),
                "--log-error=" + folder.resolve("error.log"),
                "--innodb-buffer-pool-size=64M",
                "--skip-name-resolve"));
        if (root) command.add("--user=root");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(folder.resolve("out.log").toFile())
                .start();
        TestMariaDb server = new TestMariaDb(process, folder, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "mariadb-stop"));
        server.awaitAndAddUser();
        return server;
    }

    /** Waits for the server, then adds the password user (root logs in over the socket only until then). */
    private void awaitAndAddUser() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        List<String> sql = List.of(
                "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'",
                "GRANT ALL ON *.* TO '" + USER + "'@'%'");
        while (true) {
            if (!process.isAlive()) throw new IOException("mariadbd stopped at start: " + log());
            Process client = new ProcessBuilder(
                            binary("mariadb").toString(),
                            "--no-defaults",
                            "--socket=" + folder.resolve("mariadb.sock"),
                            "-uroot",
                            "-e",
                            String.join("; ", sql))
                    .redirectErrorStream(true)
                    .redirectOutput(folder.resolve("client.log").toFile())
                    .start();
            if (client.waitFor() == 0) return;
            if (System.nanoTime() > deadline) {
                stop();
                throw new IOException("MariaDB did not accept connections within " + START_TIMEOUT_SECONDS + " s: "
                        + Files.readString(folder.resolve("client.log")) + log());
            }
            Thread.sleep(200);
        }
    }

    private String log() throws IOException {
        Path log = folder.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "(no error log)";
    }

    /** Stops the server and removes its data. */
    private void stop() {
        process.destroy(); // SIGTERM: a clean shutdown
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS))
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> all = Files.walk(folder)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: the system cleans it eventually
        }
    }
}
