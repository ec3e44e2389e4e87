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
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import io.sluice.testkit.sink.ByteNamedBadRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jdbc sink's cases that read the same on every database, run by {@link JdbcSinkTest} on PostgreSQL and by
 * {@link JdbcSinkMariaDbTest} on MariaDB (and {@link JdbcSinkMySqlDriverTest} through MySQL's driver); each subclass
 * adds what differs (refused rows' messages, the type mapping, merge).
 */
abstract class JdbcSinkCases {
    @TempDir
    Path dir;

    TestTarget target;
    Connection duck;
    private OutputLocks locks;
    private final List<Sink> opened = new java.util.ArrayList<>();

    /** A fresh schema or database on the subclass's server. */
    abstract TestTarget newTarget(Path dir) throws Exception;

    /** What the database's message for a NULL in a NOT NULL column contains. */
    abstract String notNullMessage();

    /** The refused row {@code (4, 'charlotte', 20)} as its dead letter holds it: JSON, keys in the database's order. */
    abstract String refusedRecord();

    /** The database's column type of any bytes, and the SQL of a column's bytes as lower-case hex digits. */
    abstract String binaryType();

    abstract String hexOf(String column);

    @BeforeEach
    void setUp() throws Exception {
        target = newTarget(dir);
        duck = DriverManager.getConnection("jdbc:duckdb:");
        locks = newLedgerLocks();
    }

    @AfterEach
    void tearDown() throws Exception {
        opened.forEach(Sink::finish);
        duck.close();
    }

    Sink sink(String yaml) throws Exception {
        return sink(yaml, BadRecordPolicy.DEAD_LETTER);
    }

    Sink sink(String yaml, BadRecordPolicy policy) throws Exception {
        Sink sink = target.sink(yaml.replace("SCHEMA", target.schema), policy);
        opened.add(sink);
        sink.check();
        sink.prepare();
        return sink;
    }

    /** A sink made but not checked, closed after the test. */
    Sink unchecked(String yaml) {
        Sink sink = target.sink(yaml.replace("SCHEMA", target.schema));
        opened.add(sink);
        return sink;
    }

    /** A split of a log's range: no output key, so rows of different splits add up. */
    static Split split(String id) {
        return new Split(id, List.of(Member.whole(id, "v1", null)), 10, null, null);
    }

    /**
     * A split of a byte range of one version of a file, as the files source cuts a large file: its output key is the
     * file's, with the version and the range, shared by the file's other ranges.
     */
    static Split range(String file, String version, long start, long end) {
        return new Split(
                file + "#" + start + "-" + end + "@" + version,
                List.of(new Member(file, version, start, end, null)),
                end - start,
                null,
                new OutputKey(file, version, start, end));
    }

    SplitCommit claim(long token) {
        return claim("incarnation-1", token, locks);
    }

    /** A claim of another ledger incarnation, its output locks that incarnation's. */
    static SplitCommit claim(String incarnation, long token, OutputLocks locks) {
        return new SplitCommit(() -> {}, () -> true, incarnation, 1, token, locks);
    }

    /** The output locks of a new ledger: their tokens start over. */
    static OutputLocks newLedgerLocks() {
        return new LedgerLocks(MemoryLedger.open("jdbc-sink", Clock.systemUTC()), "w1", Duration.ofSeconds(30));
    }

    DuckRows rows(String query) {
        return new DuckRows(duck, query);
    }

    /** A fresh scratch folder for a writer, as a split's attempt gets one. */
    WriteContext scratch() throws IOException {
        return new WriteContext(Files.createTempDirectory(dir, "scratch-"));
    }

    Written write(Sink sink, Split split, String query, SplitCommit context) throws Exception {
        try (SinkWriter w = sink.open(split, scratch())) {
            w.stage(rows(query), BadRows.NONE);
            return w.commit(context);
        }
    }

    /** The rows of a query on the target, {@code SCHEMA} standing for its schema. */
    List<String> stored(String query) throws Exception {
        return target.rows(query.replace("SCHEMA", target.schema));
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
        assertThat(stored("SELECT split_id, token, " + target.quote("rows")
                        + " FROM SCHEMA._sluice_commits ORDER BY split_id"))
                .containsExactly("r1|2|3", "r2|1|2");
    }

    @Test
    void upsertWritesOverTheRowsWithTheSameKeys() throws Exception {
        Sink sink = sink("table: SCHEMA.prices\nmode: upsert\nkeys: [id]\n");
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 10.5), (2, 20.0), (3, 30.0)) t(id, price)", claim(1));
        // a later split changes 2 (twice: the last row wins) and adds 4
        write(sink, split("r2"), "SELECT * FROM (VALUES (2, 21.0), (4, 40.0), (2, 22.0)) t(id, price)", claim(1));

        assertThat(stored("SELECT id, price, " + target.writtenBy("p") + " FROM SCHEMA.prices p ORDER BY id"))
                .containsExactly("1|10.5|r1", "2|22.0|r2", "3|30.0|r1", "4|40.0|r2");
        assertThat(stored("SELECT k.column_name FROM information_schema.table_constraints c"
                        + " JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name"
                        + " AND k.table_schema = c.table_schema AND k.table_name = c.table_name"
                        + " WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = 'SCHEMA'"
                        + " AND c.table_name = 'prices'"))
                .as("the table is created with the keys as its primary key")
                .containsExactly("id");
    }

    /**
     * Rows whose key is NULL do not have "the same keys" (a unique index holds many NULLs; a later split's NULL-key row
     * is added, not written over): each one of a split is written, not only the split's last one.
     */
    @Test
    void upsertWritesEveryRowWhoseKeyIsNull() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".contacts (email varchar(50) UNIQUE, name varchar(50))");
        Sink sink = sink("table: SCHEMA.contacts\nmode: upsert\nkeys: [email]\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT * FROM (VALUES (NULL, 'ann'), ('b@x', 'bob'), (NULL, 'cid'), ('b@x', 'bea'), (NULL, 'dan'))"
                        + " t(email, name)",
                claim(1));

        assertThat(stored("SELECT email, name FROM SCHEMA.contacts ORDER BY name"))
                .containsExactly("null|ann", "b@x|bea", "null|cid", "null|dan");
        assertThat(List.of(w.rowsOut(), w.refused())).containsExactly(5L, 0L);
    }

    /**
     * Two writers race on one split: the newer claim (token 2) commits first; the older one passed its fence check
     * just before it lost the claim, so only the token stored with the rows can stop it.
     */
    @Test
    void aStaleTokenCannotCommitEvenAfterPassingTheFence() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        Split split = split("r1");
        try (SinkWriter stale = sink.open(split, scratch());
                SinkWriter current = sink.open(split, scratch())) {
            stale.stage(rows("SELECT 'stale' AS v FROM range(4)"), BadRows.NONE);
            current.stage(rows("SELECT 'current' AS v FROM range(2)"), BadRows.NONE);
            current.commit(claim(2));
            assertThatThrownBy(() -> stale.commit(claim(1))).isInstanceOf(StaleClaimException.class);
        }
        assertThat(target.rows("SELECT v FROM " + target.schema + ".events")).containsExactly("current", "current");
    }

    /**
     * Tokens start over in a new ledger (a reset, a lost ledger, every run of the memory ledger): the new ledger's first
     * claim of a split (token 1) replaces what the earlier ledger committed with a higher token, not refused as stale at
     * every retry; within the new incarnation a lower token is refused again.
     */
    @Test
    void aNewLedgersLowerTokenReplacesTheEarlierLedgersCommit() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT 'old' AS v FROM range(3)", claim("ledger-a", 5, locks));
        write(sink, split("r2"), "SELECT 'other' AS v FROM range(2)", claim("ledger-a", 7, locks));

        OutputLocks newLocks = newLedgerLocks();
        Written replaced = write(sink, split("r1"), "SELECT 'new' AS v FROM range(2)", claim("ledger-b", 1, newLocks));

        assertThat(replaced.rowsOut()).isEqualTo(2);
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.events GROUP BY v ORDER BY v"))
                .containsExactly("new|2", "other|2");
        assertThat(stored("SELECT split_id, token, incarnation FROM SCHEMA._sluice_commits ORDER BY split_id"))
                .containsExactly("r1|1|ledger-b", "r2|7|ledger-a");
        write(sink, split("r1"), "SELECT 'newer' AS v", claim("ledger-b", 2, newLocks));
        assertThatThrownBy(() -> write(sink, split("r1"), "SELECT 'stale' AS v", claim("ledger-b", 1, newLocks)))
                .as("within one incarnation a lower token is still stale")
                .isInstanceOf(StaleClaimException.class);
        assertThat(stored("SELECT v FROM SCHEMA.events ORDER BY v")).containsExactly("newer", "other", "other");
    }

    /**
     * The same for an output's lock: a version of a file written under the earlier ledger's later grants (token 3) is
     * replaced by the new ledger's first grant (token 1) of the output, not refused as taken over.
     */
    @Test
    void aNewLedgersFirstOutputLockReplacesTheEarlierLedgersVersion() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1 0' AS v FROM range(2)", claim("ledger-a", 1, locks));
        write(sink, range("a.log", "v1", 100, 200), "SELECT 'v1 100' AS v", claim("ledger-a", 1, locks));
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1 0 again' AS v", claim("ledger-a", 2, locks));
        assertThat(stored("SELECT lock_token FROM SCHEMA._sluice_outputs")).containsExactly("3");

        OutputLocks newLocks = newLedgerLocks();
        write(sink, range("a.log", "v2", 0, 200), "SELECT 'v2' AS v FROM range(3)", claim("ledger-b", 1, newLocks));

        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .containsExactly("v2|3");
        assertThat(stored("SELECT lock_token, incarnation FROM SCHEMA._sluice_outputs"))
                .containsExactly("1|ledger-b");
    }

    /**
     * The output lock tokens of an earlier Sluice, kept without their incarnation: the column is added, and such a token
     * counts as another incarnation's (within the same ledger a newer grant's token then holds it again).
     */
    @Test
    void anEarlierSluicesOutputLocksGetTheirIncarnationColumn() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1' AS v", claim("ledger-a", 1, locks));
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1 again' AS v", claim("ledger-a", 2, locks));
        target.sql("ALTER TABLE " + target.schema + "._sluice_outputs DROP COLUMN incarnation");

        Sink restarted = sink("table: SCHEMA.lines\n");
        write(restarted, range("a.log", "v2", 0, 100), "SELECT 'v2' AS v", claim("ledger-b", 1, newLedgerLocks()));
        assertThat(stored("SELECT v FROM SCHEMA.lines")).containsExactly("v2");
        assertThat(stored("SELECT lock_token, incarnation FROM SCHEMA._sluice_outputs"))
                .containsExactly("1|ledger-b");
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
        try (SinkWriter older = sink.open(split, scratch())) {
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
    void withOnBadRecordFailARefusedRowFailsTheSplitAndCommitsNothing() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (id integer, name text NOT NULL)");
        Sink sink = sink("table: SCHEMA.people\n", BadRecordPolicy.FAIL);
        assertThatThrownBy(() ->
                        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) t(id, name)", claim(1)))
                .hasMessageContaining("1 row(s) of split r1 refused")
                .hasMessageContaining("row 2")
                .hasMessageContaining(notNullMessage())
                .isInstanceOfSatisfying(
                        io.sluice.spi.AttemptFailure.class,
                        f -> assertThat(f.retryable())
                                .as("the same row is refused at every attempt: dead at once")
                                .isFalse());
        assertThat(target.rows("SELECT * FROM " + target.schema + ".people")).isEmpty();
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
                .as("every attempt would fail the same way: the split is dead at once, not retried")
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .satisfies(e -> assertThat(((io.sluice.spi.AttemptFailure) e).retryable())
                        .isFalse())
                .hasMessageContaining("sink.jdbc.schema_change")
                .hasMessageContaining("column(s) c");
    }

    /**
     * {@code validate} checks the output's columns against an existing table: with {@code schema_change: fail} a
     * column the table lacks is refused there, naming the table, the columns, the option and what to do, and the table
     * is left as it was (the first run's splits were dead on it). With {@code add_columns}, or no table yet, it passes.
     */
    @Test
    void theColumnCheckRefusesColumnsTheTableLacksWhenSchemaChangeIsFail() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".narrow (a integer, b text)");
        List<String> output = List.of("a", "b", "c", "d");
        Sink failing = sink("table: SCHEMA.narrow\nschema_change: fail\n");
        assertThatThrownBy(() -> failing.columnCheck().orElseThrow().check(output))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.jdbc.schema_change")
                .hasMessageContaining("column(s) c, d that table " + target.schema + ".narrow lacks")
                .hasMessageContaining("add them to the table")
                .hasMessageContaining("schema_change: add_columns");
        failing.columnCheck().orElseThrow().check(List.of("a", "b"));
        assertThat(target.rows("SELECT count(*) FROM " + target.schema + ".narrow"))
                .containsExactly("0");
        assertThat(target.rows(columnsOf("narrow"))).as("the table unchanged").containsExactly("a", "b");

        Sink adding = sink("table: SCHEMA.narrow\n");
        adding.columnCheck().ifPresent(check -> check.check(output));
        Sink fresh = sink("table: SCHEMA.not_yet\nschema_change: fail\n");
        fresh.columnCheck().ifPresent(check -> check.check(output));
        assertThat(target.rows(columnsOf("narrow"))).containsExactly("a", "b");
    }

    /** The query of a table's columns in this target's schema, in order. */
    private String columnsOf(String table) {
        return "SELECT column_name FROM information_schema.columns WHERE table_schema = '" + target.schema
                + "' AND table_name = '" + table + "' ORDER BY ordinal_position";
    }

    /**
     * "Create the table yourself with the types you want: an existing table's own types apply": a list, a struct and a
     * map arrive as JSON (in a json column, or as text), the same on every database, not as the engine's or the JVM's
     * printing of them ({@code [x, y, z]} for two strings, {@code {a=x}}), which a json column refused.
     */
    @Test
    void nestedValuesArriveAsJsonInAnExistingTable() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".docs (id int, tags json, addr json, counts json, notes text)");
        Sink sink = sink("table: SCHEMA.docs\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT 1 AS id, ['x, y', 'z'] AS tags, {'city': 'Q\"x', 'zip': 1} AS addr, MAP {'k': 1} AS counts, "
                        + "[[1, 2], [3]] AS notes UNION ALL SELECT 2, [], NULL, MAP {}, NULL",
                claim(1));

        assertThat(w.rowsOut()).isEqualTo(2);
        assertThat(stored("SELECT id, tags, addr, counts, notes FROM SCHEMA.docs ORDER BY id"))
                .containsExactly(
                        "1|[\"x, y\",\"z\"]|{\"city\":\"Q\\\"x\",\"zip\":1}|{\"k\":1}|[[1,2],[3]]",
                        "2|[]|null|{}|null");
    }

    /**
     * A NaN or an infinity inside a nested value, which JSON has no number for, arrives as a JSON string, and a FLOAT
     * with its own digits: a json column refused the whole row ({@code NaN} is not JSON).
     */
    @Test
    void nanAndInfinitiesInNestedValuesArriveAsJsonStrings() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".samples (id int, v json, s json)");
        Written w = write(
                sink("table: SCHEMA.samples\n"),
                split("r1"),
                "SELECT 1 AS id, [1.5, 'nan'::DOUBLE, '-inf'::DOUBLE] AS v, {'x': 3.14::FLOAT, 'y': 'inf'::FLOAT} AS s",
                claim(1));

        assertThat(w.rowsOut()).isEqualTo(1);
        assertThat(stored("SELECT id, v, s FROM SCHEMA.samples"))
                .containsExactly("1|[1.5,\"NaN\",\"-Infinity\"]|{\"x\":3.14,\"y\":\"Infinity\"}");
    }

    /** A missing table gets a JSON column for a list, struct, map or union (jsonb, json), holding each value as JSON. */
    @Test
    void nestedValuesGetAJsonColumnInACreatedTable() throws Exception {
        Sink sink = sink("table: SCHEMA.made_docs\n");
        write(
                sink,
                split("r1"),
                "SELECT 1 AS id, ['x, y', 'z'] AS tags, {'city': 'Q\"x', 'zip': 1} AS addr, MAP {'k': 1} AS counts "
                        + "UNION ALL SELECT 2, [], NULL, MAP {}",
                claim(1));
        assertThat(stored("SELECT id, " + jsonText("tags", "$[0]") + ", " + jsonText("addr", "$.city") + ", "
                        + jsonText("counts", "$.k") + " FROM SCHEMA.made_docs ORDER BY id"))
                .containsExactly("1|x, y|Q\"x|1", "2|null|null|null");
    }

    /** The SQL of the text at {@code path} (a JSON path) in a JSON column. */
    abstract String jsonText(String column, String path);

    /**
     * A BLOB (a Parquet byte array without a string annotation reads as one) arrives byte for byte: in a binary column
     * as its bytes, in a text column as the text its bytes are in UTF-8 (refused when they are not UTF-8), and a
     * missing table gets a binary column for it; not as the engine's printing ({@code caf\xC3\xA9}) or the JVM's
     * ({@code DuckDBBlobResult{...}}).
     */
    @Test
    void blobsArriveByteForByte() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".files (id int, raw " + binaryType() + ", name text)"
                + target.utf8());
        Sink sink = sink("table: SCHEMA.files\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT 1 AS id, '\\xAA\\x00\\x5C\\x0A'::BLOB AS raw, encode('café 😀') AS name "
                        + "UNION ALL SELECT 2, NULL, '\\xFF'::BLOB UNION ALL SELECT 3, ''::BLOB, NULL",
                claim(1));
        assertThat(List.of(w.rowsOut(), w.refused())).containsExactly(2L, 1L);
        assertThat(stored("SELECT id, " + hexOf("raw") + ", name FROM SCHEMA.files ORDER BY id"))
                .containsExactly("1|aa005c0a|café 😀", "3||null");

        Sink creating = sink("table: SCHEMA.made\n");
        write(creating, split("r2"), "SELECT 1 AS id, '\\x00\\xFFz'::BLOB AS raw", claim(1));
        assertThat(stored("SELECT id, " + hexOf("raw") + " FROM SCHEMA.made")).containsExactly("1|00ff7a");
    }

    /** A column of a type the sink cannot create fails its split at once, naming it, instead of at every retry. */
    @Test
    void aColumnOfATypeWithoutATableTypeFailsTheSplitAtOnce() throws Exception {
        Sink sink = sink("table: SCHEMA.nested\n");
        assertThatThrownBy(() -> write(sink, split("r1"), "SELECT 1 AS id, '101'::BIT AS addr", claim(1)))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .satisfies(e -> assertThat(((io.sluice.spi.AttemptFailure) e).retryable())
                        .isFalse())
                .hasMessageContaining("column \"addr\" has type BIT")
                .hasMessageContaining("to_json(addr)");
        assertThat(target.exists("nested")).isFalse();
    }

    /**
     * The ranges of one version of a file keep each other's rows (siblings); a replay of a range replaces its own rows;
     * a new version replaces the rows of every range of the old one; a cut of the same version that overlaps earlier
     * ranges (planned again after a reset) replaces them. The commit records follow the rows.
     */
    @Test
    void rangesOfOneVersionKeepEachOtherAndANewVersionReplacesThemAll() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1 0' AS v FROM range(2)", claim(1));
        write(sink, range("a.log", "v1", 100, 200), "SELECT 'v1 100' AS v FROM range(3)", claim(1));
        write(sink, range("a.log", "v1", 200, 300), "SELECT 'v1 200' AS v", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("every range's rows")
                .containsExactly("v1 0|2", "v1 100|3", "v1 200|1");

        write(sink, range("a.log", "v1", 100, 200), "SELECT 'v1 100 again' AS v FROM range(2)", claim(2));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("a replay of a range replaces its own rows and keeps its siblings'")
                .containsExactly("v1 0|2", "v1 100 again|2", "v1 200|1");

        write(sink, range("a.log", "v2", 0, 150), "SELECT 'v2 0' AS v FROM range(4)", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("the first range of a new version replaces every range of the old one")
                .containsExactly("v2 0|4");
        write(sink, range("a.log", "v2", 150, 300), "SELECT 'v2 150' AS v", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .containsExactly("v2 0|4", "v2 150|1");

        write(sink, range("a.log", "v2", 100, 300), "SELECT 'v2 recut' AS v FROM range(2)", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("a range overlapping both earlier ranges of its version replaces both")
                .containsExactly("v2 recut|2");
        assertThat(stored("SELECT split_id, output_version, output_start, output_end FROM SCHEMA._sluice_commits"))
                .as("one record, with the version and range of the output it holds")
                .containsExactly("a.log#100-300@v2|v2|100|300");
    }

    /**
     * Commit records of an earlier Sluice, which kept no version or range: the columns are added, and such a record
     * counts as another version, whose rows the next version's commit replaces (never kept beside it).
     */
    @Test
    void recordsWithoutAVersionAreReplacedByTheNextVersion() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1' AS v FROM range(3)", claim(1));
        target.sql("ALTER TABLE " + target.schema + "._sluice_commits DROP COLUMN output_version,"
                + " DROP COLUMN output_start, DROP COLUMN output_end");

        write(sink, range("a.log", "v2", 0, 100), "SELECT 'v2' AS v", claim(1));
        assertThat(stored("SELECT v FROM SCHEMA.lines")).containsExactly("v2");
        assertThat(stored("SELECT split_id, output_version, output_start, output_end FROM SCHEMA._sluice_commits"))
                .containsExactly("a.log#0-100@v2|v2|0|100");
    }

    /**
     * The commit records are indexed on the output key, which every commit of a versioned output (each range of a large
     * file) reads by: in a schema made now, and added to the records of an earlier Sluice (without the version and
     * range columns) and to those of the Sluice before the index (with them), by the first commit that meets them.
     */
    @Test
    void theCommitRecordsAreIndexedByOutputKeyAlsoAfterMigratingAnOldTable() throws Exception {
        String outputIndex = "pipeline,target,output_key";
        Sink sink = sink("table: SCHEMA.lines\n");
        assertThat(target.indexes("_sluice_commits")).as("made with the table").contains(outputIndex);

        write(sink, range("a.log", "v1", 0, 100), "SELECT 'v1' AS v", claim(1));
        // the records as an earlier Sluice left them: no version, no range, no index
        target.dropIndex("_sluice_commits", JdbcSink.OUTPUT_INDEX);
        target.sql("ALTER TABLE " + target.schema + "._sluice_commits DROP COLUMN output_version,"
                + " DROP COLUMN output_start, DROP COLUMN output_end");
        assertThat(target.indexes("_sluice_commits")).doesNotContain(outputIndex);
        write(sink, range("a.log", "v2", 0, 100), "SELECT 'v2' AS v", claim(1));
        assertThat(target.indexes("_sluice_commits"))
                .as("added by the migration that adds the version and range")
                .contains(outputIndex);
        assertThat(stored("SELECT v FROM SCHEMA.lines")).containsExactly("v2");

        // the records of the Sluice before the index: every column, no index
        target.dropIndex("_sluice_commits", JdbcSink.OUTPUT_INDEX);
        write(sink, range("a.log", "v2", 100, 200), "SELECT 'v2 100' AS v", claim(1));
        assertThat(target.indexes("_sluice_commits")).contains(outputIndex);
        assertThat(stored("SELECT v FROM SCHEMA.lines ORDER BY v")).containsExactly("v2", "v2 100");
    }

    /**
     * Files whose names differ only in case or accents ({@code A.csv}, {@code a.csv}) are two inputs on a
     * case-sensitive file system or object store: each keeps its rows, through a new version of one and a replay of
     * the other, whatever the database's collation of text (MariaDB's default ignores case and accents).
     */
    @Test
    void outputsWhoseNamesDifferOnlyInCaseOrAccentsKeepEachOthersRows() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        // the rows' values differ by more than case or accents: the table's own text column may ignore both
        write(sink, range("A.csv", "v1", 0, 100), "SELECT 'A v1' AS v FROM range(2)", claim(1));
        write(sink, range("a.csv", "v9", 0, 100), "SELECT 'a v9' AS v FROM range(3)", claim(1));
        write(sink, range("e.csv", "v1", 0, 100), "SELECT 'e v1' AS v", claim(1));
        write(sink, range("é.csv", "v1", 0, 100), "SELECT 'e-acute v1' AS v", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("four outputs, none another's version")
                .containsExactlyInAnyOrder("A v1|2", "a v9|3", "e v1|1", "e-acute v1|1");

        write(sink, range("a.csv", "v9", 0, 100), "SELECT 'a v9 again' AS v", claim(2));
        write(sink, range("E.csv", "V1", 0, 100), "SELECT 'upper E V1' AS v FROM range(2)", claim(1));
        write(sink, range("E.csv", "V1", 0, 100), "SELECT 'upper E V1' AS v", claim(2));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("a replay replaces its own split's rows only (E.csv#0-100@V1's, not e.csv#0-100@v1's)")
                .containsExactlyInAnyOrder("A v1|2", "a v9 again|1", "e v1|1", "e-acute v1|1", "upper E V1|1");
        assertThat(stored("SELECT output_key, output_version FROM SCHEMA._sluice_commits"))
                .containsExactlyInAnyOrder("A.csv|v1", "a.csv|v9", "e.csv|v1", "é.csv|v1", "E.csv|V1");
        assertThat(stored("SELECT count(*) FROM SCHEMA._sluice_outputs")).containsExactly("5");
    }

    /** A table that refuses a name longer than five characters, and what its dead letters hold. */
    Sink people(BadRecordPolicy policy) throws Exception {
        target.sql("CREATE TABLE IF NOT EXISTS " + target.schema
                + ".people (id integer PRIMARY KEY, name varchar(5) NOT NULL)");
        return sink("table: SCHEMA.people\nkeys: [id]\n", policy);
    }

    /** Each dead letter as {@code split|line}. */
    List<String> deadLetters() throws Exception {
        return stored("SELECT split_id, line FROM SCHEMA._sluice_dead_letter ORDER BY split_id, line");
    }

    /**
     * A replay replaces the split's dead letters as it replaces its rows (refused rows and the reader's rejects): the
     * dead letters describe the rows the table holds, whatever the policy of the run that replays.
     */
    @Test
    void aReplayReplacesTheSplitsDeadLetters() throws Exception {
        Sink sink = people(BadRecordPolicy.DEAD_LETTER);
        try (SinkWriter w = sink.open(split("r1"), scratch())) {
            w.stage(
                    rows("SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte'), (3, 'bob')) t(id, name)"),
                    () -> Optional.of(rows(
                            "SELECT 'r1' AS split, 'r1' AS file, 7 AS line, NULL::BIGINT AS \"byte\", 'unreadable' AS reason,"
                                    + " 'x;y' AS record")));
            w.commit(claim(1));
        }
        write(sink, split("r2"), "SELECT 10 AS id, 'frederika' AS name", claim(1));
        assertThat(deadLetters()).containsExactly("r1|2", "r1|7", "r2|1");

        // row 2 fixed, row 3 now too long
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'carl'), (3, 'robert')) t(id, name)", claim(2));
        assertThat(stored("SELECT id FROM SCHEMA.people ORDER BY id")).containsExactly("1", "2");
        assertThat(deadLetters())
                .as("the replay's dead letters replace the split's earlier ones; another split's stay")
                .containsExactly("r1|3", "r2|1");

        write(people(BadRecordPolicy.SKIP), split("r1"), "SELECT 1 AS id, 'ann' AS name", claim(3));
        assertThat(deadLetters())
                .as("a replay under another policy removes them too: they described rows no longer there")
                .containsExactly("r2|1");
    }

    /**
     * A new version of an input, or a range of a file cut again, replaces the dead letters of the splits whose rows it
     * replaces; a sibling range keeps its own, and so does an input whose name differs only in case.
     */
    @Test
    void aNewVersionOrAnOverlappingRangeReplacesTheReplacedSplitsDeadLetters() throws Exception {
        Sink sink = people(BadRecordPolicy.DEAD_LETTER);
        write(
                sink,
                range("a.csv", "v1", 0, 100),
                "SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte')) t(id, name)",
                claim(1));
        write(
                sink,
                range("a.csv", "v1", 100, 200),
                "SELECT * FROM (VALUES (3, 'bob'), (4, 'dorothea')) t(id, name)",
                claim(1));
        write(
                sink,
                range("A.csv", "v1", 0, 100),
                "SELECT * FROM (VALUES (5, 'eve'), (6, 'gwendolyn')) t(id, name)",
                claim(1));
        assertThat(deadLetters())
                .containsExactlyInAnyOrder("A.csv#0-100@v1|2", "a.csv#0-100@v1|2", "a.csv#100-200@v1|2");

        write(
                sink,
                range("a.csv", "v1", 0, 50),
                "SELECT * FROM (VALUES (1, 'ann'), (2, 'carl')) t(id, name)",
                claim(1));
        assertThat(deadLetters())
                .as("a range overlapping an earlier one replaces its dead letters; its sibling keeps its own")
                .containsExactlyInAnyOrder("A.csv#0-100@v1|2", "a.csv#100-200@v1|2");

        write(sink, range("a.csv", "v2", 0, 100), "SELECT 7 AS id, 'ivy' AS name", claim(1));
        assertThat(stored("SELECT id FROM SCHEMA.people ORDER BY id")).containsExactly("5", "7");
        assertThat(deadLetters())
                .as("a new version replaces every range's dead letters, not those of A.csv")
                .containsExactly("A.csv#0-100@v1|2");
    }

    /**
     * The dead letters are indexed on the split, which a commit that replaces splits deletes their dead letters by: in
     * a schema made now, and added once, by the first commit that meets them, to those of the Sluice before (the same
     * table without the index); the commits after it find the bookkeeping complete and change nothing (they do not ask
     * for the schema's lock under which it is changed).
     */
    @Test
    void theDeadLettersAreIndexedBySplitAlsoAfterMigratingAnOldTable() throws Exception {
        String splitIndex = "pipeline,target,split_id";
        Sink sink = people(BadRecordPolicy.DEAD_LETTER);
        assertThat(target.indexes("_sluice_dead_letter"))
                .as("made with the table")
                .containsExactly(splitIndex);

        String refused = "SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte')) t(id, name)";
        write(sink, split("r1"), refused, claim(1));
        target.dropIndex("_sluice_dead_letter", JdbcSink.DEAD_LETTER_INDEX);
        write(sink, split("r1"), refused, claim(2));
        assertThat(target.indexes("_sluice_dead_letter"))
                .as("added by the first commit that meets the table without it")
                .containsExactly(splitIndex);
        assertThat(deadLetters()).containsExactly("r1|2");

        try (Connection lock = target.holdBookkeepingLock()) {
            CompletableFuture<Written> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return write(sink, split("r1"), refused, claim(3));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(next.get(60, TimeUnit.SECONDS).refused())
                    .as("committed without the schema's lock: the bookkeeping is complete, the index made once")
                    .isEqualTo(1);
        }
        assertThat(deadLetters()).containsExactly("r1|2");
    }

    /**
     * The delete of a replaced split's dead letters finds them by the index, in a table with enough dead letters that
     * a planner prefers the index to a scan (10,000 of 1,000 splits, analyzed: EXPLAIN is stable on such a table):
     * both the commit's (split ids compared as the migrated column does) and the discard's (compared exactly beside,
     * for a table an earlier Sluice made).
     */
    @Test
    void theDeleteOfASplitsDeadLettersUsesTheIndex() throws Exception {
        Sink sink = people(BadRecordPolicy.DEAD_LETTER);
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte')) t(id, name)", claim(1));
        String digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"
                + " UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
        TableName people = new TableName(target.schema, "people");
        target.sql("INSERT INTO " + target.schema + "._sluice_dead_letter (pipeline, target, split_id, line)"
                + " SELECT 'p', '" + people + "', concat('s', a.d, b.d, c.d), l.d FROM " + digit + " a, " + digit
                + " b, " + digit + " c, " + digit + " l");
        target.analyze("_sluice_dead_letter");

        JdbcSink jdbc = (JdbcSink) sink;
        for (boolean migrated : List.of(true, false)) {
            String delete = jdbc.deadLettersDelete(people, 2, migrated);
            List<String> ids = List.of("s123", "r1");
            List<String> parameters = new java.util.ArrayList<>(List.of("p", people.toString()));
            long lists = (delete.chars().filter(ch -> ch == '?').count() - 2) / ids.size(); // the ids, once or twice
            for (long i = 0; i < lists; i++) parameters.addAll(ids);
            assertThat(String.join("\n", target.plan(delete, parameters)))
                    .as(delete)
                    .contains(JdbcSink.DEAD_LETTER_INDEX);
        }
    }

    /** A discarded split leaves no dead letter: the split is forgotten, and a later commit of it starts afresh. */
    @Test
    void discardRemovesTheSplitsDeadLetters() throws Exception {
        Sink sink = people(BadRecordPolicy.DEAD_LETTER);
        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte')) t(id, name)", claim(1));
        write(sink, split("r2"), "SELECT 10 AS id, 'frederika' AS name", claim(1));
        sink.discard(split("r1"), claim(1));
        assertThat(deadLetters()).containsExactly("r2|1");

        write(sink, split("r1"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'charlotte')) t(id, name)", claim(1));
        assertThat(deadLetters()).containsExactly("r1|2", "r2|1");
    }

    /**
     * Names that differ only in trailing spaces ({@code a.csv}, {@code a.csv }) are two inputs too: each keeps its rows,
     * through a new version and a replay, where a PAD SPACE collation (MariaDB's and MySQL's {@code utf8mb4_bin}) took
     * one for the other's output or split and removed its rows.
     */
    @Test
    void outputsAndSplitsWhoseNamesDifferOnlyInTrailingSpacesKeepEachOthersRows() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        writeWithoutTrailingSpaces(sink);
        writeWithTrailingSpacesBeside(sink);
    }

    /** Into {@code SCHEMA.lines}: a version of {@code a.csv} (2 rows) and the split {@code r1} (1 row). */
    void writeWithoutTrailingSpaces(Sink sink) throws Exception {
        write(sink, range("a.csv", "v1", 0, 100), "SELECT 'a v1' AS v FROM range(2)", claim(1));
        write(sink, split("r1"), "SELECT 'r1' AS v", claim(1));
    }

    /**
     * Beside {@link #writeWithoutTrailingSpaces}: another version of {@code a.csv } and the split {@code r1 }, written
     * and replayed; each of the four keeps its own rows.
     */
    void writeWithTrailingSpacesBeside(Sink sink) throws Exception {
        write(sink, range("a.csv ", "v9", 0, 100), "SELECT 'a-space v9' AS v FROM range(3)", claim(1));
        write(sink, split("r1 "), "SELECT 'r1-space' AS v FROM range(2)", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("four outputs and splits, none another's version or replay")
                .containsExactlyInAnyOrder("a v1|2", "a-space v9|3", "r1|1", "r1-space|2");

        write(sink, range("a.csv ", "v9", 0, 100), "SELECT 'a-space v9 again' AS v", claim(2));
        write(sink, split("r1 "), "SELECT 'r1-space again' AS v", claim(2));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("a replay replaces its own split's rows only")
                .containsExactlyInAnyOrder("a v1|2", "a-space v9 again|1", "r1|1", "r1-space again|1");
        assertThat(stored("SELECT concat('[', output_key, ']') FROM SCHEMA._sluice_outputs"))
                .containsExactlyInAnyOrder("[a.csv]", "[a.csv ]");
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

    /**
     * An older claim of a split's first commit holds its new record when a newer claim discards the split (its attempt
     * found unreadable inputs, and the split is divided): the discard must wait for that record, or find nothing,
     * commit, and leave the older claim's rows to commit after it, beside the divided splits' own.
     */
    @Test
    void aDiscardRacingAnOlderClaimsFirstCommitLeavesNoRowOfTheSplit() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r0"), "SELECT 'other' AS v", claim(1));
        Split split = split("r1");
        CompletableFuture<Void> discarded = new CompletableFuture<>();
        try (SinkWriter older = sink.open(split, scratch())) {
            older.stage(rows("SELECT 'older' AS v FROM range(3)"), BadRows.NONE);
            SplitCommit raced = new SplitCommit(
                    () -> {
                        CompletableFuture.runAsync(() -> {
                            try {
                                sink.discard(split, claim(2));
                                discarded.complete(null);
                            } catch (Exception e) {
                                discarded.completeExceptionally(e);
                            }
                        });
                        try {
                            target.awaitDoneOrBlocked(
                                    discarded, target.quote(target.schema) + "." + target.quote(JdbcSink.COMMITS));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    () -> true,
                    "incarnation-1",
                    1,
                    1,
                    locks);
            try {
                older.commit(raced);
            } catch (StaleClaimException refused) {
                // as good: the older claim commits nothing
            }
        }
        discarded.get(30, TimeUnit.SECONDS);
        assertThat(stored("SELECT v FROM SCHEMA.events")).containsExactly("other");
        assertThat(stored("SELECT split_id FROM SCHEMA._sluice_commits")).containsExactly("r0");
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
        assertThat(w.refused()).as("refused rows are bad records, not rows out").isEqualTo(3);
        assertThat(stored("SELECT id FROM SCHEMA.people ORDER BY id")).containsExactly("1", "3", "6");
        assertThat(stored("SELECT DISTINCT file FROM SCHEMA._sluice_dead_letter"))
                .as("a refused row names the split's input, where the user can find it")
                .containsExactly("r1");
        List<String> dead = stored("SELECT split_id, line, " + target.quote("key")
                + ", reason FROM SCHEMA._sluice_dead_letter ORDER BY line");
        assertThat(dead).hasSize(3);
        assertThat(dead.get(0)).startsWith("r1|2|{\"id\": \"2\"}|").contains(notNullMessage());
        assertThat(dead.get(1)).startsWith("r1|4|{\"id\": \"4\"}|").contains("too long");
        assertThat(dead.get(2)).startsWith("r1|5|{\"id\": \"5\"}|").containsIgnoringCase("constraint");
        assertThat(dead)
                .as("the database's message without the driver's prefixes")
                .noneMatch(d -> d.contains("|ERROR: ") || d.contains("(conn="));
        assertThat(stored("SELECT record FROM SCHEMA._sluice_dead_letter WHERE line = 4"))
                .containsExactly(refusedRecord());
    }

    /**
     * A bad record of a byte range whose lines are not counted is named by the byte where it starts, its line null: the
     * table keeps the byte, as the files sink's dead letters do. A bad record named by its line has no byte (NULL).
     */
    @Test
    void aDeadLetterNamedByItsByteKeepsItsByte() throws Exception {
        Sink sink = sink("table: SCHEMA.items\n");
        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.RANGE, duck, scratch(), claim(1));
        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.WHOLE_FILE, duck, scratch(), claim(1));
        assertThat(byteDeadLetters())
                .containsExactly(ByteNamedBadRecords.KEPT_BY_BYTE, ByteNamedBadRecords.KEPT_BY_LINE);
    }

    /**
     * The dead letters of an earlier Sluice, whose table has no byte column: preparing the sink adds it, the rows stay
     * (their byte NULL), and a record named by its byte is kept with it.
     */
    @Test
    void anEarlierSluicesDeadLettersGetTheByteColumnAndKeepTheirRows() throws Exception {
        String table = target.schema + "._sluice_dead_letter";
        target.sql("CREATE TABLE " + table + " (pipeline varchar(128) NOT NULL, target varchar(255) NOT NULL, "
                + "split_id text NOT NULL, file text, line bigint, " + target.quote("key") + " text, reason text, "
                + "record text, at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)");
        target.sql("INSERT INTO " + table + " (pipeline, target, split_id, file, line, reason, record) "
                + "VALUES ('p', 'items', 'old.csv', 'old.csv', 3, 'unreadable', 'x;y')");

        Sink sink = sink("table: SCHEMA.items\n");
        assertThat(byteDeadLetters()).as("the column added, the row kept").containsExactly("old.csv|3|null|unreadable");

        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.RANGE, duck, scratch(), claim(1));
        assertThat(byteDeadLetters()).containsExactly(ByteNamedBadRecords.KEPT_BY_BYTE, "old.csv|3|null|unreadable");
    }

    /** Each dead letter as {@code file|line|byte|reason}, by file. */
    private List<String> byteDeadLetters() throws Exception {
        return stored("SELECT file, line, " + target.quote("byte")
                + ", reason FROM SCHEMA._sluice_dead_letter ORDER BY file");
    }
}
