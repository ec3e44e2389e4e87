package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.DuckRows;
import io.sluice.testkit.TestMariaDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast a split's rows get into MariaDB's staging table ({@link MariaDbDialect#stage}): {@code LOAD DATA LOCAL
 * INFILE} streamed from the rows (MariaDB's driver with {@code allowLocalInfile}, its default) against batched
 * multi-row INSERTs (the same driver with {@code allowLocalInfile=false}), on 1,000,000 rows of five columns. A
 * measurement, not a check: run with {@code -Dsluice.bench=true}; the numbers are in docs/sinks/jdbc.md.
 */
@EnabledIfSystemProperty(named = "sluice.bench", matches = "true")
class MariaDbStagingBench {
    private static final int ROWS = 1_000_000;

    /** The attempt's scratch folder a stage is given (MariaDB's streams its rows and writes nothing there). */
    @TempDir
    static Path scratch;

    private static final String QUERY = "SELECT i AS id, 'name ' || i AS name, i * 1.25 AS amount, "
            + "TIMESTAMP '2026-01-01' + to_seconds(i) AS at, i % 2 = 0 AS even FROM range(" + ROWS + ") t(i)";

    @Test
    void loadDataLocalInfileAgainstMultiRowInserts() throws Exception {
        TestMariaDb server = TestMariaDb.shared();
        String url = server.url(server.freshDatabase());
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            for (int round = 0; round < 2; round++) { // the first round warms up
                long load = stage(duck, url + "?allowLocalInfile=true");
                long insert = stage(duck, url + "?allowLocalInfile=false");
                System.out.printf(
                        "round %d, %d rows: LOAD DATA LOCAL INFILE %d ms, multi-row INSERT (%d rows each) %d ms%n",
                        round, ROWS, load, MariaDbDialect.ROWS_PER_INSERT, insert);
            }
        }
    }

    /** Milliseconds to stage the rows and commit. */
    private static long stage(Connection duck, String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestMariaDb.USER, TestMariaDb.PASSWORD)) {
            c.setAutoCommit(false);
            DuckRows rows = new DuckRows(duck, QUERY);
            long start = System.nanoTime();
            long staged = new MariaDbDialect().stage(c, "staging", rows.columns(), rows, scratch);
            c.commit();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(staged).isEqualTo(ROWS);
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT count(*), sum(even = '1') FROM staging")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(ROWS);
                assertThat(r.getLong(2)).isEqualTo(ROWS / 2);
            }
            return millis;
        }
    }
}
