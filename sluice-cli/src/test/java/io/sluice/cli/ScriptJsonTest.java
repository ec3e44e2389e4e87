package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON for scripts: {@code plan --json} and {@code --summary-json}, in the shapes docs/guide.md documents. */
class ScriptJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Workspace ws;
    private Path pipeline;

    @BeforeEach
    void pipeline() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.csv", "id,v\n1,10\n2,20\n");
        ws.input("b.csv", "id,v\n3,30\n");
        ws.input("big.csv", "id,v\n" + "4,40\n".repeat(1000));
        ws.input("old/c.csv", "id,v\n5,50\n");
        pipeline = ws.pipeline("""
                pipeline: json
                source: { files: { path: in, exclude: "old/**", split_size: 1KB } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1 }
                """);
    }

    @Test
    void planJsonListsEverySplitWithItsInputsAndEverySkippedInputWithTheReason() throws Exception {
        JsonNode plan =
                JSON.readTree(sluice("plan", pipeline.toString(), "--json").ok().out());
        assertThat(plan.get("pipeline").asText()).isEqualTo("json");
        List<String> inputs = new ArrayList<>();
        long bytes = 0;
        for (JsonNode split : plan.get("splits")) {
            assertThat(split.get("id").asText()).isNotBlank();
            long splitBytes = 0;
            for (JsonNode in : split.get("inputs")) {
                inputs.add(in.get("key").asText() + "#" + in.get("start").asLong() + "-"
                        + (in.get("end").isNull() ? "end" : in.get("end").asLong()));
                splitBytes += in.get("end").isNull()
                        ? Files.size(ws.in().resolve(in.get("key").asText()))
                                - in.get("start").asLong()
                        : in.get("end").asLong() - in.get("start").asLong();
            }
            assertThat(split.get("bytes").asLong()).as(split.toString()).isEqualTo(splitBytes);
            bytes += splitBytes;
        }
        assertThat(bytes)
                .isEqualTo(Files.size(ws.in().resolve("a.csv"))
                        + Files.size(ws.in().resolve("b.csv"))
                        + Files.size(ws.in().resolve("big.csv")));
        assertThat(inputs)
                .contains("a.csv#0-end", "b.csv#0-end")
                .anySatisfy(i -> assertThat(i).startsWith("big.csv#0-"));
        assertThat(plan.get("splits").size()).as("big.csv is cut into ranges").isGreaterThan(2);
        assertThat(plan.get("waiting")).isEmpty();

        run(pipeline).ok();
        JsonNode again =
                JSON.readTree(sluice("plan", pipeline.toString(), "--json").ok().out());
        assertThat(again.get("splits")).isEmpty();
        assertThat(again.get("skipped")).hasSize(3).allSatisfy(s -> {
            assertThat(s.get("why").asText()).isEqualTo("seen");
            assertThat(s.get("reason").asText()).startsWith("already in split ");
        });
    }

    @Test
    void runWritesItsSummaryAsJson() throws Exception {
        Path summary = dir.resolve("reports/run.json");
        CliRun r = run(pipeline, "--summary-json", summary.toString()).ok();
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("pipeline").asText()).isEqualTo("json");
        assertThat(s.get("outcome").asText()).isEqualTo("finished");
        assertThat(s.get("exit_code").asInt()).isZero();
        assertThat(s.get("rows_in").asLong()).isEqualTo(1003);
        assertThat(s.get("rows_out").asLong()).isEqualTo(1003);
        assertThat(s.get("bad_records").asLong()).isZero();
        assertThat(s.get("splits_done").asLong())
                .isEqualTo(s.get("ledger").get("done").asLong())
                .isPositive();
        assertThat(r.out()).contains(s.get("splits_done").asLong() + " split(s) done");

        run(pipeline, "--summary-json", summary.toString()).ok();
        JsonNode second = JSON.readTree(summary.toFile());
        assertThat(second.get("splits_done").asLong()).isZero();
        assertThat(second.get("inputs_already_processed").asLong()).isEqualTo(3);
    }

    /** A ledger after a run: 3 splits done, 2 dead. */
    private static final java.util.Map<io.sluice.spi.SplitState, Long> DEAD_TWO =
            java.util.Map.of(io.sluice.spi.SplitState.DONE, 3L, io.sluice.spi.SplitState.DEAD, 2L);

    /** The JSON summary a run writes of {@code summary}, as a controller (no worker) writes it. */
    private JsonNode summaryOf(io.sluice.runner.RunSummary summary) throws Exception {
        var p = io.sluice.pipeline.PipelineLoader.withSystemEnv().load(pipeline);
        Path file = dir.resolve("summary.json");
        SummaryJson.write(file, p, null, summary, new io.sluice.runner.RunStats(), summary.exitCode());
        return JSON.readTree(file.toFile());
    }

    /**
     * The Jobs mode's controller runs no split itself: its summary's counts come from the ledger, and its own counters
     * stay 0. The JSON's {@code splits_dead} is the run's, as its {@code splits_done} is, not the counter's.
     */
    @Test
    void aSummaryOfSplitsRunElsewhereSaysTheSplitsThatDied() throws Exception {
        JsonNode s = summaryOf(new io.sluice.runner.RunSummary(3, 4, 2, 0, 0, 30, 30, 0, 0, 1000, false, DEAD_TWO, 0));
        assertThat(s.get("splits_done").asLong()).isEqualTo(3);
        assertThat(s.get("failed_attempts").asLong()).isEqualTo(4);
        assertThat(s.get("splits_dead").asLong()).as(s.toString()).isEqualTo(2);
        assertThat(s.get("exit_code").asInt()).isEqualTo(1);
    }

    /**
     * A dead split whose inputs' newer version is done (replaced) does not fail the run: the summary's ledger counts it
     * apart, as {@code status --json} does, so that a script reading {@code ledger.dead} agrees with the exit code.
     */
    @Test
    void aSummaryCountsReplacedDeadSplitsApart() throws Exception {
        JsonNode s = summaryOf(new io.sluice.runner.RunSummary(3, 0, 0, 0, 0, 30, 30, 0, 0, 1000, false, DEAD_TWO, 2));
        assertThat(s.get("exit_code").asInt()).isZero();
        assertThat(s.get("ledger").get("dead").asLong()).as(s.toString()).isZero();
        assertThat(s.get("ledger").get("replaced").asLong()).as(s.toString()).isEqualTo(2);
    }

    /** A worker writes its summary when SIGTERM stops it. */
    @Test
    void workerWritesItsSummaryWhenStopped() throws Exception {
        int splits = JSON.readTree(
                        sluice("plan", pipeline.toString(), "--json").ok().out())
                .get("splits")
                .size();
        Path summary = dir.resolve("worker.json");
        Path log = dir.resolve("worker.log");
        Process p = ChildJvm.start(
                log,
                "io.sluice.cli.Main",
                "worker",
                pipeline.toString(),
                "--id",
                "w1",
                "--summary-json",
                summary.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && done() < splits) Thread.sleep(200);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped (log %s)", log).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("worker").asText()).isEqualTo("w1");
        assertThat(s.get("outcome").asText()).isEqualTo("stopped");
        assertThat(s.get("exit_code").asInt()).isZero();
        assertThat(s.get("rows_out").asLong()).isEqualTo(1003);
    }

    private long done() throws Exception {
        CliRun r = sluice("status", pipeline.toString(), "--json");
        return r.code() != 0
                ? 0
                : JSON.readTree(r.out()).get("counts").get("done").asLong();
    }
}
