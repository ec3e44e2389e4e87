package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.OwnerId;
import io.sluice.spi.Ledger;
import io.sluice.spi.WorkerInfo;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice status} lists the workers seen within three leases; those among them that stopped without leaving
 * the pool (killed with SIGKILL, cut off) are said to be so, not shown as members beside the ones that work.
 */
class StatusWorkersTest {
    @TempDir
    Path dir;

    @Test
    void statusSaysWhichWorkersStoppedWithoutLeavingThePool() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id\n1\n");
        Path file = ws.pipeline("""
                pipeline: crew
                source: { files: { path: in } }
                sink: { files: { path: out } }
                run: { lease: 10s }
                """);
        Process killed = new ProcessBuilder("sleep", "60").start();
        String killedId = OwnerId.of(killed.pid()).orElseThrow().toString();
        killed.destroyForcibly();
        killed.waitFor();
        String alive = OwnerId.forThisProcess();

        Components c = Components.discover();
        Pipeline p = new PipelineLoader(c, name -> null).load(file);
        Instant now = Instant.now();
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            ledger.announce(new WorkerInfo(killedId, OwnerId.hostName(), killed.pid(), now, 2), Duration.ofMinutes(5));
            ledger.announce(
                    new WorkerInfo(
                            alive, OwnerId.hostName(), ProcessHandle.current().pid(), now, 2),
                    Duration.ofMinutes(5));
        }
        // a worker of another machine that last beat 20 s ago: two leases
        try (Ledger ledger = Assembly.openLedger(p, c, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-20)))) {
            ledger.announce(new WorkerInfo("pod-7", "node-b", 1, now, 2), Duration.ofMinutes(5));
        }

        String out = sluice("status", file.toString()).ok().out();
        assertThat(out)
                .contains(killedId + " (gone: its process no longer runs)  [host")
                .contains("pod-7 (silent for longer than the lease, 10.0 s: stopped or cut off from the ledger)  [host")
                .contains(alive + "  [host");

        JsonNode workers = CliRun.status(file).get("workers");
        Map<String, String> stopped = new HashMap<>();
        workers.forEach(w -> stopped.put(w.get("id").asText(), w.get("stopped").asText(null)));
        assertThat(stopped)
                .containsEntry(killedId, "gone: its process no longer runs")
                .containsEntry("pod-7", "silent for longer than the lease, 10.0 s: stopped or cut off from the ledger")
                .containsEntry(alive, null);
    }
}
