package io.sluice.ledger.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Planner;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ledger.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * A planner killed in the middle of registering a plan on DynamoDB, whose registration spans several transactions:
 * files cut into byte ranges ({@code split_size}). Whatever transaction it dies before, the next plan registers every
 * range of every file exactly once (no range left out because the file looked seen, none twice), and the run's output
 * holds every row once. Every point of death of a plan with a file in more ranges than a transaction holds, and a pack
 * as large, is tried by the ledger conformance kit ({@code aRegistrationThatDiesMidwayLeavesEachInputWholeOrNotAtAll}).
 */
class InterruptedRegistrationTest {
    /** Modification times long past any settle time. */
    private static final long OLD = 1_000_000_000_000L;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /**
     * a.csv and b.csv in 29 ranges each: 59 items each (a split and an input per range, the file's latest version),
     * together more than a transaction holds (99 items), so that b.csv's ranges would straddle two.
     */
    @Test
    void aPlannerKilledBetweenTransactionsLeavesNoFileHalfRegistered() throws Exception {
        assertThat(killedBeforeEachTransaction(Map.of("a.csv", 3_000, "b.csv", 3_000)))
                .as("the plan took two transactions, the second tried as the point of death")
                .isEqualTo(2);
    }

    /**
     * For each transaction of the plan of these files (name to rows), in turn: a planner dies right before it, and a new
     * one plans: every byte of every file is in one registered split, each pending (claimable); the run then reads
     * every row once. Returns the number of transactions the plan takes.
     */
    private int killedBeforeEachTransaction(Map<String, Integer> files) throws Exception {
        for (int killedAt = 1; ; killedAt++) {
            Path here = Files.createDirectories(dir.resolve("kill-" + killedAt));
            Map<String, List<String>> rows = inputs(here, files);
            Pipeline p = pipeline(here);
            DynamoDbConfig config = TestDynamo.freshTable();

            if (!planKilledAt(p, config, killedAt)) return killedAt - 1;
            clock.advance(Duration.ofSeconds(61)); // the dead planner's registration lock runs out

            try (Assembly restarted = assembly(p, config)) {
                new Planner(restarted.source(), restarted.ledger()).plan();
                int splits = assertEachFileRegisteredOnceWhole(restarted.ledger(), here, rows.keySet(), killedAt);
                assertThat(restarted.ledger().counts())
                        .as("killed before transaction %d: every split claimable", killedAt)
                        .containsExactly(Map.entry(SplitState.PENDING, (long) splits));

                RunSummary summary = new LocalRunner(restarted, clock, "w-" + killedAt, new RunListener() {}).run();
                assertThat(summary.died()).isZero();
            }
            assertThat(outputRows(here))
                    .as("killed before transaction %d: every row once", killedAt)
                    .containsExactlyInAnyOrderElementsOf(
                            rows.values().stream().flatMap(List::stream).toList());
        }
    }

    /**
     * Plans with a ledger whose process dies right before its {@code killedAt}th transaction. False when the plan took
     * fewer transactions.
     */
    private boolean planKilledAt(Pipeline p, DynamoDbConfig config, int killedAt) throws Exception {
        AtomicBoolean dead = new AtomicBoolean();
        try (Assembly parts = assembly(p, dyingBefore(config, killedAt, p.name(), clock, dead))) {
            Planner planner = new Planner(parts.source(), parts.ledger());
            try {
                planner.plan();
                return false;
            } catch (RuntimeException e) {
                assertThat(dead).as("died as planned: %s", e).isTrue();
                return true;
            }
        }
    }

    /**
     * A ledger of a process that dies right before its {@code killedAt}th transaction: that request and every one after
     * it fail (the registration lock is not released either); {@code dead} is set then.
     */
    static DynamoDbLedger dyingBefore(
            DynamoDbConfig config, int killedAt, String pipeline, Clock clock, AtomicBoolean dead) {
        AtomicInteger transactions = new AtomicInteger();
        ExecutionInterceptor killer = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof TransactWriteItemsRequest
                        && transactions.incrementAndGet() == killedAt) {
                    dead.set(true);
                }
                if (dead.get()) throw new IllegalStateException("killed before transaction " + killedAt);
            }
        };
        DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(TestDynamo.endpoint(TestDynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(TestDynamo.CREDENTIALS)
                .overrideConfiguration(o -> o.addExecutionInterceptor(killer))
                .build();
        return DynamoDbLedger.open(config, pipeline, clock, client);
    }

    /**
     * Every file's registered members, in byte order, cover it from its first byte to its last without a gap or an
     * overlap: each row is read once. Returns the number of splits registered.
     */
    private static int assertEachFileRegisteredOnceWhole(Ledger ledger, Path here, Iterable<String> keys, int at)
            throws Exception {
        Map<String, List<Member>> byKey = new TreeMap<>();
        List<SplitInfo> splits = ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE);
        for (SplitInfo s : splits) {
            for (Member m : ledger.split(s.id()).orElseThrow().members()) {
                byKey.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(m);
            }
        }
        for (String key : keys) {
            long size = Files.size(here.resolve("in").resolve(key));
            List<Member> ranges = byKey.getOrDefault(key, List.of()).stream()
                    .sorted(Comparator.comparingLong(Member::start))
                    .toList();
            assertThat(ranges)
                    .as("killed before transaction %d: %s registered", at, key)
                    .isNotEmpty();
            long next = 0;
            for (Member m : ranges) {
                assertThat(m.start())
                        .as("killed before transaction %d: %s's next range (no gap, no overlap)", at, key)
                        .isEqualTo(next);
                next = m.end() == Member.WHOLE ? size : m.end();
            }
            assertThat(next)
                    .as("killed before transaction %d: %s read to its end", at, key)
                    .isEqualTo(size);
        }
        return splits.size();
    }

    /** Writes the files, each with a header and this many rows (about 10 bytes each); returns their data rows. */
    private static Map<String, List<String>> inputs(Path here, Map<String, Integer> files) throws Exception {
        Map<String, List<String>> rows = new TreeMap<>();
        Path in = Files.createDirectories(here.resolve("in"));
        for (var file : files.entrySet()) {
            String name = file.getKey().substring(0, 1);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < file.getValue(); i++) lines.add(name + i + "," + i);
            Path f = Files.writeString(in.resolve(file.getKey()), "id,n\n" + String.join("\n", lines) + "\n");
            Files.setLastModifiedTime(f, FileTime.fromMillis(OLD));
            rows.put(file.getKey(), lines);
        }
        return rows;
    }

    private static Pipeline pipeline(Path here) throws Exception {
        return PipelineLoader.withSystemEnv().load(Files.writeString(here.resolve("p.yaml"), """
                        pipeline: interrupted
                        source: { files: { path: in, split_size: 1KB } }
                        sink: { files: { path: out, format: csv } }
                        run: { parallelism: 1 }
                        """));
    }

    private Assembly assembly(Pipeline p, DynamoDbConfig config) {
        return assembly(p, DynamoDbLedger.open(config, p.name(), clock, TestDynamo.CREDENTIALS));
    }

    /** The pipeline's parts on this DynamoDB ledger (the pipeline's own, SQLite, is closed at once). */
    private Assembly assembly(Pipeline p, Ledger ledger) {
        Assembly parts = Assembly.of(p, PipelineLoader.withSystemEnv().components(), clock);
        parts.ledger().close();
        return new Assembly(p, parts.source(), parts.steps(), parts.sink(), ledger, ledger.toString());
    }

    /** Every data row of the csv files the sink wrote, without their header lines. */
    private static List<String> outputRows(Path here) throws Exception {
        List<String> rows = new ArrayList<>();
        Path out = here.resolve("out");
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".csv")
                            && !out.relativize(f).toString().startsWith("_"))
                    .toList()) {
                List<String> lines = Files.readAllLines(f);
                rows.addAll(lines.subList(1, lines.size()));
            }
        }
        return rows;
    }
}
