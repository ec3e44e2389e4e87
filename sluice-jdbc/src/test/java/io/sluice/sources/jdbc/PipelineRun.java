package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Plan;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
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
