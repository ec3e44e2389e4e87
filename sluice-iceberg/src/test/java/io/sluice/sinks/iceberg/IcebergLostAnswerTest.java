package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.jdbc.UncheckedSQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A commit whose snapshot landed in the catalog but whose answer was lost ({@link AnswerLosingCatalog}: Iceberg's JDBC
 * catalog on SQLite that commits, then throws): whatever the catalog says (commit failed, state unknown, a dropped
 * connection, an interrupted thread), the sink never deletes the data files the committed snapshot lists, and the
 * split's next attempt finds it committed: its rows are in the table once, readable. The same through the REST
 * protocol, the server answering 5xx after its commit.
 */
class IcebergLostAnswerTest {
    @TempDir
    Path dir;

    private Lake lake;
    private Connection duck;
    private final MemoryLedger ledger = MemoryLedger.open("iceberg-lost-answer", Clock.systemUTC());

    @BeforeEach
    void open() throws Exception {
        Path warehouse = dir.resolve("lake/warehouse");
        Files.createDirectories(warehouse);
        lake = Lake.withCatalog(
                dir,
                "{ catalog-impl: " + AnswerLosingCatalog.class.getName() + ", uri: \"jdbc:sqlite:"
                        + dir.resolve("lake/catalog.db") + "\", warehouse: \"" + warehouse
                        + "\", jdbc.schema-version: V1 }");
        duck = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws Exception {
        AnswerLosingCatalog.loseNextAnswer(null);
        Thread.interrupted();
        duck.close();
    }

    static Stream<Arguments> lostAnswers() {
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("append", "overwrite")) {
            out.add(Arguments.of(mode, "commit failed", (Supplier<RuntimeException>)
                    () -> new CommitFailedException("the table's version changed (a catalog that got it wrong)")));
            out.add(Arguments.of(mode, "state unknown", (Supplier<RuntimeException>)
                    () -> new CommitStateUnknownException(new RuntimeException("504 Gateway Timeout"))));
            out.add(Arguments.of(mode, "connection timed out", (Supplier<RuntimeException>) () ->
                    new UncheckedSQLException(new SQLTimeoutException("timed out"), "Database Connection timeout")));
            out.add(Arguments.of(mode, "interrupted", (Supplier<RuntimeException>) () -> {
                Thread.currentThread().interrupt();
                return new RuntimeException("Interrupted during commit", new InterruptedException());
            }));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("lostAnswers")
    void aCommitThatLandedKeepsItsFilesWhateverTheCatalogAnswered(
            String mode, String what, Supplier<RuntimeException> answer) throws Exception {
        assertLandsOnce(lake, mode, () -> AnswerLosingCatalog.loseNextAnswer(answer), AnswerLosingCatalog::answerLost);
    }

    /**
     * Through the REST protocol ({@link RestCatalogServer}, a stand-in: no REST catalog service runs here): the server
     * commits, then answers with an error, as a gateway that timed out or a server that failed after its write.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("statuses")
    void aRestCommitThatLandedKeepsItsFilesWhateverTheServerAnswered(String mode, int status) throws Exception {
        try (RestCatalogServer server =
                new RestCatalogServer(dir, dir.resolve("lake/warehouse").toString())) {
            assertLandsOnce(
                    Lake.rest(dir, server.uri()),
                    mode,
                    () -> server.loseNextCommitAnswer(status),
                    server::commitAnswerLost);
        }
    }

    static Stream<Arguments> statuses() {
        return Stream.of("append", "overwrite")
                .flatMap(mode -> Stream.of(500, 502, 503, 504).map(status -> Arguments.of(mode, status)));
    }

    /** A split's commit lands with its answer lost, then the split runs again: its rows are in the table once. */
    private void assertLandsOnce(Lake lake, String mode, Runnable loseNextAnswer, BooleanSupplier lost)
            throws Exception {
        Sink sink = prepared(lake.sink("db.events", mode, null));
        write(sink, "a.csv", 1); // the table exists: the next commit is a new version of it
        loseNextAnswer.run();
        try {
            write(sink, "b.csv", 1);
        } catch (Exception e) {
            // the attempt may fail (the engine runs the split again); it must not take back what landed
        }
        Thread.interrupted();
        assertThat(lost.getAsBoolean())
                .as("the commit of b.csv landed and its answer was lost")
                .isTrue();
        assertEveryListedFileExists(lake);

        write(prepared(lake.sink("db.events", mode, null)), "b.csv", 2); // the engine's next attempt
        assertThat(lake.rows("db.events", "tag").stream().filter("b.csv"::equals))
                .as("b.csv's rows, once")
                .hasSize(4);
        assertEveryListedFileExists(lake);
    }

    /** Every data file of every snapshot is where the snapshot says (a reader at any version finds its files). */
    private static void assertEveryListedFileExists(Lake lake) {
        Table t = lake.table("db.events");
        for (Snapshot s : t.snapshots()) {
            for (DataFile f : s.addedDataFiles(t.io())) {
                assertThat(LocalFileIO.path(f.location()))
                        .as(
                                "a data file of snapshot %s (split %s)",
                                s.snapshotId(), s.summary().get(IcebergSink.SPLIT))
                        .exists();
            }
        }
    }

    private static Sink prepared(Sink sink) throws Exception {
        sink.check();
        sink.prepare();
        return sink;
    }

    private void write(Sink sink, String id, long token) throws Exception {
        Split split = new Split(
                id, List.of(Member.whole(id, "v1", null)), 10, null, new OutputKey(id, "v1", 0, Member.WHOLE));
        SplitCommit claim = new SplitCommit(
                () -> {}, () -> true, "inc-1", 1, token, new LedgerLocks(ledger, "w" + token, Duration.ofSeconds(30)));
        try (SinkWriter w = sink.open(split, new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
            w.stage(new DuckRows(duck, "SELECT '" + id + "' AS tag, i::BIGINT AS n FROM range(4) t(i)"), BadRows.NONE);
            w.commit(claim);
        }
    }
}
