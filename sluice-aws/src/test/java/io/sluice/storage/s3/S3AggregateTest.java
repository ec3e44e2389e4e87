package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.ColumnCheck;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.testkit.storage.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate step writing to a bucket of a real S3 server (S3Proxy): each split's partial, their compaction and the
 * totals are objects under the sink's prefix, and the totals are those of one query over all the input, counted once,
 * across runs, a compaction, a split replayed after a crash between its commit and its record, and a reset that
 * replays every split.
 */
class S3AggregateTest {
    /** The bucket and profiles of {@link S3ObjectStoreTest}, which makes them; a prefix per test. */
    private static final S3ProxyServer SERVER = S3ObjectStoreTest.SERVER;

    private static final String BUCKET = S3ObjectStoreTest.BUCKET;

    @TempDir
    Path dir;

    private String url;
    private ObjectStore bucket;
    private Connection duck;

    @BeforeEach
    void open() throws Exception {
        url = "s3://" + BUCKET + "/" + UUID.randomUUID() + "/";
        bucket = S3ObjectStoreTest.open(SERVER, url, Map.of());
        Files.createDirectories(dir.resolve("in"));
        duck = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws Exception {
        duck.close();
        bucket.close();
    }

    private Path pipeline(String emit) throws IOException {
        Path file = dir.resolve("usage.yaml");
        Files.writeString(file, """
                pipeline: usage
                source: { files: { path: in, include: "*.csv", settle: 0s, on_change: ignore, pack: { max_files: 1 } } }
                steps:
                  - aggregate:
                      group_by: [consumer]
                      measures: { total: sum(amount), lines: count(*), users: count_distinct(who) }
                      emit: %s
                sink:
                  files: { path: "%s", format: parquet, s3: { endpoint: "%s", region: %s, path_style: true, profile: sluice-kit } }
                run: { parallelism: 2, retries: { backoff: 10ms } }
                """.formatted(emit, url, SERVER.endpoint(), S3ProxyServer.REGION));
        return file;
    }

    /**
     * Input files {@code in/f<from>.csv} to {@code in/f<to - 1>.csv}; each a few consumers, amounts and users, drawn
     * from its number and the consumers (other consumers: other content).
     */
    private void inputs(int from, int to, String... consumers) throws IOException {
        for (int f = from; f < to; f++) {
            Random r = new Random(java.util.Objects.hash(f, List.of(consumers)));
            StringBuilder csv = new StringBuilder("consumer,amount,who\n");
            for (int i = 0; i < 40; i++) {
                csv.append(consumers[r.nextInt(consumers.length)])
                        .append(',')
                        .append(r.nextInt(1_000_000))
                        .append(",u")
                        .append(r.nextInt(30))
                        .append('\n');
            }
            Files.writeString(dir.resolve("in/f" + f + ".csv"), csv);
        }
    }

    private static RunSummary run(Path file, UnaryOperator<Sink> wrap) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(file);
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            Assembly run = new Assembly(p, a.source(), a.steps(), wrap.apply(a.sink()), a.ledger(), a.ledgerName());
            return new LocalRunner(run, Clock.systemUTC(), "test", new RunListener() {
                        @Override
                        public void info(String m) {
                            System.err.println("INFO " + m);
                        }
                    })
                    .run();
        }
    }

    private static RunSummary run(Path file) throws Exception {
        return run(file, UnaryOperator.identity());
    }

    /** One query over every input file. */
    private List<String> oracle(String where) throws Exception {
        return rows("SELECT consumer, sum(amount), count(*), count(DISTINCT who) FROM read_csv('" + dir.resolve("in")
                + "/*.csv') " + where + " GROUP BY ALL ORDER BY ALL");
    }

    /** The rows of the sink's objects whose names start with {@code name}, downloaded. */
    private List<String> output(String name) throws Exception {
        List<Path> files = new ArrayList<>();
        for (StoredObject o : keys("")) {
            if (!o.key().startsWith(name) || !o.key().endsWith(".parquet")) continue;
            Path local = dir.resolve("download-" + files.size() + ".parquet");
            try (InputStream in = bucket.read(o.key(), null, 0, -1)) {
                Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            files.add(local);
        }
        if (files.isEmpty()) return List.of();
        return rows("SELECT consumer, total, lines, users FROM read_parquet(" + io.sluice.spi.Sql.pathList(files)
                + ") ORDER BY ALL");
    }

    private List<StoredObject> keys(String prefix) throws IOException {
        try (Stream<StoredObject> s = bucket.list(prefix, null)) {
            return s.toList();
        }
    }

    private List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = duck.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            while (r.next())
                out.add(r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getString(4));
        }
        return out;
    }

    @Test
    void totalsOnABucketStayExactAcrossRunsACompactionAndAReset() throws Exception {
        Path file = pipeline("totals");
        inputs(0, 20, "alice", "bob", "carol", "dave");
        assertThat(run(file).splitsDone()).isEqualTo(20);
        assertThat(output("totals")).isEqualTo(oracle("")).hasSize(4);
        assertThat(keys("_sluice/partials/compacted/"))
                .as("20 partials waited: compacted into one file with its manifest")
                .anyMatch(o -> o.key().matches(".*/c-\\d{12}-[0-9a-f]{8}\\.json"))
                .anyMatch(o -> o.key().matches(".*/c-\\d{12}-[0-9a-f]{8}\\.parquet"));
        assertThat(keys("_sluice/partials/part-"))
                .as("the partials folded were removed")
                .isEmpty();

        inputs(20, 25, "alice", "erin");
        assertThat(run(file).splitsDone()).isEqualTo(5);
        assertThat(output("totals")).isEqualTo(oracle("")).hasSize(5);

        // a reset forgets every split: each runs again and replaces its partial, over files that changed meanwhile;
        // the compacted partials, made of the completions the reset forgot, no longer count
        inputs(0, 10, "alice", "frank");
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(file);
        try (var ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        assertThat(run(file).splitsDone()).isEqualTo(25);
        assertThat(output("totals")).isEqualTo(oracle(""));
    }

    @Test
    void aSplitCommittedThenCrashedBeforeItsRecordRunsAgainAndCountsOnce() throws Exception {
        Path file = pipeline("totals");
        inputs(0, 6, "alice", "bob", "carol");
        AtomicReference<String> crashed = new AtomicReference<>();
        RunSummary summary = run(file, sink -> new CrashAfterFirstPartial(sink, crashed));
        assertThat(crashed.get())
                .as("one split crashed after its partial was committed")
                .isNotNull();
        assertThat(summary.attemptsFailed()).isEqualTo(1);
        assertThat(summary.splitsDone()).isEqualTo(6);
        assertThat(keys("_sluice/partials/part-"))
                .as("one partial per split: the replay replaced the crashed attempt's")
                .hasSize(6);
        assertThat(output("totals")).isEqualTo(oracle(""));
    }

    @Test
    void changesOnABucketHoldOnlyTheGroupsThatChanged() throws Exception {
        Path file = pipeline("changes");
        inputs(0, 4, "alice", "bob", "carol");
        run(file);
        assertThat(output("changes-")).isEqualTo(oracle(""));
        assertThat(keys("_sluice/merged.parquet"))
                .as("the merge kept to compare with")
                .hasSize(1);
        List<String> first = keys("changes-").stream().map(StoredObject::key).toList();

        inputs(4, 6, "bob");
        run(file);
        List<String> added = new ArrayList<>();
        for (StoredObject o : keys("changes-")) if (!first.contains(o.key())) added.add(o.key());
        assertThat(added).hasSize(1);
        assertThat(output(added.getFirst())).isEqualTo(oracle("WHERE consumer = 'bob'"));
    }

    /**
     * The files sink, but the process "dies" right after the first split's partial is committed: the split's attempt
     * fails before the ledger records it done, as after a kill, and the split runs again.
     */
    private record CrashAfterFirstPartial(Sink sink, AtomicReference<String> crashed) implements Sink, PartialResults {
        private PartialResults partials() {
            return sink.partialResults().orElseThrow();
        }

        @Override
        public void check() throws Exception {
            sink.check();
        }

        @Override
        public void prepare() throws Exception {
            sink.prepare();
        }

        @Override
        public Optional<ColumnCheck> columnCheck() {
            return sink.columnCheck();
        }

        @Override
        public SinkWriter open(Split split, WriteContext context) throws Exception {
            return sink.open(split, context);
        }

        @Override
        public void discard(Split split, CommitContext context) throws Exception {
            sink.discard(split, context);
        }

        @Override
        public List<String> listOutput() throws Exception {
            return sink.listOutput();
        }

        @Override
        public List<String> deleteOutput() throws Exception {
            return sink.deleteOutput();
        }

        @Override
        public Optional<PartialResults> partialResults() {
            return Optional.of(this);
        }

        @Override
        public SinkWriter openPartial(Split split, WriteContext context) throws Exception {
            SinkWriter writer = partials().openPartial(split, context);
            return new SinkWriter() {
                @Override
                public long stage(Rows rows, BadRows bad) throws Exception {
                    return writer.stage(rows, bad);
                }

                @Override
                public Written commit(CommitContext context) throws Exception {
                    Written written = writer.commit(context);
                    if (crashed.compareAndSet(null, split.id())) {
                        throw new IOException("killed after the partial of " + split.id() + " was committed");
                    }
                    return written;
                }

                @Override
                public void abort() throws Exception {
                    writer.abort();
                }

                @Override
                public void close() throws Exception {
                    writer.close();
                }
            };
        }

        @Override
        public Optional<List<Path>> read(DoneSplits done, Path scratch) throws Exception {
            return partials().read(done, scratch);
        }

        @Override
        public int compact(DoneSplits done, Fold fold, int atLeast, OutputLocks locks, Path scratch) throws Exception {
            return partials().compact(done, fold, atLeast, locks, scratch);
        }

        @Override
        public Began mergeBegins() throws Exception {
            return partials().mergeBegins();
        }

        @Override
        public Optional<Path> lastMerged(Path scratch) throws Exception {
            return partials().lastMerged(scratch);
        }

        @Override
        public Written replaceMerged(Rows merged, Optional<Rows> changes, OutputLocks.Held lock, Began began)
                throws Exception {
            return partials().replaceMerged(merged, changes, lock, began);
        }
    }
}
