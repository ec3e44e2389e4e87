package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * Chaos on a worker pool, per shared backend: 4 {@code sluice worker} processes on one pipeline; a driver kills a
 * random worker with SIGKILL every one to three seconds (the first kill once a leader is known takes the leader) and
 * starts a new one; half of the files arrive a while into the chaos, so whoever leads then must keep listing. At the
 * end the workers are stopped with SIGTERM (each exits 0), one {@code sluice run --mode once} catches up, and every
 * split is done once in the ledger and every input row is in the output exactly once.
 *
 * <p>Scaled for a 2-core machine: 2,000 files and 40 s of chaos on SQLite, PostgreSQL and Redis; DynamoDB Local
 * is much slower per call, so it gets 300 files and 20 s.
 */
class PoolChaosTest {
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
        java.nio.file.Files.createDirectories(servers.resolve("redis"));
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
        chaos(Backend.sqlite(tmp.resolve("ledger.db")), 2_000, Duration.ofSeconds(40));
    }

    @Test
    void postgres() throws Exception {
        chaos(Backend.postgres(postgres.getPort(), "chaos"), 2_000, Duration.ofSeconds(40));
    }

    @Test
    void redis() throws Exception {
        chaos(Backend.redis(redisPort, "chaos"), 2_000, Duration.ofSeconds(40));
    }

    @Test
    void dynamodb() throws Exception {
        chaos(Backend.dynamodb(dynamoPort, "chaos"), 300, Duration.ofSeconds(20));
    }

    private void chaos(Backend backend, int files, Duration length) throws Exception {
        Scenario s = new Scenario(tmp.resolve("ws"), backend, "chaos", "lease: 2s");
        s.writeFiles(0, files / 2);
        Crew crew = new Crew(s);
        for (int i = 0; i < 4; i++) crew.start();
        Random random = new Random(7);
        long start = System.nanoTime();
        boolean more = false;
        int kills = 0;
        boolean leaderKilled = false;
        while (System.nanoTime() - start < length.toNanos()) {
            Thread.sleep(1_000 + random.nextInt(2_000));
            if (!more && System.nanoTime() - start > length.toNanos() / 3) {
                s.writeFiles(files / 2, files); // only a live leader lists them
                more = true;
            }
            // the first kill that finds a leader takes it, whatever the draws: its replacement is asserted below
            Optional<Procs.Proc> leader = leaderKilled ? Optional.empty() : crew.leader();
            leaderKilled |= leader.isPresent();
            crew.killAndReplace(leader.orElseGet(
                    () -> crew.live().get(random.nextInt(crew.live().size()))));
            kills++;
        }
        crew.stopAll();
        Procs.Proc catchUp = Procs.sluice(
                "catch-up",
                s.logs.resolve("catch-up.log"),
                s.env(),
                "run",
                s.pipeline.toString(),
                "--mode",
                "once",
                "--progress",
                "none");
        assertThat(catchUp.exitCode(600))
                .as("catch-up run; log:%n%s", catchUp.tail())
                .isZero();

        Scenario.Outcome outcome = s.assertExactlyOnce();

        String logs = crew.logs();
        System.out.printf(
                "chaos on %s: %d files, %d SIGKILLs, %d workers started, %d split(s) taken over after a "
                        + "kill, %d leaderships taken%n",
                backend.name(),
                outcome.splits(),
                kills,
                crew.started(),
                outcome.retaken(),
                logs.split("leading the pool", -1).length - 1);
        assertThat(kills).as("SIGKILLs delivered").isGreaterThanOrEqualTo(5);
        assertThat(leaderKilled).as("a leader among the workers killed").isTrue();
        assertThat(logs).as("a killed leader was replaced").containsPattern("(?s)leading the pool.*leading the pool");
    }
}
