package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.RedisAdmin;
import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * A {@code sluice worker} whose Redis ledger refuses its password stops with exit code 1 and a message that names the
 * ledger and what to fix, for its supervisor to restart it with the new settings: waiting does not bring a password
 * back, so it does not ride this out as it rides out an outage. Against a real server that requires a password.
 */
class WorkerRefusalTest {
    private static final String PASSWORD = "ledger-pw-" + UUID.randomUUID();
    private static RedisServer redis;
    private static int port;

    @TempDir
    Path dir;

    @BeforeAll
    static void redisWithAPassword() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("requirepass " + PASSWORD)
                .build();
        redis.start();
    }

    @AfterAll
    static void stop() throws IOException {
        redis.stop();
    }

    /** The right password works; once it is rotated on the server, the running worker stops instead of waiting. */
    @Test
    void aWorkerWhosePasswordIsRotatedStopsWithTheLedgersMessage() throws Exception {
        String rotated = "rotated-pw-" + UUID.randomUUID();
        Path pipeline = pipeline("rotated", PASSWORD);
        Path log = dir.resolve("worker.log");
        Process worker = ChildJvm.start(log, "io.sluice.cli.Main", "worker", pipeline.toString(), "--progress", "log");
        try {
            awaitLog(log, "1 split(s) done by this worker", worker);

            RedisAdmin.rotatePassword(port, PASSWORD, rotated);

            assertThat(worker.waitFor(60, TimeUnit.SECONDS))
                    .as("the worker stopped (it waits an outage out for ever):\n%s", Files.readString(log))
                    .isTrue();
            assertThat(worker.exitValue()).as(Files.readString(log)).isEqualTo(1);
            assertThat(Files.readString(log))
                    .contains("Redis ledger redis://127.0.0.1:" + port + "/0 (key prefix rotated): cannot ")
                    .contains("authentication failed; check the password (state.redis.password")
                    .doesNotContain(PASSWORD)
                    .doesNotContain(rotated);
        } finally {
            worker.destroyForcibly();
            worker.waitFor(30, TimeUnit.SECONDS);
            RedisAdmin.command(port, rotated, "CONFIG", "SET", "requirepass", PASSWORD);
        }
    }

    @Test
    void aWorkerGivenAWrongPasswordStopsAtOnce() throws Exception {
        String wrong = "wrong-pw-" + UUID.randomUUID();
        Path log = dir.resolve("worker.log");
        Process worker = ChildJvm.start(
                log, "io.sluice.cli.Main", "worker", pipeline("wrong", wrong).toString(), "--progress", "log");
        try {
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.exitValue()).as(Files.readString(log)).isEqualTo(1);
            assertThat(Files.readString(log))
                    .contains("Redis ledger redis://127.0.0.1:" + port + "/0 (key prefix wrong): cannot ")
                    .contains("authentication failed; check the password (state.redis.password")
                    .doesNotContain(wrong);
        } finally {
            worker.destroyForcibly();
        }
    }

    /** One input, and a ledger whose password is read from a file (a mounted Secret). */
    private Path pipeline(String keyPrefix, String password) throws IOException {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id\n1\n");
        Path secret = Files.writeString(dir.resolve("redis-password"), password);
        return ws.pipeline("""
                pipeline: refused
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                run: { interval: 500ms }
                state:
                  redis: { url: "redis://127.0.0.1:%d/0", key_prefix: %s, password: "${file:%s}", timeout: 2s }
                """.formatted(port, keyPrefix, secret));
    }

    private static void awaitLog(Path log, String text, Process worker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (!worker.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the worker's log:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }
}
