package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice init}: a starter pipeline that validates and runs at once, and never a file overwritten. */
class InitTest {
    @TempDir
    Path dir;

    @Test
    void theStarterPipelineValidatesAndRunsAtOnce() throws Exception {
        Path demo = dir.resolve("my demo");
        sluice("init", demo.toString()).ok();
        Path pipeline = demo.resolve("pipeline.yaml");
        assertThat(Files.readString(pipeline)).contains("pipeline: my-demo").contains("# ");
        sluice("validate", pipeline.toString()).ok();
        CliRun run = CliRun.run(pipeline).ok();
        assertThat(run.out()).contains("1 split(s) done").contains("rows 6 in, 5 out, 0 bad");
        assertThat(Workspace.query(
                        "SELECT day, region, amount FROM read_parquet('" + demo.resolve("data/out") + "/*.parquet')"))
                .containsExactly(
                        "2026-11-01|eu-west|12.50",
                        "2026-11-01|us-east|7.25",
                        "2026-11-02|eu-west|3.10",
                        "2026-11-03|eu-west|4.00",
                        "2026-11-03|us-east|19.99");
    }

    @Test
    void refusesToOverwriteAndWritesNothingThen() throws Exception {
        Path pipeline = Files.createDirectories(dir.resolve("p")).resolve("pipeline.yaml");
        Files.writeString(pipeline, "pipeline: mine\n");
        CliRun r = sluice("init", dir.resolve("p").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("init never overwrites a file")
                .contains(pipeline.toString())
                .contains("nothing was written");
        assertThat(Files.readString(pipeline)).isEqualTo("pipeline: mine\n");
        assertThat(dir.resolve("p/data")).doesNotExist();
    }
}
