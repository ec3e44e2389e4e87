package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.Workspace;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * Fencing with real processes, per backend: worker A claims a slow split and is paused with SIGSTOP; its lease runs
 * out, worker B takes the split over and completes it (both seen through the ledger, not guessed from time); then A
 * is resumed with SIGCONT. A cannot commit: it reports its claim lost, the ledger keeps B's completion, and B's output
 * files are still the ones in place (same inode, same modification time), holding every row once.
 */
class FencingTest {
    private static final int ROWS = 400_000;
    private static EmbeddedPostgres postgres;
    private static int redisPort;
    private static RedisServer redis;
    private static int dynamoPort;
    private static DynamoDBProxyServer dynamo;

    @TempDir
    static Path servers;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServers() throws Exception {
        postgres = Servers.postgres(Servers.freePort(), servers.resolve("pg"));
        redisPort = Servers.freePort();
        Files.createDirectories(servers.resolve("redis"));
        redis = Servers.redis(redisPort, servers.resolve("redis"));
        dynamoPort = Servers.freePort();
        dynamo = Servers.dynamo(dynamoPort);
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (postgres != null) postgres.close();
        if (redis != null) Servers.stop(redis);
        if (dynamo != null) Servers.stop(dynamo);
    }

    @Test
    void sqlite() throws Exception {
        pausedWorkerCannotCommit(Backend.sqlite(tmp.resolve("ledger.db")));
    }

    @Test
    void postgres() throws Exception {
        pausedWorkerCannotCommit(Backend.postgres(postgres.getPort(), "fencing"));
    }

    @Test
    void redis() throws Exception {
        pausedWorkerCannotCommit(Backend.redis(redisPort, "fencing"));
    }

    @Test
    void dynamodb() throws Exception {
        pausedWorkerCannotCommit(Backend.dynamodb(dynamoPort, "fencing"));
    }

    private void pausedWorkerCannotCommit(Backend backend) throws Exception {
        Workspace ws = Workspace.in(tmp.resolve("ws"));
        Path pipeline = slowPipeline(ws, "fencing", ROWS, "files: { path: out, format: csv }", backend);
        Path logs = tmp.resolve("logs");
        try (Ledger ledger = backend.open("fencing")) {
            Procs.Proc a = Procs.worker("A", pipeline, logs, backend.env());
            SplitInfo heldByA = await(
                    ledger, "A to claim the split", s -> s.state() == SplitState.CLAIMED && "A".equals(s.owner()), a);
            pauseBetweenTransactions(a, backend);
            Procs.Proc b = Procs.worker("B", pipeline, logs, backend.env());
            await(ledger, "B to take the split over", s -> "B".equals(s.owner()), b);
            SplitInfo done = await(ledger, "B to complete it", s -> s.state() == SplitState.DONE, b);
            assertThat(done.attempts()).as("A's claim, then B's").isEqualTo(2);
            Map<Path, String> before = outputs(ws);
            assertThat(before).as("B's output").isNotEmpty();

            a.resume();
            a.awaitLog("lost: split " + heldByA.id(), 180);

            assertThat(outputs(ws)).as("A's output did not replace B's").isEqualTo(before);
            SplitInfo after = ledger.splits(EnumSet.allOf(SplitState.class), 10).getFirst();
            assertThat(after.state()).isEqualTo(SplitState.DONE);
            assertThat(after.attempts()).as("A recorded nothing").isEqualTo(2);
            assertThat(after.updated()).as("the completion is B's").isEqualTo(done.updated());
            assertThat(Workspace.query("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM read_csv('"
                            + ws.out() + "/*.csv')"))
                    .as("every row once")
                    .containsExactly(ROWS + "|" + ROWS + "|0|" + (ROWS - 1));
            a.terminate();
            b.terminate();
            assertThat(a.exitCode(120)).as("A's exit code; log:%n%s", a.tail()).isZero();
            assertThat(b.exitCode(120)).as("B's exit code; log:%n%s", b.tail()).isZero();
        }
    }

    /** Pauses the worker, again and again until the pause did not catch it inside a write transaction. */
    static void pauseBetweenTransactions(Procs.Proc worker, Backend backend) throws Exception {
        for (int attempt = 0; ; attempt++) {
            worker.pause();
            if (backend.writable()) return;
            if (attempt == 100) throw new AssertionError("the worker held the ledger's write lock at 100 pauses");
            worker.resume();
            Thread.sleep(20);
        }
    }

    /**
     * One split of {@code rows} rows that takes seconds (a hash over a long string per row, DuckDB on one thread), so
     * that the pause lands while A works on it, before its sink commits.
     *
     * @param sink the sink's block, in YAML's flow style
     */
    static Path slowPipeline(Workspace ws, String name, int rows, String sink, Backend backend) throws Exception {
        Path big = ws.in().resolve("big.csv");
        try (BufferedWriter w = Files.newBufferedWriter(big)) {
            w.write("id,grp\n");
            for (int i = 0; i < rows; i++) w.write(i + ",g" + i % 7 + "\n");
        }
        Files.setLastModifiedTime(
                big, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return ws.pipeline("""
                pipeline: %s
                source:
                  files: { path: in, include: "*.csv", split_size: 1GB }
                steps:
                  - sql: SELECT id, grp FROM input WHERE length(md5(repeat(grp, 3000))) = 32
                sink:
                  %s
                state: %s
                run:
                  parallelism: 1
                  lease: 2s
                  interval: 1s
                  engine: { threads: 1, memory_limit: 256MB }
                """.formatted(name, sink, backend.state()));
    }

    /** Polls the ledger until the pipeline's one split satisfies the condition. */
    static SplitInfo await(Ledger ledger, String what, Predicate<SplitInfo> condition, Procs.Proc watched)
            throws Exception {
        long until = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < until) {
            Optional<SplitInfo> s =
                    ledger.splits(EnumSet.allOf(SplitState.class), 10).stream().findFirst();
            if (s.isPresent() && condition.test(s.get())) return s.get();
            if (!watched.process().isAlive()) throw new AssertionError(watched.name() + " exited:\n" + watched.tail());
            Thread.sleep(20);
        }
        throw new AssertionError(
                "timed out waiting for " + what + "; log of " + watched.name() + ":\n" + watched.tail());
    }

    /** Each visible output file with its inode and modification time: a rename over it would change both. */
    private static Map<Path, String> outputs(Workspace ws) throws Exception {
        Map<Path, String> files = new TreeMap<>();
        List<Path> visible = ws.outputFiles(".csv");
        for (Path p : visible) {
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
            files.put(p, attrs.fileKey() + "@" + attrs.lastModifiedTime().toMillis());
        }
        return files;
    }
}
