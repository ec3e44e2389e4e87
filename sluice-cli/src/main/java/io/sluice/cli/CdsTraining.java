package io.sluice.cli;

import io.sluice.config.JdbcDrivers;
import io.sluice.spi.Folders;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The run the launchers make their class-data-sharing archive from, at the first start: validate, run and status of a
 * small pipeline (files, a SQL step, Parquet, the SQLite ledger) in a temporary folder, then runs of a jdbc source
 * from a SQLite table and from a database that is not there. An archive written by the first
 * command itself held that command's classes alone (after {@code sluice --version}, a run still loaded most of its
 * classes from the jars: 0.3 s more per start).
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        System.exit(run());
    }

    /** Exit code 0 when all three commands succeeded and the run wrote its split's Parquet. */
    static int run() throws IOException {
        Path dir = Files.createTempDirectory("sluice-cds-training");
        try {
            Files.createDirectories(dir.resolve("in"));
            Files.writeString(dir.resolve("in/sample.csv"), """
                    id,region,amount,day
                    1,eu-west,12.5,2026-11-01
                    2,us-east,,2026-11-02
                    """);
            Path pipeline = Files.writeString(dir.resolve("pipeline.yaml"), """
                    pipeline: cds-training
                    source:
                      files: { path: in, include: "*.csv", settle: 0s }
                    steps:
                      - sql: SELECT region, CAST(amount AS DECIMAL(18, 2)) AS amount FROM input
                    sink:
                      files: { path: out, format: parquet }
                    """);
            String file = pipeline.toString();
            int code = Main.execute("validate", file);
            if (code == 0) code = Main.execute("run", file, "--progress", "none");
            if (code == 0 && !wroteParquet(dir.resolve("out"))) {
                System.err.println("sluice: the class-data-sharing training run wrote no Parquet file");
                code = 1;
            }
            if (code == 0) code = Main.execute("status", file);
            // best effort, like the next: a training that fails writes no archive, and every start would train again
            runFromADatabase(dir);
            runWithoutItsDatabase(dir); // fails, as it must: its classes are the point, not its exit code
            return code;
        } finally {
            Folders.deleteTree(dir);
        }
    }

    /**
     * A run of a jdbc source that reads a table of a SQLite database made here (the generic dialect): the source's
     * read path, its splits' JSON and the spool DuckDB converts, about 90 classes that a run from PostgreSQL or MariaDB
     * would otherwise load from the jars.
     *
     * @return the run's exit code
     */
    static int runFromADatabase(Path dir) throws IOException {
        Path database = dir.resolve("training.db");
        try (Connection c = JdbcDrivers.connect("jdbc:sqlite:" + database, new Properties());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL)");
            s.execute("INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL)");
        } catch (SQLException e) {
            throw new IOException("cannot make the training's SQLite database " + database + ": " + e.getMessage(), e);
        }
        Files.writeString(dir.resolve("connections.yaml"), "training: { url: \"jdbc:sqlite:" + database + "\" }\n");
        Path pipeline = Files.writeString(dir.resolve("table.yaml"), """
                pipeline: cds-training-table
                source:
                  jdbc: { connection: training, table: t }
                sink:
                  files: { path: out-table, format: parquet }
                """);
        return Main.execute("run", pipeline.toString(), "--progress", "none");
    }

    /**
     * A run of a jdbc source (PostgreSQL, incremental) whose database is not there: a port on loopback nobody listens
     * on. It loads the jdbc source's classes and the PostgreSQL driver's as far as a connection goes (about 125
     * classes), which a run against a real database would otherwise load from the jars.
     *
     * @return the run's exit code: 1, as any run that cannot reach its source
     */
    static int runWithoutItsDatabase(Path dir) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Files.writeString(
                dir.resolve("connections.yaml"),
                "training: { url: \"jdbc:postgresql://127.0.0.1:" + port + "/training\", user: training }\n");
        Path pipeline = Files.writeString(dir.resolve("jdbc.yaml"), """
                pipeline: cds-training-jdbc
                source:
                  jdbc: { connection: training, table: t, incremental: { column: updated_at, tie_breaker: id } }
                sink:
                  files: { path: out-jdbc, format: parquet }
                """);
        return Main.execute("run", pipeline.toString(), "--progress", "none");
    }

    private static boolean wroteParquet(Path out) throws IOException {
        if (!Files.isDirectory(out)) return false;
        try (Stream<Path> all = Files.walk(out)) {
            return all.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        }
    }
}
