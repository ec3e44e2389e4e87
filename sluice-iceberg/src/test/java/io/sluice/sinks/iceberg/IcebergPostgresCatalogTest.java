package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Iceberg's JDBC catalog on a real PostgreSQL server (started by the test on a random loopback port), as workers on
 * several machines share it: writers, each with its own catalog, race on one table, every split also committed by a
 * takeover with a newer token; each split lands once, in one snapshot, read back with Iceberg's own reader.
 */
class IcebergPostgresCatalogTest {
    private static EmbeddedPostgres server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private String uri() {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres";
    }

    private Sink sink() {
        return new Lake(dir)
                .sink(
                        "table: lake.events\ncatalog: { type: jdbc, uri: \"" + uri()
                                + "\", jdbc.user: postgres, warehouse: lake/warehouse }\n",
                        "pg");
    }

    @Test
    void writersOnOnePostgresCatalogAddEverySplitOnce() throws Exception {
        MemoryLedger ledger = MemoryLedger.open("pg", Clock.systemUTC());
        int writers = 3;
        int splits = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int worker = w;
                done.add(pool.submit(() -> {
                    Sink own = sink();
                    own.check();
                    own.prepare();
                    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
                        for (int s = 0; s < splits; s++) {
                            boolean owner = s % writers == worker;
                            boolean taker = (s + 1) % writers == worker;
                            if (!owner && !taker) continue;
                            String id = "s" + s;
                            long token = owner ? 1 : 2;
                            try (SinkWriter writer = own.open(
                                    new Split(id, List.of(Member.whole(id, "v1", null)), 10),
                                    new WriteContext(Files.createTempDirectory(dir, "scratch-")))) {
                                writer.stage(
                                        new DuckRows(
                                                duck,
                                                "SELECT '" + id + "' AS tag, i AS n FROM range(" + (5 + s) + ") t(i)"),
                                        BadRows.NONE);
                                writer.commit(new SplitCommit(
                                        () -> {},
                                        () -> true,
                                        "inc",
                                        1,
                                        token,
                                        new LedgerLocks(ledger, "w" + worker, Duration.ofSeconds(30))));
                            } catch (StaleClaimException stale) {
                                // the owner lost to the takeover
                            }
                        }
                    } finally {
                        own.finish();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        Catalog reader = CatalogUtil.buildIcebergCatalog(
                "sluice",
                Map.of(
                        "type",
                        "jdbc",
                        CatalogProperties.URI,
                        uri(),
                        "jdbc.user",
                        "postgres",
                        CatalogProperties.WAREHOUSE_LOCATION,
                        new Lake(dir).warehouse().toString(),
                        CatalogProperties.FILE_IO_IMPL,
                        LocalFileIO.class.getName()),
                null);
        Table t = reader.loadTable(TableIdentifier.parse("lake.events"));
        Map<String, Long> perSplit = new java.util.TreeMap<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
            for (Record r : rows) perSplit.merge((String) r.getField("tag"), 1L, Long::sum);
        }
        Map<String, Long> expected = new java.util.TreeMap<>();
        for (int s = 0; s < splits; s++) expected.put("s" + s, 5L + s);
        assertThat(perSplit).isEqualTo(expected);
        List<String> snapshotSplits = new ArrayList<>();
        t.snapshots().forEach(s -> snapshotSplits.add(s.summary().get(IcebergSink.SPLIT)));
        assertThat(snapshotSplits).as("one snapshot per split").hasSize(splits).doesNotHaveDuplicates();
        ((java.io.Closeable) reader).close();
    }
}
