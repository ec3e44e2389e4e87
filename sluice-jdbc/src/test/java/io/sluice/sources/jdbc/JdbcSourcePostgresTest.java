package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.runner.RunSummary;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc source against a real PostgreSQL, through pipeline files, with exact row counts. */
class JdbcSourcePostgresTest {
    @TempDir
    Path dir;

    private TestDatabase db;

    @BeforeEach
    void freshSchema() throws Exception {
        db = TestDatabase.postgres();
    }

    private Path pipeline(String source) throws Exception {
        return PipelineRun.pipeline(dir, db.connection("pg"), source);
    }

    private Object out(String query) throws Exception {
        return PipelineRun.query(dir.resolve("out"), query);
    }

    @Test
    void aFullReadKeepsTypesNullsAndEmptyTextAndHappensOnce() throws Exception {
        db.sql("""
                CREATE TABLE orders (id int8 PRIMARY KEY, qty int4, small int2, price numeric(12,2), ratio numeric,
                  note text, code varchar(10), paid bool, at timestamptz, local_at timestamp, day date,
                  ref uuid, doc jsonb, score float8)""", """
                INSERT INTO orders VALUES
                  (1, 3, 1, 12.50, 0.3333333333, 'a, "quoted"
                 note', '007', true, '2026-01-02 03:04:05.123456+02', '2026-01-02 03:04:05', '2026-01-02',
                   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2]}', 1.5e300),
                  (2, NULL, NULL, NULL, NULL, '', NULL, false, NULL, NULL, NULL, NULL, NULL, NULL)""");
        db.sql("INSERT INTO orders (id, qty, note) SELECT g, g % 7, 'row ' || g FROM generate_series(3, 1000) g");
        Path yaml = pipeline("{ connection: pg, table: orders }");

        PipelineRun.Result first = PipelineRun.run(yaml);
        assertThat(first.summary().splitsDone()).isEqualTo(1);
        assertThat(out("SELECT count(*), count(DISTINCT id) FROM rows")).isEqualTo(1000L);
        assertThat(PipelineRun.rows(
                                dir.resolve("out"),
                                "SELECT typeof(id), typeof(qty), typeof(small), "
                                        + "typeof(price), typeof(ratio), typeof(note), typeof(paid), typeof(\"at\"), typeof(local_at), "
                                        + "typeof(day), typeof(ref), typeof(doc), typeof(score) FROM rows LIMIT 1")
                        .getFirst())
                .containsExactly(
                        "BIGINT",
                        "INTEGER",
                        "SMALLINT",
                        "DECIMAL(12,2)",
                        TypeMap.UNCONSTRAINED_NUMERIC,
                        "VARCHAR",
                        "BOOLEAN",
                        "TIMESTAMP WITH TIME ZONE",
                        "TIMESTAMP",
                        "DATE",
                        "UUID",
                        "VARCHAR",
                        "DOUBLE");
        List<Object> one = PipelineRun.rows(dir.resolve("out"), "SELECT * FROM rows WHERE id = 1")
                .getFirst();
        assertThat((BigDecimal) one.get(3)).isEqualByComparingTo("12.50");
        assertThat(one.get(5)).isEqualTo("a, \"quoted\"\n note");
        assertThat(one.get(6)).as("text stays text").isEqualTo("007");
        assertThat(one.get(7)).isEqualTo(true);
        assertThat(((OffsetDateTime) one.get(8)).toInstant())
                .isEqualTo(OffsetDateTime.parse("2026-01-02T01:04:05.123456Z").toInstant());
        assertThat(one.get(12)).isEqualTo("{\"k\": [1, 2]}");
        assertThat(one.get(13)).isEqualTo(1.5e300);
        List<Object> two = PipelineRun.rows(dir.resolve("out"), "SELECT * FROM rows WHERE id = 2")
                .getFirst();
        assertThat(two.get(5)).as("the empty string stays empty").isEqualTo("");
        assertThat(two.get(6)).as("NULL stays NULL").isNull();
        assertThat(two.subList(1, 5)).containsOnlyNulls();

        PipelineRun.Result again = PipelineRun.run(yaml);
        assertThat(again.summary().splitsDone()).as("a full read happens once").isZero();
        assertThat(again.notices()).anySatisfy(n -> assertThat(n).contains("read in full already"));
        assertThat(out("SELECT count(*) FROM rows")).isEqualTo(1000L);
    }

    /**
     * The line that says why a run read nothing counts the rows past the upper bound; a count the database refuses (here
     * a row of the last minutes that the query cannot compute yet) failed the whole plan, for a run with nothing to
     * read. It now says the line without the count.
     */
    @Test
    void aRefusedCountOfTheRowsPastTheBoundDoesNotFailAPlanWithNothingToRead() throws Exception {
        db.sql(
                "CREATE TABLE late (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO late VALUES (1, now() - interval '1 hour')",
                "CREATE FUNCTION settled(t timestamptz) RETURNS int VOLATILE LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF t > now() - interval '5 minutes' THEN RAISE EXCEPTION 'row % is not settled', t; END IF;"
                        + " RETURN 1; END $$");
        Path yaml = pipeline("{ connection: pg, query: \"SELECT id, updated_at, settled(updated_at) AS s FROM late\","
                + " incremental: { column: updated_at, tie_breaker: id, lag: 10m } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(1);

        db.sql("INSERT INTO late VALUES (2, now())");
        PipelineRun.Result again = PipelineRun.run(yaml);
        assertThat(again.summary().splitsDone()).isZero();
        assertThat(again.notices())
                .anySatisfy(n -> assertThat(n)
                        .containsPattern("nothing new in \\S+: no row after updated_at .* up to the upper bound"
                                + " now - lag 10m \\(the rows past it were not counted: ERROR: row .* is not settled")
                        .doesNotContain("\n"));
    }

    @Test
    void columnsAndWhereChooseWhatIsRead() throws Exception {
        db.sql(
                "CREATE TABLE t (id int PRIMARY KEY, keep bool, doc bytea)",
                "INSERT INTO t SELECT g, g % 2 = 0, 'x'::bytea FROM generate_series(1, 100) g");
        PipelineRun.run(pipeline(
                "{ connection: pg, table: t, columns: [id, \"encode(doc, 'hex') AS doc\"], where: \"keep\" }"));
        assertThat(out("SELECT count(*) FROM rows")).isEqualTo(50L);
        assertThat(out("SELECT min(doc) FROM rows")).isEqualTo("78");
    }

    @Test
    void aQueryIsReadAsATable() throws Exception {
        db.sql(
                "CREATE TABLE t (id int, grp text)",
                "INSERT INTO t SELECT g, 'g' || (g % 3) FROM generate_series(1, 99) g");
        PipelineRun.run(pipeline("{ connection: pg, query: \"SELECT grp, count(*) AS n FROM t GROUP BY grp;\" }"));
        assertThat(out("SELECT sum(n)::BIGINT FROM rows")).isEqualTo(99L);
        assertThat(out("SELECT count(*) FROM rows")).isEqualTo(3L);
    }

    /**
     * A query or a where that ends in a comment, as pasted from an editor, reads as it does there. The comment
     * commented out the SQL the source wraps around it ({@code ) s WHERE 1 = 0}): "syntax error at end of input".
     */
    @Test
    void aQueryOrWhereEndingInACommentIsReadAsWritten() throws Exception {
        db.sql("CREATE TABLE t (id int, note text)", "INSERT INTO t SELECT g, '--' FROM generate_series(1, 10) g");
        List<String> sources = List.of(
                "query: \"SELECT id, note FROM t WHERE id <= 5 ORDER BY id; -- the first five\"",
                "query: \"SELECT id, note FROM t WHERE id <= 5 -- the first five\"",
                "query: \"SELECT id, note FROM t WHERE id <= 5; /* the first five */ \"",
                "table: t, where: \"id <= 5 -- the first five\"",
                "query: \"SELECT id, note FROM t WHERE id <= 5 AND note = '--'\"");
        for (int i = 0; i < sources.size(); i++) {
            Path folder = dir.resolve("q" + i);
            PipelineRun.Result r = PipelineRun.run(
                    PipelineRun.pipeline(folder, db.connection("pg"), "{ connection: pg, " + sources.get(i) + " }"));
            assertThat(r.summary().rowsOut()).as(sources.get(i)).isEqualTo(5);
        }
    }

    /**
     * Every column without an engine type is named at once, each with its cast: naming only the first, a table with
     * five such columns took five rounds of validate to read.
     */
    @Test
    void aTypeWithoutAnEngineTypeFailsThePlanWithTheCastToUse() throws Exception {
        db.sql("CREATE TABLE t (id int, doc bytea, span interval)", "INSERT INTO t VALUES (1, 'x', '1 day')");
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: t }")))
                .hasStackTraceContaining("column 'doc' has type bytea")
                .hasStackTraceContaining("encode(doc, 'hex') AS doc")
                .hasStackTraceContaining("column 'span' has type interval")
                .hasStackTraceContaining("extract(epoch FROM span) AS span");
    }

    /**
     * A value the database refuses while a split is read (a cast's overflow, past the rows the plan's sample read)
     * fails the split once, naming the SQLSTATE and what to do: every attempt would fail on the same rows. It was
     * retried until the split died, each attempt the same.
     */
    @Test
    void aValueTheDatabaseRefusesOnTheReadFailsTheSplitOnce() throws Exception {
        db.sql(
                "CREATE TABLE wide (id int PRIMARY KEY, v numeric(50,5))",
                "INSERT INTO wide SELECT g, CASE WHEN g = 500 THEN 123456789012345 ELSE g END "
                        + "FROM generate_series(1, 500) g");
        Path yaml = pipeline("{ connection: pg, table: wide, columns: [id, 'CAST(v AS numeric(20,10)) AS v'] }");
        RunSummary run = PipelineRun.run(yaml).summary();
        assertThat(run.dead()).isEqualTo(1);
        assertThat(run.attemptsFailed()).as("one attempt, not one per retry").isEqualTo(1);
        assertThat(PipelineRun.lastError(yaml))
                .contains("numeric field overflow")
                .contains("SQLSTATE 22003")
                .contains("then sluice retry");
    }

    /**
     * The cast a refusal suggests is SQL that runs as it is: a name with a space or capitals, or a reserved word, is
     * quoted in it. It was written bare ({@code encode(Bin Data, 'hex') AS Bin Data}), a syntax error.
     */
    @Test
    void theCastSuggestedForAnOddlyNamedColumnReadsIt() throws Exception {
        db.sql(
                "CREATE TABLE t (id int, \"Bin Data\" bytea, \"order\" money)",
                "INSERT INTO t VALUES (1, '\\x00ff', 2.5)");
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: t }")))
                .hasStackTraceContaining("encode(\"Bin Data\", 'hex') AS \"Bin Data\"");
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: t, columns: [id, '\"order\"'] }")))
                .hasStackTraceContaining("`\"order\"::numeric(18,2) AS \"order\"`");
        PipelineRun.run(
                pipeline("{ connection: pg, table: t, columns: [id, 'encode(\"Bin Data\", ''hex'') AS \"Bin Data\"', "
                        + "'\"order\"::numeric(18,2) AS \"order\"'] }"));
        assertThat(out("SELECT \"Bin Data\" || ' ' || \"order\" FROM rows")).isEqualTo("00ff 2.50");
    }

    /**
     * A join's {@code id} of both tables: COPY writes both columns, which the engine cannot read under one name. The
     * plan said the second had a type Sluice cannot map ("select it cast"), and names that differ only in case
     * ({@code "ID"} and {@code id}) passed the plan and failed every split ("Duplicate named argument").
     */
    @Test
    void twoColumnsOfOneNameAreRefusedUntilNamed() throws Exception {
        PipelineRun.twoColumnsOfOneNameAreRefusedUntilNamed(dir, db, "pg", "\"");
    }

    @Test
    void aMissingTableOrColumnSaysWhatIsNear() throws Exception {
        db.sql("CREATE TABLE orders (id int, amount int)");
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: ordrs }")))
                .isInstanceOf(io.sluice.config.ConfigException.class)
                .hasMessageContaining("source.jdbc.table: ")
                .hasStackTraceContaining("did you mean 'orders'?");
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: orders, columns: [id, amout] }")))
                .hasStackTraceContaining("amout")
                .hasStackTraceContaining("did you mean 'amount'?");
    }

    @Test
    void aTableOfAnotherSchemaIsSuggestedWithItsSchema() throws Exception {
        db.sql("CREATE SCHEMA billing");
        db.sql("CREATE TABLE billing.receipt (id int)");
        // the bare name would not find it: public is the connection's schema
        assertThatThrownBy(() -> PipelineRun.run(pipeline("{ connection: pg, table: receipts }")))
                .hasStackTraceContaining("did you mean 'billing.receipt'?");
    }

    @Test
    void anUnreachableServerIsNamedWithoutItsPassword() throws Exception {
        Path yaml = PipelineRun.pipeline(
                dir,
                "pg: { url: \"jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=2\", user: u, "
                        + "password: s3cret-pw }\n",
                "{ connection: pg, table: t }");
        assertThatThrownBy(() -> PipelineRun.run(yaml))
                .as("not the pipeline's mistake: another run may pass")
                .isNotInstanceOf(io.sluice.config.ConfigException.class)
                .hasStackTraceContaining("cannot reach the database")
                .hasStackTraceContaining("connection 'pg'")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("s3cret-pw"));
    }

    /** SSL asked of a server without it is the connection's setting, named where it is written: no retry would pass. */
    @Test
    void sslRefusedByTheServerIsTheConnectionsSettingNotAnOutage() throws Exception {
        String pg = db.connection("pg").replaceFirst("url: \"([^\"]*)\"", "url: \"$1&sslmode=require\"");
        assertThat(pg).contains("sslmode=require");
        Path yaml = PipelineRun.pipeline(dir, pg, "{ connection: pg, table: t }");
        assertThatThrownBy(() -> PipelineRun.run(yaml))
                .hasStackTraceContaining("the server does not accept SSL, which the `sslmode` parameter of "
                        + "connection 'pg''s url asks for")
                .satisfies(e -> assertThat(stackTrace(e))
                        .contains("ConfigException")
                        .doesNotContain("cannot reach the database"));
    }

    static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
