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

/** The jdbc sink on a real PostgreSQL: modes, fencing, refused rows, the table it creates, and its errors. */
class JdbcSinkTest {
    @TempDir
    Path dir;

    private TestTarget target;
    private Connection duck;
    private OutputLocks locks;
    private final List<Sink> opened = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        target = new TestTarget(dir);
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

    /** A split of a log's range: no output key, so rows of different splits add up. */
    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id, "v1", null)), 10, null, null);
    }

    private SplitCommit claim(long token) {
        return new SplitCommit(() -> {}, () -> true, "incarnation-1", 1, token, locks);
    }

    private DuckRows rows(String query) {
        return new DuckRows(duck, query);
    }

    private Written write(Sink sink, Split split, String query, SplitCommit context) throws Exception {
        try (SinkWriter w = sink.open(split)) {
            w.stage(rows(query), BadRows.NONE);
            return w.commit(context);
        }
    }

    @Test
    void anAppendReplayReplacesTheSplitsRowsAndRecordsItsToken() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT i AS id, 'first' AS v FROM range(5) t(i)", claim(1));
        write(sink, split("r2"), "SELECT 100 + i AS id, 'other' AS v FROM range(2) t(i)", claim(1));
        Written replay = write(sink, split("r1"), "SELECT i AS id, 'replay' AS v FROM range(3) t(i)", claim(2));

        assertThat(replay.rowsOut()).isEqualTo(3);
        assertThat(target.rows("SELECT v, count(*) FROM " + target.schema + ".events GROUP BY v ORDER BY v"))
                .containsExactly("other|2", "replay|3");
        assertThat(target.rows(
                        "SELECT split_id, token, rows FROM " + target.schema + "._sluice_commits ORDER BY split_id"))
                .containsExactly("r1|2|3", "r2|1|2");
    }

    @Test
    void appendKeepsTextWithQuotesCommasAndLineBreaksNullsAndEmptyStringsAsWritten() throws Exception {
        Sink sink = sink("table: SCHEMA.texts\n");
        String id = "day=1/\"a,b\".csv"; // a split id with a quote and a comma
        write(
                sink,
                split(id),
                "SELECT * FROM (VALUES (1, 'a,b'), (2, 'say \"hi\"'), (3, 'two' || chr(10) || 'lines'), "
                        + "(4, 'cr' || chr(13) || chr(10) || 'lf'), (5, ''), (6, NULL)) t(id, s)",
                claim(1));
        assertThat(target.rows("SELECT id, s IS NULL, replace(replace(s, chr(10), '<LF>'), chr(13), '<CR>'), "
                        + "_sluice_split FROM " + target.schema + ".texts ORDER BY id"))
                .containsExactly(
                        "1|f|a,b|" + id,
                        "2|f|say \"hi\"|" + id,
                        "3|f|two<LF>lines|" + id,
                        "4|f|cr<CR><LF>lf|" + id,
                        "5|f||" + id,
                        "6|t|null|" + id);

        Sink oneColumn = sink("table: SCHEMA.one\n"); // a NULL is an empty line of the CSV
        write(oneColumn, split("r1"), "SELECT * FROM (VALUES ('x'), (NULL), ('')) t(s)", claim(1));
        assertThat(target.rows("SELECT s IS NULL, s, _sluice_split FROM " + target.schema + ".one ORDER BY s"))
                .containsExactly("f||r1", "f|x|r1", "t|null|r1");
    }

    @Test
    void upsertWritesOverTheRowsWithTheSameKeys() throws Exception {
        Sink sink = sink("table: SCHEMA.prices\nmode: upsert\nkeys: [id]\n");
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 10.5), (2, 20.0), (3, 30.0)) t(id, price)", claim(1));
        // a later split changes 2 (twice: the last row wins) and adds 4
        write(sink, split("r2"), "SELECT * FROM (VALUES (2, 21.0), (4, 40.0), (2, 22.0)) t(id, price)", claim(1));

        assertThat(target.rows("SELECT id, price FROM " + target.schema + ".prices ORDER BY id"))
                .containsExactly("1|10.5", "2|22.0", "3|30.0", "4|40.0");
        assertThat(target.rows("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                        + "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = '" + target.schema + ".prices'::regclass "
                        + "AND i.indisprimary"))
                .as("the table is created with the keys as its primary key")
                .containsExactly("id");
    }

    @Test
    void mergeMatchesByKeysWithoutAUniqueIndex() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".stock (sku text, qty integer)");
        target.sql("INSERT INTO " + target.schema + ".stock VALUES ('a', 1), ('b', 2)");
        Sink sink = sink("table: SCHEMA.stock\nmode: merge\nkeys: [sku]\n");
        write(sink, split("r1"), "SELECT * FROM (VALUES ('b', 20), ('c', 30)) t(sku, qty)", claim(1));

        assertThat(target.rows("SELECT sku, qty FROM " + target.schema + ".stock ORDER BY sku"))
                .containsExactly("a|1", "b|20", "c|30");
    }

    /**
     * Two writers race on one split: the newer claim (token 2) commits first; the older one passed its fence check
     * just before it lost the claim, so only the token stored with the rows can stop it.
     */
    @Test
    void aStaleTokenCannotCommitEvenAfterPassingTheFence() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        Split split = split("r1");
        try (SinkWriter stale = sink.open(split);
                SinkWriter current = sink.open(split)) {
            stale.stage(rows("SELECT 'stale' AS v FROM range(4)"), BadRows.NONE);
            current.stage(rows("SELECT 'current' AS v FROM range(2)"), BadRows.NONE);
            current.commit(claim(2));
            assertThatThrownBy(() -> stale.commit(claim(1))).isInstanceOf(StaleClaimException.class);
        }
        assertThat(target.rows("SELECT v FROM " + target.schema + ".events")).containsExactly("current", "current");
    }

    /**
     * The older claim locks the split's record first and, inside its commit (at its fence check), lets the newer one
     * commit: the newer one waits for the lock, then replaces the older one's rows. Either order leaves the newer
     * claim's rows, once.
     */
    @Test
    void racingCommitsOfOneSplitLeaveTheNewerClaimsRows() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        Split split = split("r1");
        CompletableFuture<Written> newer = new CompletableFuture<>();
        try (SinkWriter older = sink.open(split)) {
            older.stage(rows("SELECT 'older' AS v FROM range(4)"), BadRows.NONE);
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
        assertThat(newer.get(30, TimeUnit.SECONDS).rowsOut()).isEqualTo(2);
        assertThat(target.rows("SELECT v FROM " + target.schema + ".events")).containsExactly("newer", "newer");
    }

    @Test
    void rowsTheDatabaseRefusesGoToTheDeadLettersWithKeyAndMessage() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (id integer PRIMARY KEY, name varchar(5) NOT NULL, "
                + "age integer CHECK (age >= 0))");
        Sink sink = sink("table: SCHEMA.people\nkeys: [id]\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT * FROM (VALUES (1, 'ann', 30), (2, NULL, 40), (3, 'bob', 50), (4, 'charlotte', 20), "
                        + "(5, 'dan', -1), (6, 'eve', 60)) t(id, name, age)",
                claim(1));

        assertThat(w.rowsOut()).isEqualTo(3);
        assertThat(target.rows("SELECT id FROM " + target.schema + ".people ORDER BY id"))
                .containsExactly("1", "3", "6");
        List<String> dead = target.rows(
                "SELECT split_id, line, key, reason FROM " + target.schema + "._sluice_dead_letter ORDER BY line");
        assertThat(dead).hasSize(3);
        assertThat(dead.get(0)).startsWith("r1|2|{\"id\": \"2\"}|").contains("not-null constraint");
        assertThat(dead.get(1)).startsWith("r1|4|{\"id\": \"4\"}|").contains("too long");
        assertThat(dead.get(2)).startsWith("r1|5|{\"id\": \"5\"}|").contains("check constraint");
        assertThat(target.rows("SELECT record FROM " + target.schema + "._sluice_dead_letter WHERE line = 4"))
                .containsExactly("{\"id\": \"4\", \"age\": \"20\", \"name\": \"charlotte\"}");
    }

    @Test
    void withOnBadRecordFailARefusedRowFailsTheSplitAndCommitsNothing() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (id integer, name text NOT NULL)");
        Sink sink = sink("table: SCHEMA.people\n", BadRecordPolicy.FAIL);
        assertThatThrownBy(() ->
                        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) t(id, name)", claim(1)))
                .hasMessageContaining("1 row(s) of split r1 refused")
                .hasMessageContaining("row 2")
                .hasMessageContaining("not-null");
        assertThat(target.rows("SELECT * FROM " + target.schema + ".people")).isEmpty();
    }

    @Test
    void aMissingTableIsCreatedWithTheMappedTypes() throws Exception {
        Sink sink = sink("table: SCHEMA.typed\n");
        write(
                sink,
                split("r1"),
                "SELECT true AS b, 1::TINYINT AS ti, 2::SMALLINT AS si, 3::INTEGER AS i, 4::BIGINT AS bi, "
                        + "5.25::DECIMAL(10,2) AS d, 1.5::FLOAT AS f, 2.5::DOUBLE AS db, 'x' AS s, "
                        + "DATE '2024-02-29' AS dt, TIME '10:11:12' AS tm, TIMESTAMP '2024-02-29 10:11:12.5' AS ts, "
                        + "TIMESTAMPTZ '2024-02-29 10:11:12+00' AS tz, INTERVAL 2 DAY AS iv, "
                        + "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, NULL::VARCHAR AS empty",
                claim(1));

        assertThat(target.rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '"
                        + target.schema + "' AND table_name = 'typed' ORDER BY ordinal_position"))
                .containsExactly(
                        "b|boolean",
                        "ti|smallint",
                        "si|smallint",
                        "i|integer",
                        "bi|bigint",
                        "d|numeric",
                        "f|real",
                        "db|double precision",
                        "s|text",
                        "dt|date",
                        "tm|time without time zone",
                        "ts|timestamp without time zone",
                        "tz|timestamp with time zone",
                        "iv|interval",
                        "u|uuid",
                        "empty|text",
                        "_sluice_split|text");
        target.sql("SET TIME ZONE 'UTC'");
        assertThat(target.rows("SELECT b, ti, d, f, db, s, dt, tm, ts, tz AT TIME ZONE 'UTC', iv, u, empty FROM "
                        + target.schema + ".typed"))
                .containsExactly("t|1|5.25|1.5|2.5|x|2024-02-29|10:11:12|2024-02-29 10:11:12.5|2024-02-29 10:11:12"
                        + "|2 days|6ba7b810-9dad-11d1-80b4-00c04fd430c8|null");
    }

    @Test
    void aNewColumnIsAddedOrFailsAsSchemaChangeSays() throws Exception {
        Sink adding = sink("table: SCHEMA.grow\n");
        write(adding, split("r1"), "SELECT 1 AS a", claim(1));
        write(adding, split("r2"), "SELECT 2 AS a, 'new' AS b", claim(1));
        assertThat(target.rows("SELECT a, b FROM " + target.schema + ".grow ORDER BY a"))
                .containsExactly("1|null", "2|new");

        Sink failing = sink("table: SCHEMA.grow\nschema_change: fail\n");
        assertThatThrownBy(() -> write(failing, split("r3"), "SELECT 3 AS a, 'x' AS b, 4 AS c", claim(1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema_change")
                .hasMessageContaining("column(s) c");
    }

    @Test
    void discardRemovesTheSplitsCommittedRows() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT 1 AS v", claim(1));
        write(sink, split("r2"), "SELECT 2 AS v", claim(1));
        sink.discard(split("r1"), claim(1));
        assertThat(target.rows("SELECT v FROM " + target.schema + ".events")).containsExactly("2");
        assertThatThrownBy(() -> sink.discard(split("r2"), claim(0)))
                .as("an older claim cannot discard what a newer one committed")
                .isInstanceOf(StaleClaimException.class);
    }

    @Test
    void deleteOutputRemovesThisPipelinesRowsAndBookkeepingButNotOthers() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".events (v integer)");
        target.sql("INSERT INTO " + target.schema + ".events VALUES (0)"); // the user's own row
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT 1 AS v", claim(1));
        assertThat(sink.listOutput()).containsExactly(target.schema + ".events (rows of 1 split(s))");

        assertThat(sink.deleteOutput()).hasSize(1);
        assertThat(target.rows("SELECT v FROM " + target.schema + ".events")).containsExactly("0");
        assertThat(target.rows("SELECT * FROM " + target.schema + "._sluice_commits"))
                .isEmpty();
        assertThat(sink.listOutput()).isEmpty();
    }

    @Test
    void upsertOnAMissingTableWithoutKeysIsRefusedNamingKeys() {
        assertThatThrownBy(() -> sink("table: SCHEMA.nothing\nmode: upsert\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.jdbc.keys")
                .hasMessageContaining("does not exist yet");
    }

    @Test
    void anUnknownKeyColumnIsNamedWithDidYouMean() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".customers (customer_id integer PRIMARY KEY, name text)");
        assertThatThrownBy(() -> sink("table: SCHEMA.customers\nmode: upsert\nkeys: [customer_idd]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no column \"customer_idd\"")
                .hasMessageContaining("did you mean 'customer_id'");
    }

    @Test
    void upsertWithoutAUniqueIndexOnTheKeysSaysWhatToDo() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".loose (id integer, v text)");
        assertThatThrownBy(() -> sink("table: SCHEMA.loose\nmode: upsert\nkeys: [id]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CREATE UNIQUE INDEX")
                .hasMessageContaining("mode: merge");
    }

    /** A user that must give a password (scram), refused with a wrong one: the message names it, never the value. */
    @Test
    void aWrongPasswordIsNamedWithoutEchoingIt() throws Exception {
        TestTarget.requirePasswordFor("sluice_pw", "right-secret");
        java.nio.file.Files.writeString(
                dir.resolve("connections.yaml"),
                "pg: { url: \"" + TestTarget.url() + "\", user: sluice_pw, password: \"wrong-s3cret\" }\n");
        Sink sink = target.sink("table: " + target.schema + ".t\n");
        opened.add(sink);
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("authentication failed for user sluice_pw")
                .hasMessageContaining("connections.yaml")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-s3cret"));
    }
}
