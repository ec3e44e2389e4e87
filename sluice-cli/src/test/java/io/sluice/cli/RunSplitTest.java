package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.SplitState;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice run PIPELINE --split ID}: one named split, once, with the exit codes a Kubernetes Job acts on. */
class RunSplitTest {
    @TempDir
    Path tmp;

    @Test
    void runsTheNamedSplitOnceAndSaysWhyItCannotRunOne() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,v\n1,a\n2,a\n");
        ws.input("b.csv", "id,v\n3,b\n");
        Path pipeline = ws.pipeline("""
                pipeline: one
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: csv } }
                """);
        // what the planning process (the Kubernetes controller) does before it starts a Job per split
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(pipeline);
        Map<String, String> splitOf = new HashMap<>();
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            new io.sluice.planning.Planner(a.source(), a.ledger())
                    .plan()
                    .splits()
                    .forEach(s -> splitOf.put(s.members().getFirst().key(), s.id()));
        }
        assertThat(splitOf).containsOnlyKeys("a.csv", "b.csv");

        CliRun.run(pipeline, "--split", splitOf.get("b.csv")).ok();
        Map<String, String> states = new HashMap<>();
        for (JsonNode s : CliRun.status(pipeline).get("splits"))
            states.put(s.get("id").asText(), s.get("state").asText());
        assertThat(states)
                .containsEntry(splitOf.get("b.csv"), SplitState.DONE.label())
                .containsEntry(splitOf.get("a.csv"), SplitState.PENDING.label());
        assertThat(ws.outputRows("id, v", "csv")).containsExactly("3|b");

        CliRun again = CliRun.run(pipeline, "--split", splitOf.get("b.csv"));
        assertThat(again.code()).as(again.toString()).isEqualTo(4);
        assertThat(again.err()).contains("is not claimable now");

        CliRun unknown = CliRun.run(pipeline, "--split", "no-such-split");
        assertThat(unknown.code()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("no-such-split is not in the ledger");

        CliRun watching = CliRun.run(pipeline, "--split", splitOf.get("a.csv"), "--mode", "watch");
        assertThat(watching.code()).as(watching.toString()).isEqualTo(2);
        assertThat(watching.err()).contains("--split runs one split once");
    }
}
