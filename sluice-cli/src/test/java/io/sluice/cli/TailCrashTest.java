package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 001's promise: a consumer tails growing logs, is killed at random moments and restarted, and still counts
 * every line exactly once. A writer process appends to several logs (and rotates and gzips one) while a watch run
 * tails them and is killed with SIGKILL again and again; once the writer stops and the run catches up, the totals
 * equal an independent count of the files.
 */
class TailCrashTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void totalsOfATailedKilledAndRestartedRunEqualAnIndependentCount() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path pipeline = ws.pipeline("""
                pipeline: tailcrash
                source:
                  files:
                    path: in
                    include: "app-*.log*"
                    format: text
                    parse:
                      regex: '^(?<ts>\\S+) (?<consumer>\\S+) (?<resource>\\S+) (?<amount>\\d+)$'
                      types: { ts: timestamp, amount: bigint }
                    tail: true
                    settle: 1s
                steps:
                  - aggregate:
                      group_by: [consumer, resource]
                      measures: { total: sum(amount), lines: count(*) }
                sink:
                  files: { path: out, format: csv }
                run: { mode: watch, interval: 200ms, parallelism: 2, lease: 2s, on_bad_record: fail }
                """);
        Path log = tmp.resolve("runs.log");
        Process writer = ChildJvm.start(
                tmp.resolve("writer.log"),
                LogWriterMain.class.getName(),
                ws.in().toString(),
                "3",
                "14");
        Random random = new Random(11);
        int kills = 0;
        while (writer.isAlive()) {
            // compacting the partials at almost every merge, so that kills land during compactions too
            Process run = ChildJvm.start(
                    log,
                    List.of("-Dsluice.compact.at=2"),
                    "io.sluice.cli.Main",
                    "run",
                    pipeline.toString(),
                    "--progress",
                    "none");
            if (!run.waitFor(400 + random.nextInt(1800), TimeUnit.MILLISECONDS)) {
                run.destroyForcibly().waitFor();
                kills++;
            }
        }
        assertThat(writer.exitValue())
                .as("writer (log: %s)", tmp.resolve("writer.log"))
                .isZero();
        assertThat(kills).as("SIGKILLs while tailing (log: %s)", log).isGreaterThanOrEqualTo(5);
        assertThat(Files.list(ws.in()).map(p -> p.getFileName().toString()).toList())
                .as("the writer rotated and gzipped a log")
                .anyMatch(n -> n.endsWith(".gz"));

        // catch up: the killed runs' leases expire and their splits are taken over
        int code = -1;
        for (int i = 0; i < 4 && code != 0; i++) {
            Process run = ChildJvm.start(
                    log,
                    List.of("-Dsluice.compact.at=2"),
                    "io.sluice.cli.Main",
                    "run",
                    pipeline.toString(),
                    "--mode",
                    "once",
                    "--progress",
                    "log");
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
            code = run.exitValue();
        }
        assertThat(code).as("catch-up run (log: %s)", log).isZero();
        assertThat(ws.outputRows("consumer, resource, total, lines", "csv"))
                .as("log: %s", log)
                .isEqualTo(independentCount(ws.in()));
        // the partials were compacted along the way (killed runs included), and the totals above read the compacted
        // file
        try (var compacted = Files.list(ws.out().resolve("_sluice/partials/compacted"))) {
            assertThat(compacted.map(p -> p.getFileName().toString()).toList())
                    .as("log: %s", log)
                    .anyMatch(n -> n.matches("c-\\d{12}-[0-9a-f]{8}\\.json"));
        }
        assertThat(Files.readString(log)).contains("split(s) compacted");
    }

    /** consumer|resource|sum|count over every complete line of every file, plain or gzipped. */
    private static List<String> independentCount(Path dir) throws Exception {
        Map<String, long[]> totals = new TreeMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("app-"))
                    .toList()) {
                try (InputStream raw = Files.newInputStream(f);
                        InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        String[] p = line.split(" ");
                        long[] t = totals.computeIfAbsent(p[1] + "|" + p[2], k -> new long[2]);
                        t[0] += Long.parseLong(p[3]);
                        t[1]++;
                    }
                }
            }
        }
        List<String> rows = new ArrayList<>();
        totals.forEach((k, t) -> rows.add(k + "|" + t[0] + "|" + t[1]));
        rows.sort(null);
        return rows;
    }
}
