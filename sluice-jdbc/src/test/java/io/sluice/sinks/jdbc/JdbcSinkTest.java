package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The jdbc sink on a real PostgreSQL: the cases of {@link JdbcSinkCases}, and what is PostgreSQL's own (merge, refused
 * rows' messages, the type mapping, a password login).
 */
class JdbcSinkTest extends JdbcSinkCases {
    @Override
    TestTarget newTarget(Path dir) throws Exception {
        return new TestTarget(dir);
    }

    @Override
    String notNullMessage() {
        return "not-null";
    }

    @Override
    String jsonText(String column, String path) {
        return "jsonb_path_query_first(" + column + ", '" + path + "') #>> '{}'";
    }

    @Override
    String binaryType() {
        return "bytea";
    }

    @Override
    String hexOf(String column) {
        return "encode(" + column + ", 'hex')";
    }

    @Override
    String refusedRecord() {
        return "{\"id\": \"4\", \"age\": \"20\", \"name\": \"charlotte\"}"; // jsonb: shorter keys first
    }

    /**
     * A unique index {@code NULLS NOT DISTINCT} (PostgreSQL 15+) takes rows whose key is NULL as one key: of those in
     * one split the last wins, as of any other key (they failed the whole split: "ON CONFLICT DO UPDATE command cannot
     * affect row a second time"), and a later split's replaces it.
     */
    @Test
    void upsertOnAnIndexWhoseNullsAreNotDistinctTakesTheLastNullKeyRow() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".contacts (email varchar(50), name varchar(50),"
                + " UNIQUE NULLS NOT DISTINCT (email))");
        Sink sink = sink("table: SCHEMA.contacts\nmode: upsert\nkeys: [email]\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT * FROM (VALUES (NULL, 'ann'), ('b@x', 'bob'), (NULL, 'cid')) t(email, name)",
                claim(1));
        assertThat(stored("SELECT email, name FROM SCHEMA.contacts ORDER BY name"))
                .containsExactly("b@x|bob", "null|cid");
        assertThat(List.of(w.rowsOut(), w.refused())).containsExactly(3L, 0L);

        write(sink, split("r2"), "SELECT NULL::VARCHAR AS email, 'dan' AS name", claim(1));
        assertThat(stored("SELECT email, name FROM SCHEMA.contacts ORDER BY name"))
                .containsExactly("b@x|bob", "null|dan");
    }

    /**
     * An append's CSV waits for the commit in the attempt's scratch folder, which the runner removes even after a kill,
     * not in the JVM's temp folder, where a killed process's file would stay; the commit and an abort delete it.
     */
    @Test
    void anAppendsCsvLiesInTheAttemptsScratchFolderUntilTheCommitOrAbort() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        WriteContext committed = scratch();
        try (SinkWriter w = sink.open(split("r1"), committed)) {
            w.stage(rows("SELECT i AS id FROM range(3) t(i)"), BadRows.NONE);
            assertThat(files(committed.scratch())).hasSize(1).allMatch(f -> f.endsWith(".csv"));
            w.commit(claim(1));
        }
        assertThat(files(committed.scratch())).isEmpty();

        WriteContext aborted = scratch();
        try (SinkWriter w = sink.open(split("r2"), aborted)) {
            w.stage(rows("SELECT i AS id FROM range(2) t(i)"), BadRows.NONE);
            assertThat(files(aborted.scratch())).hasSize(1);
            w.abort();
        }
        assertThat(files(aborted.scratch())).isEmpty();
        assertThat(stored("SELECT count(*) FROM SCHEMA.events")).containsExactly("3");
    }

    private static List<String> files(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    /** Rows carry a number of their commit, 8 bytes, instead of the split's id; the record keeps the number. */
    @Test
    void eachCommitsRowsCarryANumberOfItsOwnThatItsRecordKeeps() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("r1"), "SELECT i AS id FROM range(3) t(i)", claim(1));
        String first = stored("SELECT commit_number FROM SCHEMA._sluice_commits WHERE split_id = 'r1'")
                .getFirst();
        write(sink, split("r1"), "SELECT i AS id FROM range(2) t(i)", claim(2));
        write(sink, split("r2"), "SELECT 10 + i AS id FROM range(2) t(i)", claim(1));

        assertThat(stored("SELECT c.split_id, count(*) FROM SCHEMA.events e JOIN SCHEMA._sluice_commits c"
                        + " ON c.commit_number = e._sluice_split GROUP BY c.split_id ORDER BY c.split_id"))
                .as("every row is its commit's, the replay's rows alone for r1")
                .containsExactly("r1|2", "r2|2");
        assertThat(stored("SELECT count(*) FROM SCHEMA.events WHERE _sluice_split = " + first))
                .as("the first commit's number marks no row any more")
                .containsExactly("0");
        assertThat(stored("SELECT indexdef FROM pg_indexes WHERE schemaname = 'SCHEMA' AND tablename = 'events'"))
                .as("a BRIN index without autosummarize, whose dropped requests would flood the server's log")
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("USING brin (_sluice_split)")
                .doesNotContain("autosummarize");
    }

    /** Numbers are drawn from the schema's sequence: equal split ids of two pipelines never mark the same rows. */
    @Test
    void twoPipelinesAppendToOneTableAndReplayOnlyTheirOwnRows() throws Exception {
        Sink mine = sink("table: SCHEMA.shared\n");
        Sink theirs = target.sink("table: " + target.schema + ".shared\n", BadRecordPolicy.DEAD_LETTER, "other");
        theirs.check();
        theirs.prepare();
        try {
            write(mine, split("orders.csv"), "SELECT i AS id, 'mine' AS v FROM range(3) t(i)", claim(1));
            write(theirs, split("orders.csv"), "SELECT i AS id, 'theirs' AS v FROM range(4) t(i)", claim(1));
            write(mine, split("orders.csv"), "SELECT i AS id, 'mine again' AS v FROM range(2) t(i)", claim(2));
        } finally {
            theirs.finish();
        }
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.shared GROUP BY v ORDER BY v"))
                .containsExactly("mine again|2", "theirs|4");
        mine.deleteOutput();
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.shared GROUP BY v ORDER BY v"))
                .as("a reset of one pipeline leaves the other's rows")
                .containsExactly("theirs|4");
    }

    /**
     * A table and bookkeeping an earlier Sluice made (rows carrying split ids as text, commit records without numbers)
     * keep working: replays replace by split id, and a reset removes the rows.
     */
    @Test
    void aTableWhoseRowsCarrySplitIdsAsTextKeepsThem() throws Exception {
        String schema = target.schema;
        target.sql("CREATE TABLE " + schema + "._sluice_commits (pipeline text NOT NULL, target text NOT NULL,"
                + " split_id text NOT NULL, token bigint NOT NULL, output_key text, incarnation text,"
                + " committed_at timestamptz, \"rows\" bigint, PRIMARY KEY (pipeline, target, split_id))");
        target.sql("CREATE TABLE " + schema + "._sluice_outputs (pipeline text NOT NULL, target text NOT NULL,"
                + " output_key text NOT NULL, lock_token bigint NOT NULL, PRIMARY KEY (pipeline, target, output_key))");
        target.sql("CREATE TABLE " + schema + "._sluice_dead_letter (pipeline text NOT NULL, target text NOT NULL,"
                + " split_id text NOT NULL, file text, line bigint, \"key\" text, reason text, record text,"
                + " at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP)");
        target.sql("CREATE TABLE " + schema + ".old (id bigint, _sluice_split text)");
        target.sql("INSERT INTO " + schema + ".old VALUES (1, 'r1'), (2, 'r1'), (3, 'r1')");
        target.sql("INSERT INTO " + schema + "._sluice_commits (pipeline, target, split_id, token) VALUES ('p', '"
                + schema + ".old', 'r1', 1)");

        Sink sink = sink("table: SCHEMA.old\n");
        write(sink, split("r1"), "SELECT 10 + i AS id FROM range(2) t(i)", claim(2));
        write(sink, split("r2"), "SELECT 20 AS id", claim(1));
        assertThat(stored("SELECT id, _sluice_split FROM SCHEMA.old ORDER BY id"))
                .as("the replay replaced r1's rows; every row carries its split's id")
                .containsExactly("10|r1", "11|r1", "20|r2");
        sink.deleteOutput();
        assertThat(stored("SELECT count(*) FROM SCHEMA.old")).containsExactly("0");
    }

    /**
     * A value is cast to its column's type without the length (the column's own length then applies): for
     * {@code character(n)} and {@code bit(n)} that must not be the SQL type of length 1, which would cut 'ABC' to 'A'.
     * Each mode that writes through the staging table: upsert, merge, and an append whose COPY met a refused row.
     */
    @Test
    void fixedLengthColumnsKeepTheWholeValueAndRefuseOneTooLong() throws Exception {
        for (String mode : List.of("upsert", "merge", "append")) {
            String table = "codes_" + mode;
            target.sql("CREATE TABLE " + target.schema + "." + table
                    + " (id integer PRIMARY KEY, code char(3) NOT NULL, flags bit(4))");
            Sink sink = sink("table: SCHEMA." + table + "\nmode: " + mode + "\nkeys: [id]\n");
            Written w = write(
                    sink,
                    split("r1"),
                    "SELECT * FROM (VALUES (1, 'ABC', '1010'), (2, 'XY', '0001'), (3, 'LONG', '1111'),"
                            + " (4, 'OK', '11')) t(id, code, flags)",
                    claim(1));

            assertThat(stored("SELECT id, code, flags FROM SCHEMA." + table + " ORDER BY id"))
                    .as(mode + ": whole values, a shorter one padded as char(3) does")
                    .containsExactly("1|ABC|1010", "2|XY |0001");
            assertThat(List.of(w.rowsOut(), w.refused())).as(mode).containsExactly(2L, 2L);
            assertThat(stored("SELECT line, reason FROM SCHEMA._sluice_dead_letter WHERE target = '" + target.schema
                            + "." + table + "' ORDER BY line"))
                    .as(mode + ": too long for char(3), too short for bit(4): refused, never cut or padded")
                    .containsExactly(
                            "3|refused by the database: value too long for type character(3)",
                            "4|refused by the database: bit string length 2 does not match type bit(4)");
        }
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
     * Another split's commit inserts a key (uncommitted) that this split's merge inserts too: the merge waits for it,
     * then must write over its row, as it would a moment later, not take its own row for a duplicate and refuse it
     * (a dead letter, or the split dead at once with {@code on_bad_record: fail}). A table Sluice makes for
     * {@code merge} has the keys as its primary key, so this is any two splits inserting one key at once.
     */
    @Test
    void aMergeOfAKeyThatAnotherCommitInsertsMeanwhileWritesOverItsRow() throws Exception {
        for (BadRecordPolicy policy : List.of(BadRecordPolicy.DEAD_LETTER, BadRecordPolicy.FAIL)) {
            String table = "stock_" + policy.name().toLowerCase(java.util.Locale.ROOT);
            Sink sink = sink("table: SCHEMA." + table + "\nmode: merge\nkeys: [sku]\n", policy);
            write(sink, split("r1"), "SELECT 'a' AS sku, 1 AS qty", claim(1));
            try (java.sql.Connection other = TestTarget.connect()) {
                other.setAutoCommit(false);
                try (java.sql.Statement s = other.createStatement()) {
                    s.execute("INSERT INTO " + target.schema + "." + table + " (sku, qty) VALUES ('b', 2)");
                }
                java.util.concurrent.CompletableFuture<Written> merged =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                return write(sink, split("r2"), "SELECT 'b' AS sku, 20 AS qty", claim(1));
                            } catch (Exception e) {
                                throw new java.util.concurrent.CompletionException(e);
                            }
                        });
                target.awaitDoneOrBlocked(merged, target.quote(target.schema) + "." + target.quote(table));
                other.commit();
                Written w = merged.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(List.of(w.rowsOut(), w.refused())).as(policy.name()).containsExactly(1L, 0L);
            }
            assertThat(stored("SELECT sku, qty FROM SCHEMA." + table + " ORDER BY sku"))
                    .as(policy.name())
                    .containsExactly("a|1", "b|20");
            assertThat(stored("SELECT count(*) FROM SCHEMA._sluice_dead_letter"))
                    .containsExactly("0");
        }
    }

    /**
     * PostgreSQL keeps the first 63 bytes of a longer name: the table made by the first split has the column under
     * that name, and every later split's output column of the full name is that column, not a new one to add. Two
     * output columns that 63 bytes cannot tell apart are refused naming both, at once (not retried).
     */
    @Test
    void aColumnNameLongerThan63BytesIsTheColumnPostgresqlKeeps() throws Exception {
        String longName = "measurement_" + "é".repeat(30) + "_in_kilowatt_hours"; // 90 bytes in UTF-8
        Sink sink = sink("table: SCHEMA.readings\nmode: upsert\nkeys: [id]\n");
        write(sink, split("r1"), "SELECT 1 AS id, 10.5 AS \"" + longName + "\"", claim(1));
        write(sink, split("r2"), "SELECT 2 AS id, 20.5 AS \"" + longName + "\"", claim(1));
        Sink appending = sink("table: SCHEMA.readings\n");
        write(appending, split("r3"), "SELECT 3 AS id, 30.5 AS \"" + longName + "\"", claim(1));

        assertThat(stored("SELECT * FROM SCHEMA.readings ORDER BY id"))
                .extracting(r -> r.substring(0, r.lastIndexOf('|')))
                .containsExactly("1|10.5", "2|20.5", "3|30.5");

        String a = "x".repeat(63) + "_a";
        String b = "x".repeat(63) + "_b";
        Sink colliding = sink("table: SCHEMA.wide\n");
        assertThatThrownBy(
                        () -> write(colliding, split("r4"), "SELECT 1 AS \"" + a + "\", 2 AS \"" + b + "\"", claim(1)))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .hasMessageContaining("\"" + a + "\" and \"" + b + "\"")
                .hasMessageContaining("63 bytes")
                .hasMessageContaining("rename")
                .satisfies(e -> assertThat(((io.sluice.spi.AttemptFailure) e).retryable())
                        .isFalse());
    }

    /**
     * A line {@code \.} alone ends the data of a COPY: a one-column output whose value is a backslash and a dot must
     * not end the split's rows there (the rows after it were lost, counted neither out nor bad). In a value of many
     * lines too, in every mode.
     */
    @Test
    void aValueOfABackslashAndADotDoesNotEndTheRows() throws Exception {
        for (String mode : List.of("upsert", "merge", "append")) {
            Sink one = sink("table: SCHEMA.one_" + mode + "\nmode: " + mode + "\nkeys: [v]\n");
            Written w = write(
                    one,
                    split("r1"),
                    "SELECT * FROM (VALUES ('a'), ('\\.'), ('b'), ('c' || chr(10) || '\\.' || chr(10) || 'd')) t(v)",
                    claim(1));
            assertThat(stored("SELECT replace(v, chr(10), '<LF>') FROM SCHEMA.one_" + mode + " ORDER BY v"))
                    .as(mode)
                    .containsExactly("\\.", "a", "b", "c<LF>\\.<LF>d");
            assertThat(w.rowsOut()).as(mode).isEqualTo(4);
        }
    }

    /** Merge matches no row by a NULL key: each row of the split with a NULL key is inserted, not only its last. */
    @Test
    void mergeInsertsEveryRowWhoseKeyIsNull() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".stock (sku text, qty integer)");
        Sink sink = sink("table: SCHEMA.stock\nmode: merge\nkeys: [sku]\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT * FROM (VALUES (NULL, 1), ('a', 2), (NULL, 3), ('a', 4)) t(sku, qty)",
                claim(1));

        assertThat(target.rows("SELECT sku, qty FROM " + target.schema + ".stock ORDER BY qty"))
                .containsExactly("null|1", "null|3", "a|4");
        assertThat(w.rowsOut()).isEqualTo(4);
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
                        "_sluice_split|bigint");
        target.sql("SET TIME ZONE 'UTC'");
        assertThat(target.rows("SELECT b, ti, d, f, db, s, dt, tm, ts, tz AT TIME ZONE 'UTC', iv, u, empty FROM "
                        + target.schema + ".typed"))
                .containsExactly("t|1|5.25|1.5|2.5|x|2024-02-29|10:11:12|2024-02-29 10:11:12.5|2024-02-29 10:11:12"
                        + "|2 days|6ba7b810-9dad-11d1-80b4-00c04fd430c8|null");
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
        Sink sink = unchecked("table: SCHEMA.t\n");
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("authentication failed for user sluice_pw")
                .hasMessageContaining("connections.yaml")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-s3cret"));
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
                        + target.writtenBy("t") + " FROM " + target.schema + ".texts t ORDER BY id"))
                .containsExactly(
                        "1|f|a,b|" + id,
                        "2|f|say \"hi\"|" + id,
                        "3|f|two<LF>lines|" + id,
                        "4|f|cr<CR><LF>lf|" + id,
                        "5|f||" + id,
                        "6|t|null|" + id);

        Sink oneColumn = sink("table: SCHEMA.one\n"); // a NULL is an empty line of the CSV
        write(oneColumn, split("r1"), "SELECT * FROM (VALUES ('x'), (NULL), ('')) t(s)", claim(1));
        assertThat(target.rows("SELECT s IS NULL, s, " + target.writtenBy("o") + " FROM " + target.schema
                        + ".one o ORDER BY s"))
                .containsExactly("f||r1", "f|x|r1", "t|null|r1");
    }
}
