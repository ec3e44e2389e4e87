package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.Written;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The jdbc sink on a real MariaDB (Debian's mariadb-server, {@link io.sluice.testkit.TestMariaDb}) through MariaDB's
 * driver: the cases of {@link JdbcSinkTest} that differ by database (modes, fencing, refused rows, the table it
 * creates, schema changes). {@link JdbcSinkMySqlDriverTest} runs them again through MySQL's driver.
 */
class JdbcSinkMariaDbTest extends JdbcSinkCases {
    /** The url's scheme: which driver connects. */
    String scheme() {
        return "jdbc:mariadb:";
    }

    @Override
    TestTarget newTarget(Path dir) throws Exception {
        return TestTarget.mariaDb(dir, scheme());
    }

    @Override
    String notNullMessage() {
        return "cannot be null";
    }

    @Override
    String jsonText(String column, String path) {
        return "JSON_UNQUOTE(JSON_EXTRACT(" + column + ", '" + path + "'))";
    }

    @Override
    String binaryType() {
        return "longblob";
    }

    @Override
    String hexOf(String column) {
        return "lower(hex(" + column + "))";
    }

    @Override
    String refusedRecord() {
        return "{\"id\": \"4\", \"name\": \"charlotte\", \"age\": \"20\"}";
    }

    /** More rows than one INSERT statement stages, with every kind of text that needs escaping. */
    @Test
    void manyRowsAndAwkwardTextArriveUnchanged() throws Exception {
        Sink sink = sink("table: SCHEMA.texts\n");
        Written w = write(
                sink,
                split("r1"),
                "SELECT i AS id, CASE i % 4 WHEN 0 THEN 'a''b\"c\\d' WHEN 1 THEN 'tab' || chr(9) || 'new' || chr(10) || 'line' "
                        + "WHEN 2 THEN 'ünïcødé ✓ 𝄞 \\N' ELSE '' END AS v FROM range(2500) t(i)",
                claim(1));
        assertThat(w.rowsOut()).isEqualTo(2500);
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.texts GROUP BY v ORDER BY min(id)"))
                .containsExactly("a'b\"c\\d|625", "tab\tnew\nline|625", "ünïcødé ✓ 𝄞 \\N|625", "|625");
    }

    /**
     * Rows reach MariaDB as Java values; their dates and times must not pass through the JVM's time zone, which on a
     * machine in New York has no 02:30 on 2024-03-10 and reads 06:30 UTC on 2024-11-03 as 05:30 (the hour is there
     * twice), nor through the Julian calendar of java.sql.Timestamp before 1582.
     */
    @Test
    void datesAndTimesArriveUnchangedWhateverTheJvmsTimeZone() throws Exception {
        java.util.TimeZone jvm = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("America/New_York"));
        try {
            Sink sink = sink("table: SCHEMA.times\n");
            write(
                    sink,
                    split("r1"),
                    "SELECT TIMESTAMP '2024-03-10 02:30:00' AS gap, TIMESTAMP '1500-01-01 12:00:00.25' AS old, "
                            + "TIMESTAMP_NS '2024-03-10 02:30:00.123456789' AS ns, "
                            + "TIMESTAMP_S '1969-12-31 23:59:59' AS s, TIMESTAMP_MS '2024-03-10 02:30:00.5' AS ms, "
                            + "TIMESTAMPTZ '2024-03-10 07:30:00.123456+00' AS spring, "
                            + "TIMESTAMPTZ '2024-11-03 06:30:00+00' AS autumn, "
                            + "TIMESTAMPTZ '1500-01-01 12:00:00+00' AS old_tz, DATE '1500-01-01' AS d, "
                            + "NULL::TIMESTAMP AS no_ts, NULL::TIMESTAMPTZ AS no_tz",
                    claim(1));
            assertThat(stored("SELECT CAST(gap AS CHAR), CAST(old AS CHAR), CAST(ns AS CHAR), CAST(s AS CHAR), "
                            + "CAST(ms AS CHAR), CAST(spring AS CHAR), CAST(autumn AS CHAR), CAST(old_tz AS CHAR), d, "
                            + "no_ts, no_tz FROM SCHEMA.times"))
                    .containsExactly("2024-03-10 02:30:00.000000|1500-01-01 12:00:00.250000"
                            + "|2024-03-10 02:30:00.123456|1969-12-31 23:59:59.000000|2024-03-10 02:30:00.500000"
                            + "|2024-03-10 07:30:00.123456|2024-11-03 06:30:00.000000|1500-01-01 12:00:00.000000"
                            + "|1500-01-01|null|null");
        } finally {
            java.util.TimeZone.setDefault(jvm);
        }
    }

    /**
     * MariaDB does not tell upper and lower case apart in column names: the output's {@code id} and {@code name} are
     * the table's {@code ID} and {@code Name}, in keys too, never new columns to add (which MariaDB refused as
     * duplicates at every attempt).
     */
    @Test
    void columnsMatchTheTablesWhateverTheirCase() throws Exception {
        target.sql("CREATE TABLE " + target.schema + ".people (ID int PRIMARY KEY, Name varchar(20))");
        Sink upsert = sink("table: SCHEMA.people\nmode: upsert\nkeys: [id]\n");
        write(upsert, split("r1"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'bob'), (1, 'amy')) t(id, name)", claim(1));
        Sink append = sink("table: SCHEMA.people\n");
        write(append, split("r2"), "SELECT 3 AS id, 'cid' AS NAME", claim(1));

        assertThat(stored("SELECT ID, Name FROM SCHEMA.people ORDER BY ID")).containsExactly("1|amy", "2|bob", "3|cid");
        assertThat(stored("SELECT column_name FROM information_schema.columns WHERE table_schema = 'SCHEMA'"
                        + " AND table_name = 'people' ORDER BY ordinal_position"))
                .containsExactly("ID", "Name", "_sluice_split");
    }

    /** MariaDB's names are at most 64 characters: a longer output column fails its split at once, naming it. */
    @Test
    void aColumnNameLongerThan64CharactersIsRefusedSayingWhatToDo() throws Exception {
        String name = "c".repeat(65);
        Sink sink = sink("table: SCHEMA.wide\n");
        assertThatThrownBy(() -> write(sink, split("r1"), "SELECT 1 AS id, 2 AS " + name, claim(1)))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .satisfies(e -> assertThat(((io.sluice.spi.AttemptFailure) e).retryable())
                        .isFalse())
                .hasMessageContaining(name)
                .hasMessageContaining("64 characters")
                .hasMessageContaining("rename it in a step");
    }

    /** The bookkeeping tables' keys hold 500 characters here (InnoDB's index limit): a longer split id is named. */
    @Test
    void aSplitIdLongerThanTheBookkeepingKeyIsRefusedSayingSo() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        assertThatThrownBy(() -> write(sink, split("x".repeat(600)), "SELECT 1 AS v", claim(1)))
                .hasMessageContaining("at most 500 characters long (it is 600)");
        assertThat(stored("SELECT count(*) FROM SCHEMA.events")).containsExactly("0");
    }

    /**
     * The bookkeeping tables of an earlier Sluice compare text as the character set's default collation does,
     * ignoring case and accents, and the rows of a target table it made carry their split id so: the first commit that
     * meets them makes the bookkeeping keys compare exactly, so that {@code a.csv} no longer replaces {@code A.csv}
     * as "another version of the same output", and a replay of {@code a.csv} removes its own rows, not {@code A.csv}'s.
     */
    @Test
    void bookkeepingOfAnEarlierSluiceIsMigratedToCompareKeysExactly() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        write(sink, range("A.csv", "v1", 0, 100), "SELECT 'A v1' AS v FROM range(2)", claim(1));
        // as an earlier Sluice made them: DEFAULT CHARSET=utf8mb4, its default collation (utf8mb4_general_ci)
        for (String table : List.of("_sluice_commits", "_sluice_outputs", "_sluice_dead_letter", "lines")) {
            target.sql("ALTER TABLE " + target.schema + "." + table + " CONVERT TO CHARACTER SET utf8mb4");
        }
        assertThat(stored("SELECT DISTINCT collation_name FROM information_schema.columns WHERE table_schema = "
                        + "'SCHEMA' AND table_name LIKE '%sluice%' AND collation_name IS NOT NULL"))
                .containsExactly("utf8mb4_general_ci");

        // the same version: split ids that differ only in case too
        write(sink, range("a.csv", "v1", 0, 100), "SELECT 'lower a v1' AS v FROM range(3)", claim(1));
        write(sink, range("a.csv", "v1", 0, 100), "SELECT 'lower a v1 again' AS v", claim(2));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .containsExactlyInAnyOrder("A v1|2", "lower a v1 again|1");
        assertThat(stored("SELECT split_id, output_key FROM SCHEMA._sluice_commits"))
                .as("each split its own record: a later replay of either finds its rows")
                .containsExactlyInAnyOrder("A.csv#0-100@v1|A.csv", "a.csv#0-100@v1|a.csv");
        write(sink, range("a.csv", "v9", 0, 100), "SELECT 'lower a v9' AS v", claim(1));
        assertThat(stored("SELECT v, count(*) FROM SCHEMA.lines GROUP BY v ORDER BY v"))
                .as("a new version of a.csv replaces a.csv's rows, not A.csv's")
                .containsExactlyInAnyOrder("A v1|2", "lower a v9|1");
        assertThat(stored("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
                        + "'SCHEMA' AND table_name LIKE '\\_sluice\\_%' AND collation_name <> 'utf8mb4_nopad_bin' "
                        + "AND column_name IN ('pipeline', 'target', 'split_id', 'output_key', 'output_version')"))
                .as("every key column of the bookkeeping compares exactly")
                .isEmpty();

        // another pipeline's split whose id differs from one of this pipeline's only in case
        resetKeepsTheRowsOfAnotherPipelinesSplit(sink, range("A.CSV", "V9", 0, 100));
    }

    /**
     * Writes the split to {@code lines} for pipeline {@code q}, resets the sink's pipeline, and checks that only q's row
     * is left.
     */
    private void resetKeepsTheRowsOfAnotherPipelinesSplit(Sink sink, io.sluice.spi.Split split) throws Exception {
        Sink other = target.sink(
                "table: SCHEMA.lines\n".replace("SCHEMA", target.schema),
                io.sluice.spi.BadRecordPolicy.DEAD_LETTER,
                "q");
        try {
            write(other, split, "SELECT 'q' AS v", claim(1));
            sink.deleteOutput();
        } finally {
            other.finish();
        }
        assertThat(stored("SELECT v FROM SCHEMA.lines"))
                .as("this pipeline's reset keeps the other's rows")
                .containsExactly("q");
    }

    /**
     * Dead letters as an earlier Sluice kept them, their split ids compared ignoring case: a discard (which migrates
     * nothing, unlike a commit) removes its own split's, not those of a split whose id differs only in case.
     */
    @Test
    void aDiscardBeforeTheMigrationRemovesOnlyItsOwnSplitsDeadLetters() throws Exception {
        Sink sink = people(io.sluice.spi.BadRecordPolicy.DEAD_LETTER);
        write(sink, split("A.csv"), "SELECT 1 AS id, 'charlotte' AS name", claim(1));
        write(sink, split("a.csv"), "SELECT 2 AS id, 'dorothea' AS name", claim(1));
        target.sql("ALTER TABLE " + target.schema + "._sluice_dead_letter CONVERT TO CHARACTER SET utf8mb4");

        sink.discard(split("a.csv"), claim(1));
        assertThat(deadLetters()).containsExactly("A.csv|1");
    }

    /**
     * The Sluice before this one made the bookkeeping's keys and a created table's {@code _sluice_split} in
     * {@code utf8mb4_bin}, which ignores trailing spaces (PAD SPACE): the first commit that meets them makes the keys
     * NO PAD, once (a later commit finds them so and changes nothing), and leaves the target table's column as it is
     * (a replay's delete and a reset compare split ids exactly beside it).
     */
    @Test
    void bookkeepingInUtf8mb4BinIsMigratedOnceToTellTrailingSpacesApart() throws Exception {
        Sink sink = sink("table: SCHEMA.lines\n");
        writeWithoutTrailingSpaces(sink);
        List<String> keyColumns = stored("SELECT concat(table_name, '.', column_name) FROM information_schema.columns"
                + " WHERE table_schema = 'SCHEMA' AND collation_name = 'utf8mb4_nopad_bin'");
        assertThat(keyColumns)
                .containsExactlyInAnyOrder(
                        "_sluice_commits.output_key",
                        "_sluice_commits.output_version",
                        "_sluice_commits.pipeline",
                        "_sluice_commits.split_id",
                        "_sluice_commits.target",
                        "_sluice_dead_letter.pipeline",
                        "_sluice_dead_letter.split_id",
                        "_sluice_dead_letter.target",
                        "_sluice_outputs.output_key",
                        "_sluice_outputs.pipeline",
                        "_sluice_outputs.target",
                        "lines._sluice_split");
        // as the Sluice before made them: the same columns in utf8mb4_bin
        for (String row : stored(
                "SELECT table_name, column_name, column_type, is_nullable FROM "
                        + "information_schema.columns WHERE table_schema = 'SCHEMA' AND collation_name = 'utf8mb4_nopad_bin'")) {
            String[] c = row.split("\\|");
            target.sql("ALTER TABLE " + target.schema + "." + c[0] + " MODIFY " + c[1] + " " + c[2]
                    + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" + (c[3].equals("NO") ? " NOT NULL" : ""));
        }

        writeWithTrailingSpacesBeside(sink);
        assertThat(stored("SELECT concat(table_name, '.', column_name) FROM information_schema.columns"
                        + " WHERE table_schema = 'SCHEMA' AND collation_name = 'utf8mb4_nopad_bin'"))
                .as("the bookkeeping's keys migrated; the target table's column left as it was")
                .containsExactlyInAnyOrderElementsOf(keyColumns.stream()
                        .filter(c -> !c.equals("lines._sluice_split"))
                        .toList());

        // a column changed again by a later commit would lose this comment
        target.sql("ALTER TABLE " + target.schema + "._sluice_commits MODIFY split_id varchar(500) CHARACTER SET "
                + "utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL COMMENT 'migrated'");
        write(sink, range("a.csv ", "v9", 0, 100), "SELECT 'a-space v9 once more' AS v", claim(3));
        assertThat(stored("SELECT column_comment FROM information_schema.columns WHERE table_schema = 'SCHEMA'"
                        + " AND table_name = '_sluice_commits' AND column_name = 'split_id'"))
                .as("migrated once: the next commit changes nothing")
                .containsExactly("migrated");

        // another pipeline's split whose id differs from this pipeline's r1 and r1  only in trailing spaces
        resetKeepsTheRowsOfAnotherPipelinesSplit(sink, split("r1  "));
    }

    /**
     * The user's key columns keep the server's default collation, which ignores case: {@code ABC} and {@code abc} are
     * one key for upsert in a created table; a key column declared with a binary NO PAD collation, as the docs say to,
     * keeps them (and {@code abc }) apart.
     */
    @Test
    void upsertKeysCompareAsTheKeyColumnsCollationSays() throws Exception {
        Sink created = sink("table: SCHEMA.by_default\nmode: upsert\nkeys: [k]\n");
        write(created, split("r1"), "SELECT * FROM (VALUES ('ABC', 1), ('abc', 2)) t(k, v)", claim(1));
        assertThat(stored("SELECT k, v FROM SCHEMA.by_default")).containsExactly("ABC|2");

        target.sql("CREATE TABLE " + target.schema + ".by_bytes (k varchar(64) CHARACTER SET utf8mb4"
                + " COLLATE utf8mb4_nopad_bin PRIMARY KEY, v int)");
        Sink declared = sink("table: SCHEMA.by_bytes\nmode: upsert\nkeys: [k]\n");
        write(declared, split("r1"), "SELECT * FROM (VALUES ('ABC', 1), ('abc', 2), ('abc ', 3)) t(k, v)", claim(1));
        assertThat(stored("SELECT concat('[', k, ']'), v FROM SCHEMA.by_bytes"))
                .containsExactlyInAnyOrder("[ABC]|1", "[abc]|2", "[abc ]|3");
    }

    /** A table Sluice creates carries its rows' split ids in a column that compares them exactly. */
    @Test
    void aCreatedTablesSplitColumnComparesExactly() throws Exception {
        Sink sink = sink("table: SCHEMA.events\n");
        write(sink, split("R1"), "SELECT 1 AS v", claim(1));
        write(sink, split("r1"), "SELECT 2 AS v", claim(1));
        write(sink, split("r1"), "SELECT 3 AS v", claim(2));
        assertThat(stored("SELECT v FROM SCHEMA.events ORDER BY v")).containsExactly("1", "3");
        assertThat(stored("SELECT collation_name FROM information_schema.columns WHERE table_schema = 'SCHEMA'"
                        + " AND table_name = 'events' AND column_name = '_sluice_split'"))
                .containsExactly("utf8mb4_nopad_bin");
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

        assertThat(stored("SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = "
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
        assertThat(stored("SELECT b, ti, ub, hi, d, f, CAST(db AS CHAR), s, dt, CAST(tm AS CHAR), CAST(ts AS CHAR), "
                        + "CAST(tz AS CHAR), u, j, empty FROM SCHEMA.typed"))
                .as("the instant with a time zone is stored in UTC")
                .containsExactly("1|1|18446744073709551615|170141183460469231731687303715884105727|5.25|1.5|2.5e300|x"
                        + "|2024-02-29|10:11:12.250000|2024-02-29 10:11:12.500000|2024-02-29 08:11:12.000000"
                        + "|6ba7b810-9dad-11d1-80b4-00c04fd430c8|{\"a\": 1}|null");
    }

    /** MariaDB refuses a key without a length (BLOB/TEXT in a key): no created key of bytes or JSON, at once. */
    @Test
    void aCreatedKeyOfBytesOrJsonFailsTheSplitAtOnce() throws Exception {
        Sink upsert = sink("table: SCHEMA.by_raw\nmode: upsert\nkeys: [raw]\n");
        assertThatThrownBy(() -> write(upsert, split("r1"), "SELECT '\\x01'::BLOB AS raw, 1 AS v", claim(1)))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .satisfies(e -> assertThat(((io.sluice.spi.AttemptFailure) e).retryable())
                        .isFalse())
                .hasMessageContaining("column \"raw\" has type BLOB");
        Sink byDoc = sink("table: SCHEMA.by_doc\nmode: upsert\nkeys: [doc]\n");
        assertThatThrownBy(() -> write(byDoc, split("r1"), "SELECT '{}'::JSON AS doc, 1 AS v", claim(1)))
                .isInstanceOf(io.sluice.spi.AttemptFailure.class)
                .hasMessageContaining("column \"doc\" has type JSON");
    }
}
