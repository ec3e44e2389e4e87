package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Two pipelines whose files sinks write to the same folder: the second is refused (by validate and by run) before it
 * writes anything, and the first's output stays whole. Its commits would otherwise take the first's outputs for an
 * earlier life of its own (a reset) and replace them.
 */
class SinkOwnerTest {
    @TempDir
    Path dir;

    private static final String INPUT = "id,v\n1,10\n2,20\n3,30\n";

    private Path pipeline(String name, String source, String sink) throws Exception {
        return Workspace.in(dir).pipeline(name + ".yaml", """
                pipeline: %s
                source: { files: { %s } }
                sink: { files: { %s } }
                """.formatted(name, source, sink));
    }

    @Test
    void aSecondPipelineWritingToTheSameLocalFolderIsRefusedAndTheFirstsOutputStays() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", INPUT);
        ws.input("b.csv", INPUT);
        String source = "path: in, settle: 0s";
        Path a = pipeline("a", source, "path: out, format: parquet");
        Path b = pipeline("b", source, "path: out, format: parquet");
        run(a).ok();
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly("6");

        CliRun validate = sluice("validate", b.toString());
        assertRefused(validate);
        CliRun refused = run(b);
        assertRefused(refused);
        assertThat(ws.outputRows("count(*)", "parquet")).as("a's output, whole").containsExactly("6");
        assertThat(run(a).ok().out()).as("a runs on").doesNotContain("another pipeline");

        // b's reset removes none of a's output
        sluice("reset", b.toString(), "--delete-output", "--yes").ok();
        assertThat(ws.outputRows("count(*)", "parquet")).as("a's output, whole").containsExactly("6");
        // a's reset removes it, and b may write there then
        sluice("reset", a.toString(), "--delete-output", "--yes").ok();
        run(b).ok();
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly("6");
        assertRefused(sluice("validate", a.toString()), "b", "a");
    }

    @Test
    void anOldMarkerNamingNoPipelineIsTakenForThisPipelines() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", INPUT);
        Path a = pipeline("a", "path: in, settle: 0s", "path: out, format: parquet");
        run(a).ok();
        Path markers = ws.out().resolve("_sluice/incarnations");
        try (Stream<Path> list = Files.list(markers)) {
            for (Path m : list.toList()) {
                String text = Files.readString(m);
                assertThat(text).endsWith("\npipeline: a\n");
                Files.writeString(m, text.lines().findFirst().orElseThrow() + "\n"); // as an earlier Sluice wrote it
            }
        }
        // a reset: its new incarnation replaces the old one's outputs, as before
        sluice("reset", a.toString(), "--yes").ok();
        sluice("validate", a.toString()).ok();
        run(a).ok();
        assertThat(ws.outputRows("count(*)", "parquet")).as("every row once").containsExactly("3");
        try (Stream<Path> list = Files.list(markers)) {
            assertThat(list.count())
                    .as("the old marker went with its last output")
                    .isEqualTo(1);
        }
    }

    @Test
    void aSecondPipelineWritingToTheSameBucketPrefixIsRefusedAndTheFirstsOutputStays() throws Exception {
        String source = S3Inputs.put("sinkowner", Map.of("a.csv", INPUT, "b.csv", INPUT));
        String bucket = source.substring(source.indexOf("s3://") + 5, source.indexOf("/in/"));
        String sink = source.replace("/in/", "/out/").replace("settle: 0s, ", "") + ", format: csv";
        Path a = pipeline("a", source, sink);
        Path b = pipeline("b", source, sink);
        run(a).ok();
        assertThat(rowsIn(bucket)).isEqualTo(6);

        assertRefused(sluice("validate", b.toString()));
        assertRefused(run(b));
        assertThat(rowsIn(bucket)).as("a's output, whole").isEqualTo(6);

        sluice("reset", b.toString(), "--delete-output", "--yes").ok();
        assertThat(rowsIn(bucket)).as("a's output, whole").isEqualTo(6);

        // a reset of a itself still replaces its earlier outputs
        sluice("reset", a.toString(), "--yes").ok();
        run(a).ok();
        assertThat(rowsIn(bucket)).as("every row once").isEqualTo(6);
    }

    /** The records of the csv outputs under {@code out/} (headers left out), as a reader counts them. */
    private static long rowsIn(String bucket) {
        try (S3Client s3 = S3Inputs.client()) {
            List<String> keys = s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("out/")).contents().stream()
                    .map(o -> o.key())
                    .filter(k -> k.endsWith(".csv") && !k.contains("/_"))
                    .toList();
            long rows = 0;
            for (String k : keys) {
                String text = s3.getObjectAsBytes(r -> r.bucket(bucket).key(k)).asString(StandardCharsets.UTF_8);
                rows += text.lines().count() - 1;
            }
            return rows;
        }
    }

    private static void assertRefused(CliRun refused) {
        assertRefused(refused, "a", "b");
    }

    private static void assertRefused(CliRun refused, String owner, String pipeline) {
        assertThat(refused.code()).as(refused.toString()).isNotZero();
        assertThat(refused.out() + refused.err())
                .contains("sink.files.path")
                .contains("holds the output of another pipeline, '" + owner + "'")
                .contains("the pipeline '" + pipeline + "'")
                .contains("Write this pipeline's output to another folder")
                .contains("--delete-output --yes")
                .contains("rename this pipeline back to '" + owner + "'");
    }
}
