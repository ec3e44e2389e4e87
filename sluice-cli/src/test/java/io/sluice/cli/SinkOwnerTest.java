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
 * Two pipelines whose files sinks write to the same folder. With disjoint inputs both commit, and each keeps its rows.
 * A renamed copy of a pipeline (the same inputs) would take the first's outputs for an earlier life of its own (a
 * reset) and replace them: its commits are refused instead, its splits dead, and the first's output stays whole.
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
    void aRenamedCopyWritingToTheSameLocalFolderIsRefusedAndTheFirstsOutputStays() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", INPUT);
        ws.input("b.csv", INPUT);
        String source = "path: in, settle: 0s";
        Path a = pipeline("a", source, "path: out, format: parquet");
        Path b = pipeline("b", source, "path: out, format: parquet");
        run(a).ok();
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly("6");

        sluice("validate", b.toString()).ok();
        assertRefused(run(b));
        assertThat(ws.outputRows("count(*)", "parquet")).as("a's output, whole").containsExactly("6");
        assertThat(run(a).ok().out()).as("a runs on").doesNotContain("another pipeline");

        // b's reset removes none of a's output
        sluice("reset", b.toString(), "--delete-output", "--yes").ok();
        assertThat(ws.outputRows("count(*)", "parquet")).as("a's output, whole").containsExactly("6");
        // a's reset removes it, and b may write there then
        sluice("reset", a.toString(), "--delete-output", "--yes").ok();
        assertThat(ws.outputFiles("parquet")).isEmpty();
        run(b).ok();
        assertThat(ws.outputRows("count(*)", "parquet")).containsExactly("6");
        assertRefused(run(a), "b", "a");
        assertThat(ws.outputRows("count(*)", "parquet")).as("b's output, whole").containsExactly("6");
    }

    @Test
    void twoPipelinesWithDisjointInputsShareAFolderAndKeepTheirRows() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("sales/a.csv", INPUT);
        ws.input("purchases/b.csv", "id,v\n4,40\n5,50\n");
        Path sales = pipeline("sales", "path: in/sales, settle: 0s", "path: out, format: parquet");
        Path purchases = pipeline("purchases", "path: in/purchases, settle: 0s", "path: out, format: parquet");
        sluice("validate", purchases.toString()).ok();
        run(sales).ok();
        run(purchases).ok();
        assertThat(ws.outputRows("sum(v)", "parquet")).containsExactly("150");

        // a reset of one replaces its own outputs only
        sluice("reset", sales.toString(), "--yes").ok();
        ws.input("sales/c.csv", "id,v\n6,60\n");
        run(sales).ok();
        run(purchases).ok();
        assertThat(ws.outputRows("sum(v)", "parquet")).as("every row once").containsExactly("210");

        // --delete-output of one leaves the other's rows
        CliRun reset = sluice("reset", purchases.toString(), "--delete-output", "--yes")
                .ok();
        assertThat(ws.outputRows("sum(v)", "parquet")).containsExactly("120");
        assertThat(reset.out()).doesNotContain("_sluice" + java.io.File.separator + "\n");
    }

    @Test
    void anOldMarkerOfTheCurrentIncarnationGetsItsPipelineAndThenProtects() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", INPUT);
        String source = "path: in, settle: 0s";
        Path a = pipeline("a", source, "path: out, format: parquet");
        run(a).ok();
        Path markers = ws.out().resolve("_sluice/incarnations");
        List<Path> written;
        try (Stream<Path> list = Files.list(markers)) {
            written = list.toList();
        }
        for (Path m : written) {
            Files.writeString(m, Files.readString(m).lines().findFirst().orElseThrow() + "\n"); // an earlier Sluice's
        }
        ws.input("b.csv", INPUT);
        run(a).ok(); // its first commit names its marker
        for (Path m : written) assertThat(Files.readString(m)).endsWith("\npipeline: a\n");

        Path copy = pipeline("copy", source, "path: out, format: parquet");
        assertRefused(run(copy), "a", "copy");
        assertThat(ws.outputRows("count(*)", "parquet")).as("a's output, whole").containsExactly("6");
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
    void aRenamedCopyWritingToTheSameBucketPrefixIsRefusedAndTheFirstsOutputStays() throws Exception {
        String source = S3Inputs.put("sinkowner", Map.of("a.csv", INPUT, "b.csv", INPUT));
        String bucket = source.substring(source.indexOf("s3://") + 5, source.indexOf("/in/"));
        String sink = source.replace("/in/", "/out/").replace("settle: 0s, ", "") + ", format: csv";
        Path a = pipeline("a", source, sink);
        Path b = pipeline("b", source, sink);
        run(a).ok();
        assertThat(rowsIn(bucket)).isEqualTo(6);

        sluice("validate", b.toString()).ok();
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
                .contains("of the input ")
                .contains("the pipeline '" + pipeline + "' writes too")
                .contains("Write this pipeline's output to another folder")
                .contains("--delete-output --yes")
                .contains("rename this pipeline back to '" + owner + "'")
                .contains("sluice retry");
    }
}
