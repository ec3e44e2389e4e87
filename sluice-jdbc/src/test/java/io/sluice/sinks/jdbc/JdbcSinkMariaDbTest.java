package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.Written;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jdbc sink on a real MariaDB (Debian's mariadb-server, {@link io.sluice.testkit.TestMariaDb}) through MariaDB's
 * driver: the cases of {@link JdbcSinkTest} that differ by database (modes, fencing, refused rows, the table it
 * creates, schema changes). {@link JdbcSinkMySqlDriverTest} runs them again through MySQL's driver.
 */
class JdbcSinkMariaDbTest {
    @TempDir
    Path dir;

    TestTarget target;
    private Connection duck;
    private OutputLocks locks;
    private final List<Sink> opened = new java.util.ArrayList<>();

    /** The url's scheme: which driver connects. */
    String scheme() {
        return "jdbc:mariadb:";
    }

    @BeforeEach
    void setUp() throws Exception {
        target = TestTarget.mariaDb(dir, scheme());
        duck = DriverManager.getConnection("jdbc:duckdb:");
        locks = new LedgerLocks(MemoryLedger.open("jdbc-sink", Clock.systemUTC()), "w1", Duration.ofSeconds(30));
    }

    @AfterEach
    void tearDown() throws Exception {
        opened.forEach(Sink::finish);
        duck.close();
    }

    private Sink sink(String yaml) throws Exception {
        return sink(yaml, BadRecordPolicy.DEAD_LETTER);
    }

    private Sink sink(String yaml, BadRecordPolicy policy) throws Exception {
        Sink sink = target.sink(yaml.replace("SCHEMA", target.schema), policy);
        opened.add(sink);
        sink.check();
        sink.prepare();
        return sink;
    }

    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id, "v1", null)), 10, null, null);
    }

    private SplitCommit claim(long token) {
        return new SplitCommit(() -> {}, () -> true, "incarnation-1", 1, token, locks);
    }

    private Written write(Sink sink, Split split, String query, SplitCommit context) throws Exception {
        try (SinkWriter w = sink.open(split)) {
            w.stage(new DuckRows(duck, query), BadRows.NONE);
            return w.commit(context);
        }
    }

    private List<String> rows(String query) throws Exception {
        return target.rows(query.replace("SCHEMA", target.schema));
    }

    @Test
    void anAppendReplayReplacesTheSplitsRowsAndRecordsItsToken() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT i AS id, 'first' AS v FROM range(5) t(i)", claim(1));
        write(sink, split("r2"), "SELECT 100 + i AS id, 'other' AS v FROM range(2) t(i)", claim(1));
        Written replay = write(sink, split("r1"), "SELECT i AS id, 'replay' AS v FROM range(3) t(i)", claim(2));

        assertThat(replay.rowsOut()).isEqualTo(3);
        assertThat(rows("SELECT v, count(*) FROM SCHEMA.events GROUP BY v ORDER BY v"))
                .containsExactly("other|2", "replay|3");
        assertThat(rows("SELECT split_id, token, `rows` FROM SCHEMA._sluice_commits ORDER BY split_id"))
                .containsExactly("r1|2|3", "r2|1|2");
    }

    /** More rows than one INSERT statement stages, with every kind of text that needs escaping. */
    @Test
    void manyRowsAndAwkwardTextArriveUnchanged() throws Exception {
        Sink sink = sink("table: SCHEMA.texts\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT i AS id, CASE i % 4 WHEN 0 THEN 'a''b\"c\\d' WHEN 1 THEN 'tab' || chr(9) || 'new' || chr(10) || 'line' "
                        + "WHEN 2 THEN 'ünïcødé ✓ 𝄞' ELSE '' END AS v FROM range(2500) t(i)",
                claim(1));
        assertThat(w.rowsOut()).isEqualTo(2500);
        assertThat(rows("SELECT v, count(*) FROM SCHEMA.texts GROUP BY v ORDER BY min(id)"))
                .containsExactly("a'b\"c\\d|625", "tab\tnew\nline|625", "ünïcødé ✓ 𝄞|625", "|625");
    }

    @Test
    void upsertWritesOverTheRowsWithTheSameKeys() throws Exception {
        Sink sink = sink("table: SCHEMA.prices\nmode: upsert\nkeys: [id]\n");
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 10.5), (2, 20.0), (3, 30.0)) t(id, price)", claim(1));
        // a later split changes 2 (twice: the last row wins) and adds 4
        write(sink, split("r2"), "SELECT * FROM (VALUES (2, 21.0), (4, 40.0), (2, 22.0)) t(id, price)", claim(1));

        assertThat(rows("SELECT id, price, _sluice_split FROM SCHEMA.prices ORDER BY id"))
                .containsExactly("1|10.5|r1", "2|22.0|r2", "3|30.0|r1", "4|40.0|r2");
        assertThat(rows("SELECT column_name FROM information_schema.statistics WHERE table_schema = 'SCHEMA' "
                        + "AND table_name = 'prices' AND index_name = 'PRIMARY'"))
                .as("the table is created with the keys as its primary key")
                .containsExactly("id");
    }

    @Test
    void mergeIsRefusedAtTheOptionSayingWhatToUse() {
        assertThatThrownBy(() -> sink("table: SCHEMA.stock\nmode: merge\nkeys: [sku]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.jdbc.mode")
                .hasMessageContaining("MERGE, which MariaDB and MySQL lack")
                .hasMessageContaining("mode: upsert");
    }

    @Test
    void upsertWithoutAUniqueIndexOnTheKeysSaysWhatToDo() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".loose (id int, v text)");
        assertThatThrownBy(() -> sink("table: SCHEMA.loose\nmode: upsert\nkeys: [id]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CREATE UNIQUE INDEX")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("merge"));
    }

    /** The newer claim (token 2) commits first; the older one passed its fence check, so only the stored token stops it. */
    @Test
    void aStaleTokenCannotCommitEvenAfterPassingTheFence() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        Split split = split("r1");
        try (SinkWriter stale = sink.open(split);
                SinkWriter current = sink.open(split)) {
            stale.stage(new DuckRows(duck, "SELECT 'stale' AS v FROM range(4)"), BadRows.NONE);
            current.stage(new DuckRows(duck, "SELECT 'current' AS v FROM range(2)"), BadRows.NONE);
            current.commit(claim(2));
            assertThatThrownBy(() -> stale.commit(claim(1))).isInstanceOf(StaleClaimException.class);
        }
        assertThat(rows("SELECT v FROM SCHEMA.events")).containsExactly("current", "current");
    }

    /** The older claim holds the split's record while the newer one commits: the newer waits, then replaces. */
    @Test
    void racingCommitsOfOneSplitLeaveTheNewerClaimsRows() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        Split split = split("r1");
        CompletableFuture<Written> newer = new CompletableFuture<>();
        try (SinkWriter older = sink.open(split)) {
            older.stage(new DuckRows(duck, "SELECT 'older' AS v FROM range(4)"), BadRows.NONE);
            SplitCommit raced = new SplitCommit(
                    () -> CompletableFuture.runAsync(() -> {
                        try {
                            newer.complete(write(sink, split, "SELECT 'newer' AS v FROM range(2)", claim(2)));
                        } catch (Exception e) {
                            newer.completeExceptionally(e);
                        }
                    }),
                    () -> true,
                    "incarnation-1",
                    1,
                    1,
                    locks);
            older.commit(raced);
        }
        assertThat(newer.get(60, TimeUnit.SECONDS).rowsOut()).isEqualTo(2);
        assertThat(rows("SELECT v FROM SCHEMA.events")).containsExactly("newer", "newer");
    }

    @Test
    void rowsTheDatabaseRefusesGoToTheDeadLettersWithKeyAndMessage() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (id int PRIMARY KEY, name varchar(5) NOT NULL, "
                + "age int CHECK (age >= 0))");
        Sink sink = sink("table: SCHEMA.people\nkeys: [id]\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT * FROM (VALUES (1, 'ann', 30), (2, NULL, 40), (3, 'bob', 50), (4, 'charlotte', 20), "
                        + "(5, 'dan', -1), (6, 'eve', 60)) t(id, name, age)",
                claim(1));

        assertThat(w.rowsOut()).isEqualTo(3);
        assertThat(rows("SELECT id FROM SCHEMA.people ORDER BY id")).containsExactly("1", "3", "6");
        List<String> dead = rows("SELECT split_id, line, `key`, reason FROM SCHEMA._sluice_dead_letter ORDER BY line");
        assertThat(dead).hasSize(3);
        assertThat(dead.get(0)).startsWith("r1|2|{\"id\": \"2\"}|").contains("cannot be null");
        assertThat(dead.get(1)).startsWith("r1|4|{\"id\": \"4\"}|").contains("too long");
        assertThat(dead.get(2)).startsWith("r1|5|{\"id\": \"5\"}|").containsIgnoringCase("constraint");
        assertThat(dead.get(0)).as("the driver's connection prefix is cut").doesNotContain("(conn=");
        assertThat(rows("SELECT record FROM SCHEMA._sluice_dead_letter WHERE line = 4"))
                .containsExactly("{\"id\": \"4\", \"name\": \"charlotte\", \"age\": \"20\"}");
    }

    @Test
    void withOnBadRecordFailARefusedRowFailsTheSplitAndCommitsNothing() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (id int, name text NOT NULL)");
        Sink sink = sink("table: SCHEMA.people\n", BadRecordPolicy.FAIL);
        assertThatThrownBy(() ->
                        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) t(id, name)", claim(1)))
                .hasMessageContaining("1 row(s) of split r1 refused")
                .hasMessageContaining("row 2")
                .hasMessageContaining("cannot be null");
        assertThat(rows("SELECT * FROM SCHEMA.people")).isEmpty();
    }

    @Test
    void aMissingTableIsCreatedWithTheMappedTypes() throws Exception {
        Sink sink = sink("table: SCHEMA.typed\n");
        write(
                sink,
                split("r1"),
                "SELECT true AS b, 1::TINYINT AS ti, 2::SMALLINT AS si, 3::INTEGER AS i, 4::BIGINT AS bi, "
                        + "200::UTINYINT AS ut, 4000000000::UINTEGER AS ui, 18446744073709551615::UBIGINT AS ub, "
                        + "170141183460469231731687303715884105727::HUGEINT AS hi, "
                        + "5.25::DECIMAL(10,2) AS d, 1.5::FLOAT AS f, 2.5e300::DOUBLE AS db, 'x' AS s, "
                        + "DATE '2024-02-29' AS dt, TIME '10:11:12.25' AS tm, "
                        + "TIMESTAMP '2024-02-29 10:11:12.5' AS ts, TIMESTAMPTZ '2024-02-29 10:11:12+02' AS tz, "
                        + "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, '{\"a\": 1}'::JSON AS j, "
                        + "NULL::VARCHAR AS empty",
                claim(1));

        assertThat(rows("SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = "
                        + "'SCHEMA' AND table_name = 'typed' ORDER BY ordinal_position"))
                .containsExactly(
                        "b|tinyint(1)",
                        "ti|tinyint(4)",
                        "si|smallint(6)",
                        "i|int(11)",
                        "bi|bigint(20)",
                        "ut|tinyint(3) unsigned",
                        "ui|int(10) unsigned",
                        "ub|bigint(20) unsigned",
                        "hi|decimal(39,0)",
                        "d|decimal(10,2)",
                        "f|float",
                        "db|double",
                        "s|longtext",
                        "dt|date",
                        "tm|time(6)",
                        "ts|datetime(6)",
                        "tz|datetime(6)",
                        "u|char(36)",
                        "j|longtext",
                        "empty|longtext",
                        "_sluice_split|varchar(500)");
        // as the server writes them (the drivers format doubles and times each their own way)
        assertThat(rows("SELECT b, ti, ub, hi, d, f, CAST(db AS CHAR), s, dt, CAST(tm AS CHAR), CAST(ts AS CHAR), "
                        + "CAST(tz AS CHAR), u, j, empty FROM SCHEMA.typed"))
                .as("the instant with a time zone is stored in UTC")
                .containsExactly("1|1|18446744073709551615|170141183460469231731687303715884105727|5.25|1.5|2.5e300|x"
                        + "|2024-02-29|10:11:12.250000|2024-02-29 10:11:12.500000|2024-02-29 08:11:12.000000"
                        + "|6ba7b810-9dad-11d1-80b4-00c04fd430c8|{\"a\": 1}|null");
    }

    @Test
    void aNewColumnIsAddedOrFailsAsSchemaChangeSays() throws Exception {
        Sink adding = sink("table: SCHEMA.grow\n");
        write(adding, split("r1"), "SELECT 1 AS a", claim(1));
        write(adding, split("r2"), "SELECT 2 AS a, 'new' AS b", claim(1));
        assertThat(rows("SELECT a, b FROM SCHEMA.grow ORDER BY a")).containsExactly("1|null", "2|new");

        Sink failing = sink("table: SCHEMA.grow\nschema_change: fail\n");
        assertThatThrownBy(() -> write(failing, split("r3"), "SELECT 3 AS a, 'x' AS b, 4 AS c", claim(1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema_change")
                .hasMessageContaining("column(s) c");
    }

    @Test
    void discardAndDeleteOutputRemoveOnlyThisPipelinesRows() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".events (v int)");
        target.sql("INSERT INTO " + target.schema + ".events VALUES (0)"); // the user's own row
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT 1 AS v", claim(1));
        write(sink, split("r2"), "SELECT 2 AS v", claim(1));
        sink.discard(split("r1"), claim(1));
        assertThat(rows("SELECT v FROM SCHEMA.events ORDER BY v")).containsExactly("0", "2");
        assertThatThrownBy(() -> sink.discard(split("r2"), claim(0)))
                .as("an older claim cannot discard what a newer one committed")
                .isInstanceOf(StaleClaimException.class);

        assertThat(sink.deleteOutput()).hasSize(1);
        assertThat(rows("SELECT v FROM SCHEMA.events")).containsExactly("0");
        assertThat(rows("SELECT * FROM SCHEMA._sluice_commits")).isEmpty();
    }
}
