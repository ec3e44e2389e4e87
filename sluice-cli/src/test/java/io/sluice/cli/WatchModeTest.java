package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch run picks up files as they arrive, only once they are finished, and each exactly once. */
class WatchModeTest {
    @TempDir
    Path tmp;

    @Test
    void filesArrivingWhileWatchingAreProcessedOnceWhenSettled() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path pipeline = ws.pipeline("""
                pipeline: watch
                source: { files: { path: in, include: "*.csv", settle: 1s } }
                sink: { files: { path: out, format: csv } }
                run: { mode: watch, interval: 300ms, parallelism: 2 }
                """);
        Path log = tmp.resolve("run.log");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "run", pipeline.toString(), "--progress", "log");
        try {
            List<String> expected = new ArrayList<>();
            for (int batch = 0; batch < 4; batch++) {
                // written in two halves: a file seen half-written must not be claimed before it settles
                Path f = ws.in().resolve("batch-" + batch + ".csv");
                Files.writeString(f, "id,batch\n");
                for (int i = 0; i < 50; i++) {
                    Files.writeString(
                            f, (batch * 1000 + i) + "," + batch + "\n", java.nio.file.StandardOpenOption.APPEND);
                    expected.add((batch * 1000 + i) + "|" + batch);
                    if (i == 25) Thread.sleep(400);
                }
                Thread.sleep(300);
            }
            expected.sort(null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ws.outputRows("id, batch", "csv").size() < expected.size() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(ws.outputRows("id, batch", "csv")).as("log: %s", log).isEqualTo(expected);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(p.exitValue()).as("a stopped watch run exits 0").isZero();
    }
}
