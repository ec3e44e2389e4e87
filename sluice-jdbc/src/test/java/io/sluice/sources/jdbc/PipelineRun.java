package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.config.NativeCopies;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Plan;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Runs a pipeline file the way {@code sluice run} does, and reads what its files sink wrote. */
final class PipelineRun {
    private PipelineRun() {}

    /** What one run did, with the notices of its plan. */
    record Result(RunSummary summary, List<String> notices) {}

    static Result run(Path pipelineFile) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(pipelineFile);
        List<String> notices = new ArrayList<>();
        try (Assembly a = Assembly.of(p, c, Clock.systemUTC())) {
            RunSummary summary = new LocalRunner(a, Clock.systemUTC(), "test", new RunListener() {
                        @Override
                        public void planned(Plan plan) {
                            notices.addAll(plan.notices());
                            plan.skipped().forEach(s -> notices.add(s.key() + ": " + s.reason()));
                        }
                    })
                    .run();
            return new Result(summary, notices);
        }
    }

    /** The last error of the pipeline's first dead split, as its ledger keeps it. */
    static String lastError(Path pipelineFile) throws Exception {
        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(pipelineFile);
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            return ledger.splits(EnumSet.of(SplitState.DEAD), 10).getFirst().lastError();
        }
    }

    /**
     * Writes {@code connections.yaml} and a pipeline file into {@code dir} (made when missing): the {@code jdbc}
     * source block given, a files sink writing Parquet under {@code out}, bad records failing the run.
     */
    static Path pipeline(Path dir, String connections, String jdbc) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("connections.yaml"), connections);
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: jdbc-read
                source:
                  jdbc: %s
                sink:
                  files: { path: out, format: parquet }
                run: { on_bad_record: fail }
                """.formatted(jdbc));
        return yaml;
    }

    /**
     * Reads table {@code ev} of the database of {@code connection} (ten ids and three NULL ones, all of one
     * {@code updated_at}) incrementally in splits of four rows, and checks that each row is read once.
     */
    static void readsTheRowsOfOneTimestampOnceInSplitsOfFour(Path dir, String connections, String connection)
            throws Exception {
        Path yaml = pipeline(
                dir,
                connections,
                "{ connection: " + connection + ", table: ev, "
                        + "incremental: { column: updated_at, tie_breaker: id, lag: 1s, rows_per_split: 4 } }");
        assertThat(run(yaml).summary().splitsDone()).isEqualTo(4);
        assertThat(count(dir, "true")).isEqualTo(13L);
        assertThat(count(dir, "id IS NULL")).isEqualTo(3L);
        assertThat(distinct(dir, "id")).isEqualTo(10L);
        assertThat(perFile(dir)).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(4L));
    }

    /**
     * Reads tables {@code a} and {@code b} of {@code db} (at {@code connection}) joined: two output columns of one name,
     * or of names that differ only in case ({@code quote} quotes a name as the database does, to keep its case), fail
     * the plan at the option they are written in, naming them and how to name one; each column named, both are read
     * with their own values.
     */
    static void twoColumnsOfOneNameAreRefusedUntilNamed(Path dir, TestDatabase db, String connection, String quote)
            throws Exception {
        db.sql(
                "CREATE TABLE a (id INT, v VARCHAR(10))",
                "CREATE TABLE b (id INT, a_id INT, w VARCHAR(10))",
                "INSERT INTO a VALUES (1, 'a1'), (2, 'a2')",
                "INSERT INTO b VALUES (101, 1, 'b1'), (102, 2, 'b2')");
        String join = " FROM a JOIN b ON b.a_id = a.id";
        record Refused(String source, String option, String name) {}
        List<Refused> refused = List.of(
                new Refused("query: 'SELECT a.id, b.id, a.v" + join + "'", "query", "id"),
                new Refused("query: 'SELECT *" + join + "'", "query", "id"),
                new Refused("query: 'SELECT a.id AS " + quote + "ID" + quote + ", b.id" + join + "'", "query", "id"),
                new Refused("table: a, columns: [id, id, v]", "columns", "id"),
                new Refused("table: a, columns: [id, v, 'v AS " + quote + "V" + quote + "']", "columns", "v"));
        for (int i = 0; i < refused.size(); i++) {
            Refused r = refused.get(i);
            Path yaml = pipeline(
                    dir.resolve("refused" + i),
                    db.connection(connection),
                    "{ connection: " + connection + ", " + r.source() + " }");
            assertThatThrownBy(() -> run(yaml))
                    .as(r.source())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("source.jdbc." + r.option() + ": ")
                    .hasMessageFindingMatch("(?i)'" + r.name() + "'")
                    .hasMessageContaining("each column needs a name of its own: name one in the query or columns: "
                            + "(`b.id AS b_id`, b its table; for `SELECT *` over a join, list the columns), or drop it")
                    .hasMessageNotContaining("cannot map");
        }

        Path named = dir.resolve("named");
        Path yaml = pipeline(
                named,
                db.connection(connection),
                "{ connection: " + connection + ", query: 'SELECT a.id, b.id AS b_id, a.v, b.w" + join + "' }");
        assertThat(run(yaml).summary().rowsOut()).isEqualTo(2);
        assertThat(rows(named.resolve("out"), "SELECT id, b_id, v, w FROM rows ORDER BY id"))
                .containsExactly(List.of(1, 101, "a1", "b1"), List.of(2, 102, "a2", "b2"));
    }

    /** Rows the pipeline in {@code folder} wrote to {@code out} that match {@code where}. */
    static long count(Path folder, String where) throws Exception {
        return (Long) query(folder.resolve("out"), "SELECT count(*) FROM rows WHERE " + where);
    }

    /** Distinct values of {@code expression} in the rows the pipeline in {@code folder} wrote to {@code out}. */
    static long distinct(Path folder, String expression) throws Exception {
        return (Long) query(folder.resolve("out"), "SELECT count(DISTINCT " + expression + ") FROM rows");
    }

    /** Rows in each file the sink wrote under {@code folder}'s {@code out} (one file a split here), largest first. */
    static List<Long> perFile(Path folder) throws Exception {
        List<Long> n = new ArrayList<>();
        for (List<Object> r : rows(
                folder.resolve("out"),
                "SELECT count(*) FROM read_parquet('" + folder.resolve("out") + "/**/*.parquet', filename = true) "
                        + "GROUP BY filename ORDER BY 1 DESC")) {
            n.add((Long) r.getFirst());
        }
        return n;
    }

    /** The value of a query over the Parquet files under {@code out} ({@code rows} is the view of them). */
    static Object query(Path out, String sql) throws Exception {
        List<List<Object>> rows = rows(out, sql);
        return rows.getFirst().getFirst();
    }

    static List<List<Object>> rows(Path out, String sql) throws Exception {
        NativeCopies.loadDuckDb();
        try (java.sql.Connection d = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = d.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute(
                    "CREATE VIEW rows AS SELECT * FROM read_parquet('" + out + "/**/*.parquet', union_by_name = true)");
            List<List<Object>> all = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) row.add(rs.getObject(i));
                    all.add(row);
                }
            }
            return all;
        }
    }
}
