package io.sluice.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.spi.sink.Sink;
import java.nio.file.Path;
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
    String refusedRecord() {
        return "{\"id\": \"4\", \"age\": \"20\", \"name\": \"charlotte\"}"; // jsonb: shorter keys first
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
}
