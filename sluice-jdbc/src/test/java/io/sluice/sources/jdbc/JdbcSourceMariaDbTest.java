package io.sluice.sources.jdbc;

import static io.sluice.sources.jdbc.PipelineRun.count;
import static io.sluice.sources.jdbc.PipelineRun.distinct;
import static io.sluice.sources.jdbc.PipelineRun.perFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.TestMariaDb;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc source against a real MariaDB (Debian's mariadb-server, see {@link TestMariaDb}), with exact row counts. */
class JdbcSourceMariaDbTest {
    @TempDir
    Path dir;

    private TestDatabase db;

    /** A fresh database; {@link JdbcSourceMySqlDriverTest} reads it through MySQL's driver. */
    TestDatabase database() {
        return TestDatabase.mariaDb();
    }

    @BeforeEach
    void freshDatabase() {
        db = database();
    }

    private Path pipeline(Path folder, String password, String source) throws Exception {
        return PipelineRun.pipeline(folder, db.connection("maria", password), source);
    }

    private Path pipeline(Path folder, String source) throws Exception {
        return PipelineRun.pipeline(folder, db.connection("maria"), source);
    }

    @Test
    void aFullReadKeepsTypesNullsAndEmptyText() throws Exception {
        db.sql(
                """
                CREATE TABLE orders (id BIGINT PRIMARY KEY, qty INT, u INT UNSIGNED, price DECIMAL(12,2),
                  note TEXT, code VARCHAR(10), paid BOOLEAN, at TIMESTAMP(6) NULL, local_at DATETIME(6), day DATE,
                  score DOUBLE)""",
                """
                INSERT INTO orders VALUES
                  (1, 3, 4000000000, 12.50, 'a, "quoted"\\n note \\\\ back', '007', TRUE, '2026-01-02 01:04:05.123456',
                   '2026-01-02 03:04:05', '2026-01-02', 1.5e300),
                  (2, NULL, NULL, NULL, '', NULL, FALSE, NULL, NULL, NULL, NULL)""",
                "INSERT INTO orders (id, qty, note) SELECT seq, seq % 7, concat('row ', seq) FROM seq_3_to_1000");
        Path yaml = pipeline(dir, "{ connection: maria, table: orders, fetch_size: 100 }");
        assertThat(PipelineRun.run(yaml).summary().splitsDone()).isEqualTo(1);
        assertThat(count(dir, "true")).isEqualTo(1000L);
        assertThat(PipelineRun.rows(
                                dir.resolve("out"),
                                "SELECT typeof(id), typeof(qty), typeof(u), typeof(price), "
                                        + "typeof(note), typeof(paid), typeof(\"at\"), typeof(local_at), typeof(day), typeof(score) "
                                        + "FROM rows LIMIT 1")
                        .getFirst())
                .containsExactly(
                        "BIGINT",
                        "INTEGER",
                        "BIGINT",
                        "DECIMAL(12,2)",
                        "VARCHAR",
                        "BOOLEAN",
                        "TIMESTAMP WITH TIME ZONE",
                        "TIMESTAMP",
                        "DATE",
                        "DOUBLE");
        List<Object> one = PipelineRun.rows(dir.resolve("out"), "SELECT * FROM rows WHERE id = 1")
                .getFirst();
        assertThat(one.get(2)).isEqualTo(4_000_000_000L);
        assertThat((BigDecimal) one.get(3)).isEqualByComparingTo("12.50");
        assertThat(one.get(4)).isEqualTo("a, \"quoted\"\n note \\ back");
        assertThat(one.get(5)).isEqualTo("007");
        assertThat(one.get(6)).isEqualTo(true);
        assertThat(((OffsetDateTime) one.get(7)).toInstant())
                .isEqualTo(OffsetDateTime.parse("2026-01-02T01:04:05.123456Z").toInstant());
        assertThat(one.get(10)).isEqualTo(1.5e300);
        List<Object> two = PipelineRun.rows(dir.resolve("out"), "SELECT * FROM rows WHERE id = 2")
                .getFirst();
        assertThat(two.get(4)).as("the empty string stays empty").isEqualTo("");
        assertThat(two.get(5)).as("NULL stays NULL").isNull();
        assertThat(two.get(6)).isEqualTo(false);
        assertThat(PipelineRun.run(yaml).summary().splitsDone())
                .as("a full read happens once")
                .isZero();
    }

    /**
     * Every value comes out as the database holds it, whatever its bytes: text with quotes, separators, line breaks and
     * characters of one to four bytes in UTF-8 (the spool is written from the driver's bytes on MariaDB's driver), text
     * longer than the spool's buffer, NULL apart from the empty string, and each mapped type at its edges.
     */
    @Test
    void everyValueComesOutExactly() throws Exception {
        String odd = "say \"hi\", then\nnew line\r\nand é 日本 😀 \\ back\tend";
        String longText = "ab\"日😀,\n".repeat(40_000);
        db.sql(
                """
                CREATE TABLE exact (id INT PRIMARY KEY, t MEDIUMTEXT, v VARCHAR(20), c CHAR(4), b BOOLEAN, bit1 BIT(1),
                  d DECIMAL(20,6), big BIGINT, ubig BIGINT UNSIGNED, small TINYINT, f FLOAT, dbl DOUBLE,
                  dt DATETIME(6), ts TIMESTAMP(6) NULL, day DATE, tm TIME(3), e ENUM('x', 'y"z'), s SET('p', 'q'),
                  j JSON) DEFAULT CHARSET = utf8mb4""",
                ("INSERT INTO exact VALUES (1, ?, '', 'ü', TRUE, b'1', -12345678901234.123456, -9223372036854775808,"
                                + " 18446744073709551615, -128, -0.75, -2.5e-300, '2026-02-03 04:05:06.789012',"
                                + " '2026-02-03 04:05:06.5', '0001-01-01', '23:59:59.999', 'y\"z', 'p,q',"
                                + " '{\"k\": \"v\\\\\"\"}')")
                        .replace("?", "'" + odd.replace("\\", "\\\\") + "'"),
                "INSERT INTO exact (id) VALUES (2)",
                "INSERT INTO exact (id, t, v, c, b, bit1, d, big, small, dbl) VALUES"
                        + " (3, '\"', ',', '\"\"', FALSE, b'0', 0, 0, 0, 0), (4, '', '\"\"\"', '', NULL, NULL, 0.000001,"
                        + " 9223372036854775807, 127, 1e300), (5, ' lead and trail\t ', '\"a\"', ',', TRUE, b'1', NULL,"
                        + " NULL, NULL, NULL)",
                "INSERT INTO exact (id, t) VALUES (6, '" + longText + "')");
        Path yaml = pipeline(dir, "{ connection: maria, table: exact, fetch_size: 2 }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(6);
        List<List<Object>> rows = PipelineRun.rows(
                dir.resolve("out"),
                "SELECT id, t, v, c, b, bit1, d::VARCHAR, big, ubig::VARCHAR, small, f, dbl, dt::VARCHAR, ts::VARCHAR,"
                        + " day::VARCHAR, tm::VARCHAR, e, s, j FROM rows ORDER BY id");
        assertThat(rows.get(0))
                .containsExactly(
                        1,
                        odd,
                        "",
                        "ü",
                        true,
                        true,
                        "-12345678901234.123456",
                        Long.MIN_VALUE,
                        "18446744073709551615",
                        (short) -128,
                        -0.75,
                        -2.5e-300,
                        "2026-02-03 04:05:06.789012",
                        "2026-02-03 04:05:06.5+00",
                        "0001-01-01",
                        "23:59:59.999",
                        "y\"z",
                        "p,q",
                        "{\"k\": \"v\\\"\"}");
        assertThat(rows.get(1)).as("NULL everywhere").containsExactlyElementsOf(nulls(2, 18));
        assertThat(rows.get(2).subList(0, 10))
                .containsExactly(3, "\"", ",", "\"\"", false, false, "0.000000", 0L, null, (short) 0);
        assertThat(rows.get(3).subList(0, 12))
                .containsExactly(
                        4, "", "\"\"\"", "", null, null, "0.000001", Long.MAX_VALUE, null, (short) 127, null, 1e300);
        assertThat(rows.get(4).subList(0, 7)).containsExactly(5, " lead and trail\t ", "\"a\"", ",", true, true, null);
        assertThat(rows.get(5).subList(0, 3)).containsExactly(6, longText, null);
    }

    private static List<Object> nulls(int id, int n) {
        List<Object> row = new java.util.ArrayList<>(java.util.Collections.nCopies(n + 1, null));
        row.set(0, id);
        return row;
    }

    /** A YEAR is its number: the drivers call it a DATE, and every row of one was a bad record. */
    @Test
    void aYearIsReadAsItsNumber() throws Exception {
        db.sql("CREATE TABLE cars (id INT, built YEAR)", "INSERT INTO cars VALUES (1, 2024), (2, 1999), (3, NULL)");
        PipelineRun.Result r = PipelineRun.run(pipeline(dir, "{ connection: maria, table: cars }"));
        assertThat(r.summary().splitsDone()).isEqualTo(1);
        assertThat(PipelineRun.rows(dir.resolve("out"), "SELECT id, built, typeof(built) FROM rows ORDER BY id"))
                .containsExactly(
                        List.of(1, (short) 2024, "SMALLINT"),
                        List.of(2, (short) 1999, "SMALLINT"),
                        java.util.Arrays.asList(3, null, "SMALLINT"));
    }

    /**
     * A DECIMAL wider than the engine's is refused with a cast MariaDB runs and that keeps every integer digit: it was
     * {@code CAST(x AS numeric(38,s))}, PostgreSQL's, a syntax error in MariaDB, and with MariaDB's DECIMAL it kept the
     * scale, leaving {@code DECIMAL(65,30)} 8 integer digits: a larger value was read as 99999999.99... (MariaDB clamps
     * it with a warning). Integer digits beyond the engine's 38 are read as text.
     */
    @Test
    void aWideDecimalIsRefusedWithACastThatReadsIt() throws Exception {
        db.sql(
                "CREATE TABLE ledger (id INT, amount DECIMAL(65,30), huge DECIMAL(65,0))",
                "INSERT INTO ledger VALUES (1, 123456789012345678901234567890.5, 1e60)");
        assertThatThrownBy(() -> PipelineRun.run(pipeline(dir, "{ connection: maria, table: ledger }")))
                .hasStackTraceContaining("`CAST(amount AS DECIMAL(38,3)) AS amount`")
                .hasStackTraceContaining("`CAST(huge AS CHAR) AS huge`");
        PipelineRun.Result r = PipelineRun.run(pipeline(
                dir,
                "{ connection: maria, table: ledger, columns: [id, 'CAST(amount AS DECIMAL(38,3)) AS amount', "
                        + "'CAST(huge AS CHAR) AS huge'] }"));
        assertThat(r.summary().rowsOut()).isEqualTo(1);
        assertThat(PipelineRun.rows(dir.resolve("out"), "SELECT amount::VARCHAR, huge FROM rows")
                        .getFirst())
                .containsExactly("123456789012345678901234567890.500", "1" + "0".repeat(60));
    }

    @Test
    void partitionsOfASkewedKeyAreBalanced() throws Exception {
        db.sql(
                "CREATE TABLE ev (id BIGINT, v INT)",
                "INSERT INTO ev SELECT seq, seq FROM seq_1_to_9000",
                "INSERT INTO ev SELECT seq * 1000000, seq FROM seq_1_to_1000",
                "INSERT INTO ev SELECT NULL, seq FROM seq_1_to_5");
        PipelineRun.Result r =
                PipelineRun.run(pipeline(dir, "{ connection: maria, table: ev, partition: { column: id, count: 4 } }"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(count(dir, "true")).isEqualTo(10_005L);
        assertThat(distinct(dir, "id")).isEqualTo(10_000L);
        assertThat(perFile(dir)).hasSize(4).allSatisfy(n -> assertThat(n).isBetween(2_400L, 2_600L));
    }

    /**
     * Text keys, some of which look like numbers, are cut and compared as text. A bound that looked like a number
     * was written as one ({@code k <= 99}), which MariaDB compares as numbers ('x5' as 0), in another order than the
     * column's: ranges cut in the column's order overlapped, and rows were read twice.
     */
    @Test
    void textKeysThatLookLikeNumbersAreCutAsText() throws Exception {
        db.sql(
                "CREATE TABLE t (k VARCHAR(20) PRIMARY KEY, at DATETIME(6))",
                "INSERT INTO t SELECT seq, '2026-01-01 00:00:00' FROM seq_1_to_100",
                "INSERT INTO t SELECT concat('a', seq), '2026-01-01 00:00:00' FROM seq_1_to_100",
                "INSERT INTO t SELECT concat('x', seq), '2026-01-01 00:00:00' FROM seq_1_to_100");
        // a query's ranges come from one NTILE, a table's are found one after the other: both
        for (String source : List.of("query: 'SELECT k FROM t'", "table: t")) {
            Path folder = dir.resolve(source.substring(0, 5));
            PipelineRun.Result r = PipelineRun.run(
                    pipeline(folder, "{ connection: maria, " + source + ", partition: { column: k, count: 3 } }"));
            assertThat(r.summary().splitsDone()).as(source).isEqualTo(3);
            assertThat(count(folder, "true")).as(source).isEqualTo(300L);
            assertThat(distinct(folder, "k")).as(source).isEqualTo(300L);
        }
        Path ties = dir.resolve("ties");
        PipelineRun.Result t = PipelineRun.run(pipeline(
                ties,
                "{ connection: maria, table: t, "
                        + "incremental: { column: at, tie_breaker: k, lag: 1s, rows_per_split: 40 } }"));
        assertThat(t.summary().splitsDone()).isEqualTo(8);
        assertThat(count(ties, "true")).isEqualTo(300L);
        assertThat(distinct(ties, "k")).isEqualTo(300L);
    }

    /** A reserved word ({@code order}) or a name with a space is the column it names, plain or quoted. */
    @Test
    void reservedAndOddColumnNamesArePartitionAndCursorColumns() throws Exception {
        db.sql(
                "CREATE TABLE t (`order` INT, `updated at` DATETIME(6))",
                "INSERT INTO t SELECT seq, '2026-01-01 00:00:00' + INTERVAL (seq DIV 10) HOUR FROM seq_1_to_100");
        for (String column : List.of("order", "'`order`'")) {
            Path folder = dir.resolve("p" + Math.abs(column.hashCode()));
            PipelineRun.Result r = PipelineRun.run(pipeline(
                    folder, "{ connection: maria, table: t, partition: { column: " + column + ", count: 4 } }"));
            assertThat(r.summary().splitsDone()).as(column).isEqualTo(4);
            assertThat(distinct(folder, "\"order\"")).as(column).isEqualTo(100L);
        }
        Path incremental = dir.resolve("incremental");
        PipelineRun.Result r = PipelineRun.run(pipeline(
                incremental,
                "{ connection: maria, table: t, incremental: { column: updated at, tie_breaker: order, lag: 1s, "
                        + "rows_per_split: 30 } }"));
        assertThat(r.summary().splitsDone()).isEqualTo(4);
        assertThat(distinct(incremental, "\"order\"")).isEqualTo(100L);
    }

    @Test
    void incrementalReadsEqualTimestampsOnceAndALateTransactionWithinLag() throws Exception {
        db.sql(
                "CREATE TABLE ev (id INT PRIMARY KEY, updated_at DATETIME(6), v VARCHAR(20))",
                "INSERT INTO ev SELECT seq, '2026-01-01 00:00:00', 'a' FROM seq_1_to_500",
                "INSERT INTO ev VALUES (900, NULL, 'no cursor')");
        Path yaml = pipeline(
                dir,
                "{ connection: maria, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 15s, nulls: skip } }");
        // a run in this JVM first, so that the run below plans well within lag of the late transaction's write
        PipelineRun.run(pipeline(dir.resolve("warm-up"), "{ connection: maria, query: \"SELECT 1 AS one\" }"));
        try (Connection late = db.connect()) {
            try (Statement s = late.createStatement()) {
                s.execute("START TRANSACTION");
                s.execute("INSERT INTO ev VALUES (1000, NOW(6), 'late')");
            }
            PipelineRun.Result first = PipelineRun.run(yaml);
            assertThat(first.summary().rowsOut())
                    .as("the open transaction's row is invisible")
                    .isEqualTo(500);
            assertThat(first.notices()).anySatisfy(n -> assertThat(n).contains("1 row(s) with a NULL updated_at"));
            try (Statement s = late.createStatement()) {
                s.execute("COMMIT");
            }
        }
        db.sql(
                "INSERT INTO ev SELECT seq, NOW(6), 'b' FROM seq_501_to_800",
                "UPDATE ev SET updated_at = NOW(6) WHERE id = 7");
        db.waitUntil("SELECT NOW(6) - INTERVAL 15 SECOND > (SELECT max(updated_at) FROM ev)");
        long second = PipelineRun.run(yaml).summary().rowsOut();
        assertThat(count(dir, "id = 1000")).as("the late transaction's row").isEqualTo(1L);
        assertThat(count(dir, "id = 7")).as("a change is read again").isEqualTo(2L);
        assertThat(second).isEqualTo(302);
        assertThat(PipelineRun.run(yaml).summary().splitsDone()).isZero();
        assertThat(count(dir, "true")).isEqualTo(802L);
        assertThat(count(dir, "id = 900")).isZero();
    }

    /**
     * A unique tie breaker may hold NULLs, which MariaDB orders first. A cut among rows of one timestamp compared
     * {@code id <= 1} on one side and {@code id > 1} on the other: a NULL id is neither, so no split read those rows.
     */
    @Test
    void rowsPerSplitReadsRowsWithANullTieBreakerAtACut() throws Exception {
        db.sql(
                "CREATE TABLE ev (id INT UNIQUE, updated_at DATETIME(6))",
                "INSERT INTO ev SELECT seq, '2026-01-01 00:00:00' FROM seq_1_to_10",
                "INSERT INTO ev SELECT NULL, '2026-01-01 00:00:00' FROM seq_1_to_3");
        PipelineRun.readsTheRowsOfOneTimestampOnceInSplitsOfFour(dir, db.connection("maria"), "maria");
    }

    /** A DATETIME written with a local clock (sessions five hours behind UTC) is bounded by that zone's clock. */
    @Test
    void aDateTimeWrittenInAnotherZoneIsBoundedByTheClockOfThatZone() throws Exception {
        db.sql("CREATE TABLE ev (id INT PRIMARY KEY, updated_at DATETIME(6), at TIMESTAMP(6) NULL)");
        String newYork = "SET time_zone = '-05:00'"; // New York in December, without the server's zone tables
        Path yaml = pipeline(
                dir,
                "{ connection: maria, table: ev, incremental: { column: updated_at, tie_breaker: id, lag: 1s, "
                        + "time_zone: America/New_York } }");
        db.sql(newYork, "INSERT INTO ev SELECT seq, NOW(6), NOW(6) FROM seq_1_to_10");
        db.waitUntil("SELECT NOW(6) - INTERVAL 1 SECOND > (SELECT max(at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        db.sql(newYork, "INSERT INTO ev SELECT seq, NOW(6), NOW(6) FROM seq_11_to_20");
        db.waitUntil("SELECT NOW(6) - INTERVAL 1 SECOND > (SELECT max(at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        assertThat(count(dir, "true")).isEqualTo(20L);
        assertThat(distinct(dir, "id")).isEqualTo(20L);
    }

    @Test
    void aWrongPasswordIsNamedButNeverShown() throws Exception {
        db.sql("CREATE TABLE t (id INT)");
        Path yaml = pipeline(dir, "wrong-pw-4711", "{ connection: maria, table: t }");
        assertThatThrownBy(() -> PipelineRun.run(yaml))
                .as("the connection's options are wrong: an invalid pipeline, at the option")
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining("source.jdbc.connection: ")
                .hasStackTraceContaining("authentication failed for user sluice")
                .hasStackTraceContaining("connection 'maria'")
                .satisfies(e -> assertThat(JdbcSourcePostgresTest.stackTrace(e)).doesNotContain("wrong-pw-4711"));
    }

    /**
     * MariaDB refuses a derived table with two columns of one name (in any case): its "Duplicate column name 'id'" now
     * says what to do.
     */
    @Test
    void twoColumnsOfOneNameAreRefusedUntilNamed() throws Exception {
        PipelineRun.twoColumnsOfOneNameAreRefusedUntilNamed(dir, db, "maria", "`");
    }

    @Test
    void aMissingColumnSaysWhatIsNear() throws Exception {
        db.sql("CREATE TABLE orders (id INT, amount INT)");
        assertThatThrownBy(() ->
                        PipelineRun.run(pipeline(dir, "{ connection: maria, table: orders, columns: [id, amout] }")))
                .hasStackTraceContaining("did you mean 'amount'?");
        assertThatThrownBy(() -> PipelineRun.run(pipeline(dir, "{ connection: maria, table: ordrs }")))
                .hasStackTraceContaining("did you mean 'orders'?");
    }

    /**
     * A zero date and a TIME beyond a day, which MariaDB keeps (a server without strict mode) and the engine cannot
     * read, fail the split naming the column and the value; the advice is what works for a database's row, a
     * {@code NULLIF} or a cast in {@code columns:} or {@code query:}, not "fix the file" (there is none). Selected so, the
     * rows are read.
     */
    @Test
    void aZeroDateOrALongTimeFailsTheSplitWithTheSelectThatReadsIt() throws Exception {
        db.sql(
                "SET SESSION sql_mode = ''",
                "CREATE TABLE legacy (id INT PRIMARY KEY, day DATE, span TIME)",
                "INSERT INTO legacy VALUES (1, '2026-01-02', '01:00:00'), (2, '0000-00-00', '01:00:00'), "
                        + "(3, '2026-01-03', '-838:59:59')");
        Path days = pipeline(dir.resolve("days"), "{ connection: maria, table: legacy, columns: [id, day] }");
        assertThat(PipelineRun.run(days).summary().dead()).isEqualTo(1);
        assertThat(PipelineRun.lastError(days))
                .contains("column \"day\". Could not convert string \"0000-00-00\" to 'DATE'")
                .contains("it is a row of the database, not a file: select the column so that its value can be read, "
                        + "in the source's columns: or query:")
                .contains("NULLIF")
                .doesNotContain("fix the file");
        Path spans = pipeline(dir.resolve("spans"), "{ connection: maria, table: legacy, columns: [id, span] }");
        assertThat(PipelineRun.run(spans).summary().dead()).isEqualTo(1);
        assertThat(PipelineRun.lastError(spans))
                // MySQL's driver (JdbcSourceMySqlDriverTest) prints -838:59:59 as -794:59:59: refused as well
                .containsPattern("column \"span\"\\. Could not convert string \"-(838|794):59:59\" to 'TIME'")
                .contains("TIME_TO_SEC(span) AS span")
                .doesNotContain("fix the file");

        Path selected = pipeline(
                dir.resolve("selected"),
                "{ connection: maria, table: legacy, columns: [id, \"NULLIF(day, '0000-00-00') AS day\", "
                        + "\"TIME_TO_SEC(span) AS span\"] }");
        assertThat(PipelineRun.run(selected).summary().rowsOut()).isEqualTo(3);
        assertThat(count(dir.resolve("selected"), "day IS NULL")).isEqualTo(1L);
        assertThat(count(dir.resolve("selected"), "span = -3020399")).isEqualTo(1L);
    }
}
