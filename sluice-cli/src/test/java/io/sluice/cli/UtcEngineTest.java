package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The csv output of the pipeline run by a process whose {@code TZ} is {@code zone}. */
    private List<String> outputIn(String zone) throws Exception {
        Workspace ws = Workspace.in(Files.createDirectories(dir.resolve(zone.replace('/', '-'))));
        ws.input("a.csv", CSV);
        Path p = ws.pipeline("""
                pipeline: zones
                source: { files: { path: in, types: { ts: timestamptz, given: timestamptz } } }
                steps:
                  - sql: "%s"
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """.formatted(STEP));
        CliRun r = CliRun.inChildJvm(ws.dir(), Map.of("TZ", zone), List.of("run", p.toString(), "--progress", "none"));
        assertThat(r.code()).as("%s", r).isZero();
        List<Path> files = ws.outputFiles(".csv");
        assertThat(files).hasSize(1);
        return Files.readAllLines(files.getFirst());
    }
}
