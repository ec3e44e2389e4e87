package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's output does not depend on the machine's time zone: DuckDB takes its session zone from the process's
 * {@code TZ} at its start, and Sluice's engine sets UTC, so a replay on a worker in another zone (a laptop, a pod)
 * replaces an output with the same content. Each run is a child JVM, with {@code TZ} in its environment.
 */
class UtcEngineTest {
    @TempDir
    Path dir;

    /** A zone-less value declared timestamptz, one with an offset, and what a step makes of them. */
    private static final String CSV = "id,ts,given\n1,2026-03-29 02:30:00,2026-03-29 10:00:00+02\n"
            + "2,2026-03-29 23:15:00,2026-03-30 01:00:00+05:30\n";

    private static final String STEP = "SELECT id, ts, given, ts::date AS day, date_trunc('day', ts) AS day_start,"
            + " hour(ts) AS hour, strftime(ts, '%Y-%m-%d %H:%M') AS text, epoch(ts)::bigint AS epoch"
            + " FROM input ORDER BY id";

    @Test
    void timestampsAreReadComputedAndWrittenInUtcWhateverTheMachinesZone() throws Exception {
        List<String> utc = List.of(
                "id,ts,given,day,day_start,hour,text,epoch",
                "1,2026-03-29 02:30:00+00,2026-03-29 08:00:00+00,2026-03-29,2026-03-29 00:00:00+00,2,2026-03-29 02:30,"
                        + 1774751400L,
                "2,2026-03-29 23:15:00+00,2026-03-29 19:30:00+00,2026-03-29,2026-03-29 00:00:00+00,23,2026-03-29 23:15,"
                        + 1774826100L);

        for (String zone : List.of("UTC", "America/New_York")) {
            assertThat(outputIn(zone))
                    .as("the output of a run with TZ=%s", zone)
                    .isEqualTo(utc);
        }
    }

    /**
     * The jdbc source's session on a DuckDB database (its driver is shipped) is UTC's too: a query's {@code ts::varchar},
     * {@code ts::date}, {@code hour(ts)} and a {@code where} comparing a timestamptz with a zone-less literal are computed by that
     * database, in its session's zone, which DuckDB takes from the process's {@code TZ}.
     */
    @Test
    void aJdbcSourceReadingADuckDbDatabaseQueriesItInUtcWhateverTheMachinesZone() throws Exception {
        Path db = dir.resolve("events.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id INTEGER, ts TIMESTAMPTZ)");
            s.execute("INSERT INTO events VALUES (1, '2026-03-29 02:30:00+00'), (2, '2026-03-29 23:15:00+00'),"
                    + " (3, '2026-03-30 03:00:00+00')");
        }
        String source =
                "{ jdbc: { connection: events, query: \"SELECT id, ts, ts::varchar AS text, ts::date AS day, hour(ts) AS hour"
                        + " FROM events WHERE ts < '2026-03-30 00:00:00' ORDER BY id\" } }";
        List<String> utc = List.of(
                "id,ts,text,day,hour",
                "1,2026-03-29 02:30:00+00,2026-03-29 02:30:00+00,2026-03-29,2",
                "2,2026-03-29 23:15:00+00,2026-03-29 23:15:00+00,2026-03-29,23");

        for (String zone : List.of("UTC", "America/New_York")) {
            Workspace ws = workspace(zone);
            Files.writeString(ws.dir().resolve("connections.yaml"), "events: { url: \"jdbc:duckdb:" + db + "\" }\n");
            assertThat(outputIn(zone, ws, source, "SELECT * FROM input"))
                    .as("the output of a run with TZ=%s", zone)
                    .isEqualTo(utc);
        }
    }

    private Workspace workspace(String zone) throws Exception {
        return Workspace.in(Files.createDirectories(dir.resolve(zone.replace('/', '-'))));
    }

    /** The csv output of the pipeline run by a process whose {@code TZ} is {@code zone}. */
    private List<String> outputIn(String zone) throws Exception {
        Workspace ws = workspace(zone);
        ws.input("a.csv", CSV);
        return outputIn(zone, ws, "{ files: { path: in, types: { ts: timestamptz, given: timestamptz } } }", STEP);
    }

    /** The csv output of a pipeline of {@code source} and the step {@code sql}, run with {@code TZ} {@code zone}. */
    private static List<String> outputIn(String zone, Workspace ws, String source, String sql) throws Exception {
        Path p = ws.pipeline("""
                pipeline: zones
                source: %s
                steps:
                  - sql: "%s"
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """.formatted(source, sql));
        CliRun r = CliRun.inChildJvm(ws.dir(), Map.of("TZ", zone), List.of("run", p.toString(), "--progress", "none"));
        assertThat(r.code()).as("%s", r).isZero();
        List<Path> files = ws.outputFiles(".csv");
        assertThat(files).as("%s %s", r, ws.deadLetters()).hasSize(1);
        return Files.readAllLines(files.getFirst());
    }
}
