package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once contract with both ends on S3 (S3Proxy, a real S3 server in a JVM of its own on loopback) and
 * the workers as real processes: SIGKILLs, a worker paused past its lease, two "machines" sharing one ledger while
 * inputs are overwritten, the S3 server itself killed and started again, and inputs that go wrong. Each test uses
 * buckets of its own on the JVM's shared server (the restart test has a server of its own) and small inputs.
 */
class S3CrashTest {
    private static S3Buckets buckets;

    @TempDir
    Path tmp;

    @BeforeAll
    static void server() {
        buckets = new S3Buckets(S3ProxyServer.shared());
    }

    @AfterAll
    static void closeClient() {
        if (buckets != null) buckets.close();
    }

    /** Two fresh buckets, input and output, named for this test. */
    private static String[] freshBuckets(S3ProxyServer server) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String[] b = {"in-" + id, "out-" + id};
        for (String name : b) server.createBucket(name);
        return b;
    }

    private Path pipeline(S3Buckets s3, String name, String in, String out, Path ledger, String source, String run)
            throws Exception {
        Path file = tmp.resolve(name + ".yaml");
        Files.writeString(file, """
                pipeline: %s
                source:
                  files: { path: "s3://%s/", include: "**/*.csv", settle: 0s, s3: %s%s }
                sink:
                  files: { path: "s3://%s/", format: csv, s3: %s }
                state: { sqlite: "%s" }
                run:
                %s
                """.formatted(name, in, s3.s3Block(), source, out, s3.s3Block(), ledger, run.indent(2).stripTrailing()));
        return file;
    }

    // ---- 1. SIGKILL loop -------------------------------------------------------------------------------------

    @Test
    void killedAtRandomMomentsAndRunAgainEveryRowIsInTheOutputOnce() throws Exception {
        String[] b = freshBuckets(buckets.server);
        List<String> expected = new ArrayList<>();
        for (int f = 0; f < 24; f++) buckets.put(b[0], "day-" + f % 3 + "/part-" + f + ".csv", S3Buckets.csv(f * 10_000L, 500, 1, expected));
        expected.sort(null);
        Path log = tmp.resolve("runs.log");
        Random random = new Random(11);
        int kills = 0;
        int cycle = 0;
        int midRun = 0;
        Path pipeline = killsPipeline(b, cycle);
        while (kills < 20) {
            Procs.Proc p = Procs.sluice("run", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "none");
            // from JVM start-up through planning, reading, uploads and manifest writes
            if (!p.process().waitFor(600 + random.nextInt(3400), TimeUnit.MILLISECONDS)) {
                p.kill();
                kills++;
                if (someDoneNotAll(tmp.resolve("ledger-" + cycle + ".db"), "s3kills")) midRun++;
            } else if (p.process().exitValue() == 0) {
                // a run got through between kills: check it, then start over (new ledger, new prefix) so that every
                // kill lands on real work
                assertThat(buckets.outputRows(b[1], "out" + cycle + "/")).as("cycle %d", cycle).isEqualTo(expected);
                pipeline = killsPipeline(b, ++cycle);
            }
        }
        assertThat(midRun).as("kills with some splits committed and others not (of %d, log %s)", kills, log)
                .isGreaterThanOrEqualTo(5);
        runToTheEnd(pipeline, log);
        assertThat(buckets.outputRows(b[1], "out" + cycle + "/")).as("every input row once (log %s)", log)
                .isEqualTo(expected);
        assertThat(buckets.read(b[1], "out" + cycle + "/", "_dead_letter")).isEmpty();
    }

    /** Whether the kill landed mid-run: the ledger holds completed splits and others not completed. */
    private static boolean someDoneNotAll(Path ledgerFile, String pipeline) {
        if (!Files.exists(ledgerFile)) return false;
        try (Ledger ledger = SqliteLedger.open(ledgerFile, pipeline, Clock.systemUTC())) {
            List<SplitInfo> all = ledger.splits(EnumSet.allOf(SplitState.class), 1000);
            long done = all.stream().filter(s -> s.state() == SplitState.DONE).count();
            return done > 0 && done < all.size();
        } catch (Exception e) {
            return false; // a ledger the kill left before its schema was written
        }
    }

    private Path killsPipeline(String[] b, int cycle) throws Exception {
        return pipeline(buckets, "s3kills", b[0], b[1] + "/out" + cycle, tmp.resolve("ledger-" + cycle + ".db"),
                ", pack: { max_files: 2 }", "parallelism: 2\nlease: 3s\ninterval: 500ms");
    }

    private static void runToTheEnd(Path pipeline, Path log) throws Exception {
        int code = -1;
        for (int i = 0; i < 5 && code != 0; i++) {
            Procs.Proc p = Procs.sluice("final", log, S3Buckets.env(), "run", pipeline.toString(), "--progress", "none");
            code = p.exitCode(180);
        }
        assertThat(code).as("exit code of the final run (log %s)", log).isZero();
    }
}
