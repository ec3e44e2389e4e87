package io.sluice.sources.jdbc;

import static io.sluice.sources.jdbc.PipelineRun.count;
import static io.sluice.sources.jdbc.PipelineRun.distinct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Planner;
import io.sluice.spi.Ledger;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An incremental read whose definition changed ({@code columns}, {@code where}, {@code table}, {@code column}): the
 * new definition has no watermark of its own, and read from the start it put the rows read before into the output a
 * second time (a table of 10 rows gave 20 in a files sink), silently. Now the plan fails until the user chooses, and
 * each choice does what it says. Against real PostgreSQL and MariaDB, through pipeline files with a files sink.
 */
class JdbcIncrementalChangeTest {
    @TempDir
    Path dir;

    /** {@code sluice reset PIPELINE --delete-output --yes}: the ledger forgotten, then the sink's output removed. */
    private static void resetDeletingOutput(Path yaml) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        Assembly.openSink(p, c, Clock.systemUTC()).deleteOutput();
    }

    /** What {@code sluice plan} shows: the preview of the plan, registering nothing. */
    private static void preview(Path yaml) throws Exception {
        Components c = Components.discover();
        try (Assembly a = Assembly.of(new PipelineLoader(c, name -> null).load(yaml), c, Clock.systemUTC())) {
            new Planner(a.source(), a.ledger()).preview();
        }
    }

    @Test
    void aChangedDefinitionOnPostgresStopsUntilTheUserChoosesAndEachChoiceKeepsItsWord() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz, v text)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour', 'a' FROM generate_series(1, 10) g");
        String conn = db.connection("pg");
        String cursor = "column: updated_at, tie_breaker: id, lag: 1s";
        Path yaml = PipelineRun.pipeline(dir, conn, "{ connection: pg, table: ev, incremental: { " + cursor + " } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);

        // a column fewer: another definition, with no watermark of its own
        Path edited = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: ev, columns: [id, updated_at], incremental: { " + cursor + " } }");
        assertThatThrownBy(() -> PipelineRun.run(edited))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(edited + ":3:")
                .hasMessageContaining("source.jdbc.incremental.after_change: ev: this definition has read nothing yet")
                .hasMessageContaining("and an earlier definition of it (ev@")
                .hasMessageContaining(") read (updated_at, id) <= ")
                .hasMessageContaining(" last (split ev@")
                .hasMessageContaining("sluice reset " + edited + " --delete-output --yes")
                .hasMessageContaining("incremental.after_change: continue, to read the rows after ")
                .hasMessageContaining("incremental.after_change: from_start");
        assertThatThrownBy(() -> preview(edited))
                .as("sluice plan says the same")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this definition has read nothing yet");
        assertThat(count(dir, "true")).as("the 10 rows once, not 20").isEqualTo(10L);

        // continue: the new rows only, each once
        db.sql("INSERT INTO ev SELECT g, now(), 'b' FROM generate_series(11, 13) g");
        Path continuing = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: pg, table: ev, columns: [id, updated_at], incremental: { " + cursor
                        + ", after_change: continue } }");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(updated_at) FROM ev)");
        PipelineRun.Result c = PipelineRun.run(continuing);
        assertThat(c.summary().rowsOut()).isEqualTo(3);
        assertThat(c.notices()).anySatisfy(n -> assertThat(n).contains("ev: continuing after "));
        assertThat(count(dir, "true")).isEqualTo(13L);
        assertThat(distinct(dir, "id")).isEqualTo(13L);
        assertThat(count(dir, "v IS NULL"))
                .as("the new rows as the new definition reads them")
                .isEqualTo(3L);
        assertThat(PipelineRun.run(continuing).summary().splitsDone())
                .as("its own watermark from then on")
                .isZero();

        // reset --delete-output: every row once, read by the definition of now
        Path narrowed = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: pg, table: ev, columns: [id, updated_at], where: 'id > 2', incremental: { " + cursor
                        + " } }");
        assertThatThrownBy(() -> PipelineRun.run(narrowed)).hasMessageContaining("has read nothing yet");
        resetDeletingOutput(narrowed);
        assertThat(PipelineRun.run(narrowed).summary().rowsOut()).isEqualTo(11);
        assertThat(count(dir, "true")).isEqualTo(11L);
        assertThat(distinct(dir, "id")).isEqualTo(11L);

        // from_start: every row again, as asked, and said
        Path again = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: ev, incremental: { " + cursor + ", after_change: from_start } }");
        PipelineRun.Result r = PipelineRun.run(again);
        assertThat(r.summary().rowsOut()).isEqualTo(13);
        assertThat(r.notices())
                .anySatisfy(n -> assertThat(n)
                        .contains("ev: reading every row from the start (incremental.after_change: from_start)"));
        assertThat(count(dir, "true")).isEqualTo(24L);
    }

    @Test
    void aChangedWhereOnMariaDbStopsAndContinuesFromTheEarlierWatermark() throws Exception {
        TestDatabase db = TestDatabase.mariaDb();
        db.sql(
                "CREATE TABLE ev (id INT PRIMARY KEY, updated_at DATETIME(6), created_at DATETIME(6), v TEXT)",
                "INSERT INTO ev SELECT seq, NOW(6) - INTERVAL 1 HOUR, NOW(6) - INTERVAL 1 HOUR, 'a' FROM seq_1_to_10");
        String conn = db.connection("maria");
        String cursor = "column: updated_at, tie_breaker: id, lag: 1s";
        Path yaml =
                PipelineRun.pipeline(dir, conn, "{ connection: maria, table: ev, incremental: { " + cursor + " } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);

        Path edited = PipelineRun.pipeline(
                dir, conn, "{ connection: maria, table: ev, where: \"v <> 'x'\", incremental: { " + cursor + " } }");
        assertThatThrownBy(() -> PipelineRun.run(edited))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.jdbc.incremental.after_change: ev: this definition has read nothing yet")
                .hasMessageContaining("sluice reset " + edited + " --delete-output --yes");
        assertThat(count(dir, "true")).as("the 10 rows once, not 20").isEqualTo(10L);

        // another cursor column cannot go on from a watermark of updated_at
        Path otherCursor = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: maria, table: ev, where: \"v <> 'x'\", incremental: { column: created_at, "
                        + "tie_breaker: id, lag: 1s, after_change: continue } }");
        assertThatThrownBy(() -> PipelineRun.run(otherCursor))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.jdbc.incremental.after_change: ev: cannot continue")
                .hasMessageContaining("its watermark is a value of updated_at, not of created_at")
                .hasMessageContaining("incremental.after_change: from_start")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("after_change: continue, to read"));

        db.sql("INSERT INTO ev SELECT seq, NOW(6), NOW(6), 'b' FROM seq_11_to_14");
        db.waitUntil("SELECT NOW(6) - INTERVAL 1 SECOND > (SELECT max(updated_at) FROM ev)");
        Path continuing = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: maria, table: ev, where: \"v <> 'x'\", incremental: { " + cursor
                        + ", after_change: continue } }");
        assertThat(PipelineRun.run(continuing).summary().rowsOut()).isEqualTo(4);
        assertThat(count(dir, "true")).isEqualTo(14L);
        assertThat(distinct(dir, "id")).isEqualTo(14L);
    }

    /**
     * An earlier definition put back after another one read on from its watermark ({@code after_change: continue}):
     * it went on from its own watermark, and read again the rows the other read after it (13 rows, then 5 more read
     * where 2 were new: 18). Now the plan stops, and {@code continue} goes on from the other's watermark.
     */
    @Test
    void aDefinitionRestoredAfterAnotherReadOnStopsAndContinuesFromTheOthersWatermark() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz, v text)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour', 'a' FROM generate_series(1, 10) g");
        String conn = db.connection("pg");
        String cursor = "column: updated_at, tie_breaker: id, lag: 1s";
        String first = "{ connection: pg, table: ev, incremental: { " + cursor + " } }";
        assertThat(PipelineRun.run(PipelineRun.pipeline(dir, conn, first))
                        .summary()
                        .rowsOut())
                .isEqualTo(10);
        db.sql("INSERT INTO ev SELECT g, now(), 'b' FROM generate_series(11, 13) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(updated_at) FROM ev)");
        Path other = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: pg, table: ev, columns: [id, updated_at, v], incremental: { " + cursor
                        + ", after_change: continue } }");
        assertThat(PipelineRun.run(other).summary().rowsOut()).isEqualTo(3);

        db.sql("INSERT INTO ev SELECT g, now(), 'c' FROM generate_series(14, 15) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(updated_at) FROM ev)");
        Path restored = PipelineRun.pipeline(dir, conn, first);
        assertThatThrownBy(() -> PipelineRun.run(restored))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.jdbc.incremental.after_change: ev: this definition read up to ")
                .hasMessageContaining(" (split ev@")
                .hasMessageContaining("and then another definition of it (ev@")
                .hasMessageContaining("sluice reset " + restored + " --delete-output --yes")
                .hasMessageContaining("incremental.after_change: continue, to read the rows after ")
                .hasMessageContaining("or restore the other definition");
        assertThat(count(dir, "true")).isEqualTo(13L);

        Path continuing = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: ev, incremental: { " + cursor + ", after_change: continue } }");
        PipelineRun.Result r = PipelineRun.run(continuing);
        assertThat(r.summary().rowsOut()).as("the 2 new rows only").isEqualTo(2);
        assertThat(r.notices()).anySatisfy(n -> assertThat(n).contains("ev: continuing after "));
        assertThat(count(dir, "true")).isEqualTo(15L);
        assertThat(distinct(dir, "id")).isEqualTo(15L);
        assertThat(PipelineRun.run(PipelineRun.pipeline(dir, conn, first))
                        .summary()
                        .splitsDone())
                .as("its own watermark again from then on: nothing new, nothing refused")
                .isZero();
    }

    /**
     * {@code sluice reset --yes} (the output kept) says the next run's output replaces the old input by input: each
     * range's member ended where the next began, so the new first range (every row, read from the start) replaced
     * only the old first range's file, and a table read in two runs of 5 rows was in the output 15 times, not 10.
     */
    @Test
    void aResetThatKeepsTheOutputReplacesEveryEarlierRange() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour' FROM generate_series(1, 5) g");
        Path yaml = PipelineRun.pipeline(
                dir,
                db.connection("pg"),
                "{ connection: pg, table: ev, incremental: { column: updated_at, lag: 1s } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(5);
        db.sql("INSERT INTO ev SELECT g, now() FROM generate_series(6, 10) g");
        db.waitUntil("SELECT now() - interval '1 second' > (SELECT max(updated_at) FROM ev)");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(5);
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);
        assertThat(count(dir, "true")).isEqualTo(10L);
    }
}
