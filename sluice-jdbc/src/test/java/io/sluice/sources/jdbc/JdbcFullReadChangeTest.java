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
 * A full read whose definition changed ({@code where}, {@code columns}, {@code table}, {@code query}, or an
 * incremental read made a full one): its member key is a hash of its SELECT, so it read every row again under new
 * split ids, beside what the earlier definition wrote: a table of 10 rows read in 4 key ranges, then with another
 * {@code where}, gave 18 rows in a files sink, silently. Now the plan fails until the user chooses. Against a real
 * PostgreSQL, through pipeline files with a files sink.
 */
class JdbcFullReadChangeTest {
    @TempDir
    Path dir;

    /** {@code sluice reset PIPELINE [--delete-output] --yes}: the ledger forgotten, then the sink's output removed. */
    private static void reset(Path yaml, boolean deleteOutput) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(yaml);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.reset();
        }
        if (deleteOutput) Assembly.openSink(p, c, Clock.systemUTC()).deleteOutput();
    }

    /** What {@code sluice plan} shows: the preview of the plan, registering nothing. */
    private static void preview(Path yaml) throws Exception {
        Components c = Components.discover();
        try (Assembly a = Assembly.of(new PipelineLoader(c, name -> null).load(yaml), c, Clock.systemUTC())) {
            new Planner(a.source(), a.ledger()).preview();
        }
    }

    @Test
    void aChangedFullReadStopsUntilTheUserChoosesAndItsOutputHoldsEachRowOnce() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE orders (id int PRIMARY KEY, status text, amount int)",
                "INSERT INTO orders SELECT g, CASE WHEN g <= 2 THEN 'draft' ELSE 'paid' END, g FROM "
                        + "generate_series(1, 10) g");
        String conn = db.connection("pg");
        String partition = "partition: { column: id, count: 4 }";
        Path yaml = PipelineRun.pipeline(dir, conn, "{ connection: pg, table: orders, " + partition + " }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(10);

        // the same definition: read in full already, nothing again
        PipelineRun.Result same = PipelineRun.run(yaml);
        assertThat(same.summary().splitsDone()).isZero();
        assertThat(same.notices()).anySatisfy(n -> assertThat(n).contains("read in full already"));
        // another partition count is the same definition: nothing read again either
        Path repartitioned = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: orders, partition: { column: id, count: 2 } }");
        assertThat(PipelineRun.run(repartitioned).summary().splitsDone()).isZero();
        assertThat(count(dir, "true")).isEqualTo(10L);

        // a where added: another definition, which would read 8 rows beside the 10 there are
        Path edited = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: orders, where: \"status <> 'draft'\", " + partition + " }");
        assertThatThrownBy(() -> PipelineRun.run(edited))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(edited + ":3:")
                .hasMessageContaining("source.jdbc.table: orders: this definition has read nothing yet")
                .hasMessageContaining("and an earlier definition of it (orders@")
                .hasMessageContaining(" read it in full in 4 key ranges, the last id > ")
                .hasMessageContaining(" (split orders@")
                .hasMessageContaining("sluice reset " + edited + " --delete-output --yes, then run")
                .hasMessageContaining("sluice reset " + edited + " --yes, then run")
                .hasMessageContaining("or restore the earlier definition");
        assertThatThrownBy(() -> preview(edited))
                .as("sluice plan says the same")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this definition has read nothing yet");
        assertThat(count(dir, "true")).as("the 10 rows once, not 18").isEqualTo(10L);
        Path restored = PipelineRun.pipeline(dir, conn, "{ connection: pg, table: orders, " + partition + " }");
        assertThat(PipelineRun.run(restored).summary().splitsDone())
                .as("the earlier definition restored: read already")
                .isZero();

        // reset --delete-output: the output holds what the new definition reads, once
        PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: orders, where: \"status <> 'draft'\", " + partition + " }");
        reset(edited, true);
        assertThat(PipelineRun.run(edited).summary().rowsOut()).isEqualTo(8);
        assertThat(count(dir, "true")).isEqualTo(8L);
        assertThat(count(dir, "status = 'draft'")).isZero();

        // a column fewer, then reset keeping the output: read again beside the earlier output, as the choice says
        Path narrowed = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: pg, table: orders, columns: [id, status], where: \"status <> 'draft'\", " + partition
                        + " }");
        assertThatThrownBy(() -> PipelineRun.run(narrowed)).hasMessageContaining("has read nothing yet");
        assertThat(count(dir, "true")).isEqualTo(8L);
        reset(narrowed, false);
        assertThat(PipelineRun.run(narrowed).summary().rowsOut()).isEqualTo(8);
        assertThat(count(dir, "true")).isEqualTo(16L);
        assertThat(distinct(dir, "id")).isEqualTo(8L);
    }

    /**
     * A full read put back after an incremental read of another definition read every row again
     * ({@code after_change: from_start}): read already, it said nothing, and the output held every row twice.
     */
    @Test
    void aFullReadRestoredAfterAnotherDefinitionReadStops() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour' FROM generate_series(1, 6) g");
        String conn = db.connection("pg");
        String full = "{ connection: pg, table: ev }";
        assertThat(PipelineRun.run(PipelineRun.pipeline(dir, conn, full))
                        .summary()
                        .rowsOut())
                .isEqualTo(6);
        Path incremental = PipelineRun.pipeline(
                dir,
                conn,
                "{ connection: pg, table: ev, incremental: { column: updated_at, lag: 1s, after_change: from_start } }");
        assertThat(PipelineRun.run(incremental).summary().rowsOut()).isEqualTo(6);
        Path restored = PipelineRun.pipeline(dir, conn, full);
        assertThatThrownBy(() -> PipelineRun.run(restored))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.jdbc.table: ev: this definition was read in full (split ev@")
                .hasMessageContaining("and then another definition of it (ev@")
                .hasMessageContaining("the output holds the rows of both")
                .hasMessageContaining("sluice reset " + restored + " --delete-output --yes");
    }

    /** An incremental read made a full one: its rows would be in the output twice too. */
    @Test
    void anIncrementalReadMadeAFullOneStops() throws Exception {
        TestDatabase db = TestDatabase.postgres();
        db.sql(
                "CREATE TABLE ev (id int PRIMARY KEY, updated_at timestamptz)",
                "INSERT INTO ev SELECT g, now() - interval '1 hour' FROM generate_series(1, 6) g");
        String conn = db.connection("pg");
        Path yaml = PipelineRun.pipeline(
                dir, conn, "{ connection: pg, table: ev, incremental: { column: updated_at, lag: 1s } }");
        assertThat(PipelineRun.run(yaml).summary().rowsOut()).isEqualTo(6);
        Path full = PipelineRun.pipeline(dir, conn, "{ connection: pg, table: ev }");
        assertThatThrownBy(() -> PipelineRun.run(full))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.jdbc.table: ev: this definition has read nothing yet")
                .hasMessageContaining("read updated_at <= ")
                .hasMessageContaining(" last (split ev@")
                .hasMessageContaining(
                        "or restore the earlier incremental definition, which goes on from its watermark");
        assertThat(count(dir, "true")).isEqualTo(6L);
    }
}
