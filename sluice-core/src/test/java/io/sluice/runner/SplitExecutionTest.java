package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Claim;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named split run once ({@link LocalRunner#runSplit}, what a one-split Kubernetes pod does): exactly that split is
 * processed and recorded, and a split held by another owner's live claim is refused, as is a commit under a claim
 * that was taken over meanwhile (fencing).
 */
class SplitExecutionTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private Assembly real;
    private Ledger ledger;
    private Map<String, String> splitOf; // file name -> split id

    @BeforeEach
    void plan() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        for (String name : List.of("a.csv", "b.csv", "c.csv")) {
            Path f = dir.resolve("in").resolve(name);
            Files.writeString(f, "id,name\n1," + name + "\n2," + name + "\n");
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        }
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: named
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1, lease: 30s }
                """);
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(file);
        real = Assembly.of(p, loader.components(), clock);
        ledger = MemoryLedger.open("named", clock);
        new io.sluice.planning.Planner(real.source(), ledger).plan();
        splitOf = ledger.splits(EnumSet.of(SplitState.PENDING), 10).stream()
                .collect(Collectors.toMap(
                        s -> ledger.split(s.id())
                                .orElseThrow()
                                .members()
                                .getFirst()
                                .key(),
                        SplitInfo::id));
        assertThat(splitOf).containsOnlyKeys("a.csv", "b.csv", "c.csv");
    }

    @AfterEach
    void close() throws Exception {
        if (real != null) real.close();
        if (ledger != null) ledger.close();
    }

    private LocalRunner runner(Ledger l, String owner) {
        Assembly a = new Assembly(real.pipeline(), real.source(), real.steps(), real.sink(), l, "memory");
        return new LocalRunner(a, clock, owner, RunListener.NONE);
    }

    private SplitState state(String splitId) {
        return ledger.splits(EnumSet.allOf(SplitState.class), 10).stream()
                .filter(s -> s.id().equals(splitId))
                .map(SplitInfo::state)
                .findFirst()
                .orElseThrow();
    }

    private List<String> outputRows() throws Exception {
        Path out = dir.resolve("out");
        if (!Files.exists(out)) return List.of();
        try (Stream<Path> files = Files.walk(out)) {
            // the sink's own files (manifests, staging) are under names starting with "_" or "."
            return files.filter(f -> f.toString().endsWith(".csv")
                            && !out.relativize(f).toString().matches("(.*/)?[_.].*"))
                    .flatMap(f -> {
                        try {
                            return Files.readAllLines(f).stream().skip(1);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .sorted()
                    .toList();
        }
    }

    @Test
    void runsExactlyTheNamedSplit() throws Exception {
        String b = splitOf.get("b.csv");
        SplitExecution.Result result = runner(ledger, "pod-b").runSplit(b);

        assertThat(result.outcome()).as(result.message()).isEqualTo(SplitExecution.Outcome.DONE);
        assertThat(result.exitCode()).isZero();
        assertThat(state(b)).isEqualTo(SplitState.DONE);
        assertThat(state(splitOf.get("a.csv"))).isEqualTo(SplitState.PENDING);
        assertThat(state(splitOf.get("c.csv"))).isEqualTo(SplitState.PENDING);
        assertThat(outputRows()).containsExactly("1,b.csv", "2,b.csv");

        SplitExecution.Result again = runner(ledger, "pod-b2").runSplit(b);
        assertThat(again.outcome()).as("done: not run twice").isEqualTo(SplitExecution.Outcome.NOT_CLAIMABLE);
        assertThat(again.exitCode()).isEqualTo(SplitExecution.NOT_CLAIMABLE);
        assertThat(outputRows()).containsExactly("1,b.csv", "2,b.csv");
    }

    @Test
    void refusesASplitHeldByAnotherOwnersLiveClaim() throws Exception {
        String a = splitOf.get("a.csv");
        Claim theirs = ledger.claim(a, "other-worker", LEASE).orElseThrow();

        SplitExecution.Result result = runner(ledger, "pod-a").runSplit(a);

        assertThat(result.outcome()).isEqualTo(SplitExecution.Outcome.NOT_CLAIMABLE);
        assertThat(result.message()).contains(a);
        assertThat(ledger.isCurrent(theirs)).as("the holder keeps its claim").isTrue();
        assertThat(outputRows()).isEmpty();

        clock.advance(LEASE.plusSeconds(1)); // the holder died: its lease ran out
        assertThat(runner(ledger, "pod-a").runSplit(a).outcome()).isEqualTo(SplitExecution.Outcome.DONE);
        assertThat(outputRows()).containsExactly("1,a.csv", "2,a.csv");
    }

    @Test
    void aClaimTakenOverBeforeTheCommitIsNotCommittedNorRecorded() throws Exception {
        String c = splitOf.get("c.csv");
        AtomicBoolean tookOver = new AtomicBoolean();
        // the pod pauses past its lease right before its commit's fence check, and another worker takes the split
        Ledger pausing = (Ledger) Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, m, args) -> {
                    if (m.getName().equals("isCurrent") && tookOver.compareAndSet(false, true)) {
                        clock.advance(LEASE.plusSeconds(1));
                        assertThat(ledger.claim(c, "other-worker", LEASE)).isPresent();
                    }
                    try {
                        return m.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        SplitExecution.Result result = runner(pausing, "pod-c").runSplit(c);

        assertThat(tookOver).isTrue();
        assertThat(result.outcome()).as(result.message()).isEqualTo(SplitExecution.Outcome.STALE);
        assertThat(result.exitCode()).isEqualTo(SplitExecution.NOT_CLAIMABLE);
        assertThat(state(c)).as("the new holder's to finish").isEqualTo(SplitState.CLAIMED);
        assertThat(ledger.splits(EnumSet.of(SplitState.CLAIMED), 10))
                .extracting(SplitInfo::owner)
                .containsExactly("other-worker");
        assertThat(outputRows()).as("nothing committed under the stale claim").isEmpty();
    }

    /** As a run ends, whatever became of the split, the sink removes what it made for the run alone (once). */
    @Test
    void theSinkIsFinishedOnceWhetherTheSplitRanOrNot() throws Exception {
        java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
        io.sluice.spi.sink.Sink counted = (io.sluice.spi.sink.Sink) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.sluice.spi.sink.Sink.class}, (proxy, method, args) -> {
                    if (method.getName().equals("finish")) finished.incrementAndGet();
                    try {
                        return method.invoke(real.sink(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Assembly a = new Assembly(real.pipeline(), real.source(), real.steps(), counted, ledger, "memory");

        String b = splitOf.get("b.csv");
        assertThat(new LocalRunner(a, clock, "pod", RunListener.NONE)
                        .runSplit(b)
                        .outcome())
                .isEqualTo(SplitExecution.Outcome.DONE);
        assertThat(finished).hasValue(1);
        assertThat(new LocalRunner(a, clock, "pod", RunListener.NONE)
                        .runSplit("no-such-split")
                        .outcome())
                .isEqualTo(SplitExecution.Outcome.UNKNOWN);
        assertThat(finished).hasValue(2);
    }

    @Test
    void anUnknownSplitIsSaidToBeUnknown() throws Exception {
        SplitExecution.Result result = runner(ledger, "pod").runSplit("no-such-split");
        assertThat(result.outcome()).isEqualTo(SplitExecution.Outcome.UNKNOWN);
        assertThat(result.exitCode()).isEqualTo(RunSummary.INVALID);
    }
}
