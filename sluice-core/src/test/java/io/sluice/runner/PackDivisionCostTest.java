package io.sluice.runner;

import static io.sluice.runner.Proxies.call;
import static io.sluice.runner.Proxies.proxy;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.source.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What looking for a pack's bad file costs: each file is read alone only after an error one file can hold, and not
 * past the first files when they all fail alone. Reads are counted as the source's {@code open} calls: one per attempt
 * of the pack, one per file read alone.
 */
class PackDivisionCostTest {
    @TempDir
    java.nio.file.Path dir;

    /** Source opens: the pack's attempts and the files read alone. */
    private final AtomicInteger opens = new AtomicInteger();

    /**
     * A sink that cannot be reached at commit fails the pack with an error that may pass: it is retried, but no file of
     * the pack is read alone at any attempt (before, each of the 3 attempts also read the 3 files alone: 12 opens).
     */
    @Test
    void aSinkOutageDoesNotReadThePacksFilesAgain() throws Exception {
        for (String f : List.of("a", "b", "c")) input(f + ".csv", "id,v\n1,10\n");
        Pipeline p = pipeline("", "{ parallelism: 1, retries: { max: 2, backoff: 10ms } }");
        List<SplitInfo> dead = run(p, true);
        assertThat(dead).singleElement().satisfies(s -> {
            assertThat(s.id()).startsWith("pack:a.csv+2:");
            assertThat(s.lastError()).contains("the sink's store cannot be reached");
        });
        assertThat(opens)
                .as("one read of the pack per attempt, none of a file alone")
                .hasValue(3);
    }

    /**
     * A value a step refuses with {@code error()} in every file of a pack: the pack stays whole, and its error names
     * the files that fail alone (before, it named none: only a conversion error was looked for file by file).
     */
    @Test
    void aPackWhoseFilesAllFailTheStepsAloneNamesThemInItsError() throws Exception {
        for (String f : List.of("a", "b", "c")) input(f + ".csv", "id,v\n1,10\n2,x" + f + "\n");
        Pipeline p = pipeline(REFUSING, "{ parallelism: 1 }");
        List<SplitInfo> dead = run(p, false);
        assertThat(dead)
                .singleElement()
                .satisfies(s -> assertThat(s.lastError())
                        .contains("Invalid Input Error: not a number: x")
                        .contains("all 3 files fail the steps alone (a.csv: ")
                        .contains("; b.csv: ")
                        .contains("; c.csv: "));
        assertThat(opens).as("the pack, then each file alone").hasValue(4);
    }

    /**
     * A value a step refuses in every one of 8 files: once the first 3 files checked all fail alone, the others are not
     * read (before, all 8 were read alone, to divide nothing), and the error says so.
     */
    @Test
    void aValueInEveryFileIsLookedForInTheFirstFilesOnly() throws Exception {
        for (int f = 0; f < 8; f++) input("f" + f + ".csv", "id,v\n1,10\n2,x" + f + "\n");
        Pipeline p = pipeline(REFUSING, "{ parallelism: 1 }");
        List<SplitInfo> dead = run(p, false);
        assertThat(dead)
                .singleElement()
                .satisfies(s -> assertThat(s.lastError())
                        .contains("the first 3 of its 8 files fail the steps alone (f0.csv: ")
                        .contains("; f2.csv: ")
                        .doesNotContain("f3.csv:")
                        .contains("the other 5 were not tried"));
        assertThat(opens).as("the pack, then its first 3 files alone").hasValue(4);
    }

    /** A step that refuses a value that is not a number with {@code error()} (an Invalid Input error). */
    private static final String REFUSING = """
            steps:
              - sql: >-
                  SELECT id, CASE WHEN v LIKE 'x%' THEN error('not a number: ' || v) ELSE v END AS v FROM input
            """;

    /** Runs the pipeline, counting the source's opens; with {@code sinkDown}, every commit fails as an outage does. */
    private List<SplitInfo> run(Pipeline p, boolean sinkDown) throws Exception {
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Source source = real.source();
            Source counting = proxy(Source.class, (proxy, m, args) -> {
                if (m.getName().equals("open")) opens.incrementAndGet();
                return call(source, m, args);
            });
            Sink sink = sinkDown ? down(real.sink()) : real.sink();
            Assembly a = new Assembly(p, counting, real.steps(), sink, real.ledger(), real.ledgerName());
            new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            return real.ledger().splits(EnumSet.of(SplitState.DEAD, SplitState.FAILED), 10);
        }
    }

    /** The sink, whose writers stage as usual and fail to commit with an error that may pass. */
    private static Sink down(Sink sink) {
        return proxy(Sink.class, (proxy, m, args) -> {
            Object result = call(sink, m, args);
            if (!m.getName().equals("open")) return result;
            return proxy(SinkWriter.class, (w, wm, wargs) -> {
                if (wm.getName().equals("commit")) throw new IOException("the sink's store cannot be reached");
                return call(result, wm, wargs);
            });
        });
    }

    /** A pipeline packing every file of {@code in/} into one split, with {@code steps} and the run options {@code run}. */
    private Pipeline pipeline(String steps, String run) throws Exception {
        return PipelineLoader.withSystemEnv().load(Files.writeString(dir.resolve("p.yaml"), """
                        pipeline: packed
                        source: { files: { path: in, pack: { max_files: 100 } } }
                        %ssink: { files: { path: out, format: csv } }
                        run: %s
                        """.formatted(steps, run)));
    }

    /** Writes an input file under {@code in/}, settled long ago. */
    private void input(String name, String content) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/" + name), content);
        Files.setLastModifiedTime(dir.resolve("in/" + name), FileTime.fromMillis(0));
    }
}
