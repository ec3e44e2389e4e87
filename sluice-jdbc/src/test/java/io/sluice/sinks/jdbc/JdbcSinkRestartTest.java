package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Connections;
import io.sluice.ledger.postgres.TestPostgres;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target database restarted mid-run: a pipeline loads CSV files into a PostgreSQL table of its own server (not the
 * shared one), which is stopped while splits are being committed and started again on the same port. The splits whose
 * commit broke fail with a message saying so and are tried again with the default backoff; the run finishes, and every
 * row is in the table once.
 */
class JdbcSinkRestartTest {
    private static final int FILES = 24;
    private static final int ROWS_PER_FILE = 40_000;

    @TempDir
    Path dir;

    @Test
    void aRestartOfTheDatabaseMidRunIsRiddenOutAndEveryRowLandsOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = TestPostgres.url(port);
        EmbeddedPostgres[] server = {start(port)};
        try {
            Files.writeString(
                    dir.resolve(Connections.FILE_NAME), "pg: { url: \"" + url + "\", user: postgres, pool_size: 4 }\n");
            for (int f = 0; f < FILES; f++) input(f);
            Path pipeline = dir.resolve("p.yaml");
            Files.writeString(pipeline, """
                    pipeline: restart
                    source: { files: { path: in, pack: { max_files: 1 } } }
                    sink:
                      jdbc: { connection: pg, table: public.orders }
                    run: { parallelism: 2 }
                    """);
            List<String> failures = new CopyOnWriteArrayList<>();
            RunListener listener = new RunListener() {
                @Override
                public void failed(Claim claim, String error, long retryInMillis) {
                    failures.add(error);
                }
            };
            // the restart: once a few splits are committed, while the others are being written
            // (a thread of its own: the common pool may be busy with the run's work)
            ExecutorService restarter = Executors.newSingleThreadExecutor();
            Future<Long> restart = restarter.submit(() -> {
                awaitCommitted(url, 4);
                server[0].close();
                long stopped = System.nanoTime();
                Thread.sleep(1_000);
                server[0] = start(port);
                return stopped;
            });

            long start = System.nanoTime();
            RunSummary summary = run(pipeline, listener);
            long end = System.nanoTime();
            long stopped = restart.get(120, TimeUnit.SECONDS);
            restarter.shutdown();
            assertThat(stopped).as("the server stopped during the run").isBetween(start, end);

            assertThat(summary.splitsDone()).isEqualTo(FILES);
            assertThat(summary.died()).isZero();
            assertThat(failures)
                    .as("the splits whose commit the restart broke failed, saying why, and were tried again")
                    .isNotEmpty()
                    .allSatisfy(e -> assertThat(e)
                            .contains("lost the connection to PostgreSQL while")
                            .contains("tried again"));
            assertThat(query(url, "SELECT count(*), count(DISTINCT (f, n)) FROM public.orders"))
                    .as("every row once")
                    .isEqualTo((long) FILES * ROWS_PER_FILE + "|" + (long) FILES * ROWS_PER_FILE);
        } finally {
            server[0].close();
        }
    }

    private void input(int f) throws Exception {
        Path file = dir.resolve("in").resolve("f" + f + ".csv");
        Files.createDirectories(file.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("f,n,note\n");
            for (int n = 0; n < ROWS_PER_FILE; n++) w.write(f + "," + n + ",row " + n + " of file " + f + "\n");
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis(0)); // settled long ago
    }

    private static RunSummary run(Path file, RunListener listener) throws Exception {
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(file);
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), "test", listener).run();
        }
    }

    /** Waits until {@code n} splits are committed to the table. */
    private static void awaitCommitted(String url, int n) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            try {
                if (Long.parseLong(query(url, "SELECT count(*) FROM public._sluice_commits WHERE rows IS NOT NULL"))
                        >= n) return;
            } catch (SQLException notYet) {
                // the bookkeeping table is made by the run's first split
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + n + " splits committed in 120 s");
    }

    private static String query(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", null);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++)
                row.append(i > 1 ? "|" : "").append(r.getString(i));
            return row.toString();
        }
    }

    private EmbeddedPostgres start(int port) throws java.io.IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                .start();
    }
}
