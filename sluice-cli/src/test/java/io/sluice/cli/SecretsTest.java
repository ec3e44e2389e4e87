package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Ports;
import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * A secret set in the environment never appears in what {@code sluice} prints: not in {@code validate}, {@code run},
 * {@code status}, {@code plan} or {@code docs}, not in an error, not in a stack trace ({@code SLUICE_DEBUG}), not when
 * a driver echoes the url it was given. Each command runs in a child JVM with the secret in its environment, as a user
 * runs it, against a real Redis server that requires the password.
 */
class SecretsTest {
    private static final String PASSWORD = "redis-pw-" + UUID.randomUUID();
    private static RedisServer redis;
    private static int port;

    @TempDir
    Path dir;

    @BeforeAll
    static void redisWithAPassword() throws IOException {
        port = Ports.free();
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

    private Path pipeline(String state) throws IOException {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id,amount\n1,10\n2,20\n");
        return ws.pipeline("""
                pipeline: secrets
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                state:
                """ + state);
    }

    @Test
    void noCommandPrintsThePassword() throws Exception {
        Path p = pipeline("""
                  redis:
                    url: redis://127.0.0.1:%d/0
                    password: ${SLUICE_TEST_PASSWORD}
                """.formatted(port));
        Map<String, String> env = Map.of("SLUICE_TEST_PASSWORD", PASSWORD);

        for (List<String> command : List.of(
                List.of("validate", p.toString()),
                List.of("plan", p.toString()),
                List.of("plan", p.toString(), "--json"),
                List.of("run", p.toString(), "--progress", "log"),
                List.of("status", p.toString()),
                List.of("status", p.toString(), "--json", "--all"),
                List.of("docs"))) {
            CliRun o = sluice(env, command);
            assertThat(o.code()).as("%s", o).isZero();
            assertThat(o.all()).as("%s", o).doesNotContain(PASSWORD);
        }
        assertThat(sluice(env, List.of("status", p.toString())).out())
                .contains("Redis ledger redis://127.0.0.1:" + port);
        try (var files = Files.walk(dir.resolve("out"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".csv")).toList())
                    .as("the run wrote its output")
                    .isNotEmpty();
        }
    }

    @Test
    void aWrongPasswordFailsWithoutShowingIt() throws Exception {
        String wrong = "wrong-pw-" + UUID.randomUUID();
        Path p = pipeline("""
                  redis: { url: "redis://127.0.0.1:%d/0", password: "${SLUICE_TEST_PASSWORD}" }
                """.formatted(port));

        CliRun o = sluice(Map.of("SLUICE_TEST_PASSWORD", wrong), List.of("validate", p.toString()));

        assertThat(o.code()).as("%s", o).isNotZero();
        assertThat(o.err()).as("%s", o).contains("authentication failed");
        assertThat(o.all()).doesNotContain(wrong);
    }

    @Test
    void aPasswordInAUrlFromTheEnvironmentIsMaskedWhenTheServerIsUnreachable() throws Exception {
        String secret = "url-pw-" + UUID.randomUUID();
        Path p = pipeline("""
                  redis: { url: "${SLUICE_TEST_URL}", timeout: 500ms }
                """);

        CliRun o = sluice(
                Map.of("SLUICE_TEST_URL", "redis://app:" + secret + "@127.0.0.1:" + Ports.free() + "/0"),
                List.of("status", p.toString()));

        assertThat(o.code()).as("%s", o).isNotZero();
        assertThat(o.err()).as("%s", o).contains("redis://app:***@127.0.0.1");
        assertThat(o.all()).doesNotContain(secret);
    }

    @Test
    void aPasswordTheDriverEchoesIsMasked() throws Exception {
        String secret = "pg-pw-" + UUID.randomUUID();
        Path p = pipeline("""
                  postgres: { url: "${SLUICE_TEST_URL}", connect_timeout: 1s }
                """);

        // the PostgreSQL driver takes no user:password@ in its urls: it takes "app:<password>@127.0.0.1" for the
        // host name, and its error quotes it
        CliRun o = sluice(
                Map.of("SLUICE_TEST_URL", "jdbc:postgresql://app:" + secret + "@127.0.0.1:1/db"),
                List.of("validate", p.toString()));

        assertThat(o.code()).as("%s", o).isNotZero();
        assertThat(o.err()).as("%s", o).contains("PostgreSQL ledger jdbc:postgresql://app:***@127.0.0.1:1/db");
        assertThat(o.all()).doesNotContain(secret);
    }

    @Test
    void aLiteralPasswordIsWarnedAboutAndNeverShown() throws Exception {
        Path p = pipeline("""
                  redis: { url: "redis://127.0.0.1:%d/0", password: "%s" }
                """.formatted(port, PASSWORD));

        CliRun o = sluice(Map.of(), List.of("validate", p.toString()));

        assertThat(o.code()).as("%s", o).isZero();
        assertThat(o.err()).contains("warning").contains("state.redis.password").contains("${ENV_VAR}");
        assertThat(o.all()).doesNotContain(PASSWORD);
    }

    /** Runs {@code sluice} in a child JVM with these environment variables and SLUICE_DEBUG (stack traces). */
    private CliRun sluice(Map<String, String> env, List<String> args) throws Exception {
        return CliRun.inChildJvm(dir, env, args);
    }
}
