package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.TestMariaDb;
import io.sluice.testkit.Workspace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code sluice worker} processes racing on one split written by the jdbc sink, with a PostgreSQL ledger, into
 * PostgreSQL and into MariaDB: worker A claims the split and is paused with SIGSTOP while it works on it; its lease
 * runs out, worker B takes the split over and commits it; then A is resumed with SIGCONT. A cannot commit: it reports
 * its claim lost, and the table holds B's rows once, with B's commit record unchanged.
 */
class JdbcSinkFencingTest {
    private static final int ROWS = 200_000;
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path servers;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        postgres = Servers.postgres(Servers.freePort(), servers.resolve("pg"));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (postgres != null) postgres.close();
    }

    private static String postgresUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    @Test
    void intoPostgres() throws Exception {
        String url = postgresUrl();
        try (Connection c = DriverManager.getConnection(url, "postgres", null);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA target_pg");
        }
        pausedWorkerCannotCommit(
                "db: { url: \"" + url + "\", user: postgres }\n",
                "target_pg",
                Backend.postgres(postgres.getPort(), "fencing_pg"),
                () -> DriverManager.getConnection(url, "postgres", null));
    }

    @Test
    void intoMariaDb() throws Exception {
        TestMariaDb server = TestMariaDb.shared();
        String database = server.freshDatabase();
        String url = server.url(database);
        pausedWorkerCannotCommit(
                "db: { url: \"" + url + "\", user: " + TestMariaDb.USER + ", password: \"" + TestMariaDb.PASSWORD
                        + "\" }\n",
                database,
                Backend.postgres(postgres.getPort(), "fencing_maria"),
                () -> DriverManager.getConnection(url, TestMariaDb.USER, TestMariaDb.PASSWORD));
    }

    interface Target {
        Connection connect() throws Exception;
    }

    private void pausedWorkerCannotCommit(String connections, String schema, Backend backend, Target target)
            throws Exception {
        Workspace ws = Workspace.in(tmp.resolve("ws"));
        Files.writeString(ws.dir().resolve("connections.yaml"), connections);
        Path pipeline = FencingTest.slowPipeline(
                ws, "fencing-jdbc", ROWS, "jdbc: { connection: db, table: " + schema + ".rows }", backend);
        Path logs = tmp.resolve("logs");
        try (Ledger ledger = backend.open("fencing-jdbc")) {
            Procs.Proc a = Procs.worker("A", pipeline, logs, backend.env());
            SplitInfo heldByA = FencingTest.await(
                    ledger, "A to claim the split", s -> s.state() == SplitState.CLAIMED && "A".equals(s.owner()), a);
            FencingTest.pauseBetweenTransactions(a, backend);
            Procs.Proc b = Procs.worker("B", pipeline, logs, backend.env());
            FencingTest.await(ledger, "B to take the split over", s -> "B".equals(s.owner()), b);
            SplitInfo done = FencingTest.await(ledger, "B to complete it", s -> s.state() == SplitState.DONE, b);
            assertThat(done.attempts()).as("A's claim, then B's").isEqualTo(2);
            List<String> committedByB = state(target, schema);
            assertThat(committedByB.getFirst()).as("B's rows, once").isEqualTo(ROWS + "|" + ROWS + "|0|" + (ROWS - 1));

            a.resume();
            a.awaitLog("lost: split " + heldByA.id(), 180);

            assertThat(state(target, schema))
                    .as("A changed nothing: the rows and B's commit record are as B left them")
                    .isEqualTo(committedByB);
            SplitInfo after =
                    ledger.splits(java.util.EnumSet.allOf(SplitState.class), 10).getFirst();
            assertThat(after.state()).isEqualTo(SplitState.DONE);
            assertThat(after.updated()).as("the completion is B's").isEqualTo(done.updated());
            a.terminate();
            b.terminate();
            assertThat(a.exitCode(120)).as("A's exit code; log:%n%s", a.tail()).isZero();
            assertThat(b.exitCode(120)).as("B's exit code; log:%n%s", b.tail()).isZero();
        }
    }

    /** The table's rows (count, distinct ids, min, max) and the split's commit record (token and time). */
    private static List<String> state(Target target, String schema) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = target.connect();
                Statement s = c.createStatement()) {
            for (String sql : List.of(
                    "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + schema + ".rows",
                    "SELECT split_id, token, committed_at FROM " + schema + "._sluice_commits")) {
                try (ResultSet r = s.executeQuery(sql)) {
                    int n = r.getMetaData().getColumnCount();
                    while (r.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= n; i++)
                            row.append(i > 1 ? "|" : "").append(r.getString(i));
                        out.add(row.toString());
                    }
                }
            }
        }
        return out;
    }
}
