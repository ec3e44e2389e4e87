package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A files source whose bucket does not exist (a misspelt name) is a mistake in the pipeline, as a sink's is: validate,
 * plan and run refuse it before planning (exit 2) at {@code source.files.path}, naming the bucket and the buckets the
 * credentials can see; an empty prefix of a bucket that exists is a pipeline set up before its first file.
 */
class SourceBucketTest {
    @TempDir
    Path dir;

    @Test
    void aMissingBucketIsRefusedByValidatePlanAndRunNamingTheOptionAndTheBucketsThereAre() throws Exception {
        String source = S3Inputs.put("srcbucket", Map.of("a.csv", "id\n1\n"));
        String bucket = source.substring(source.indexOf("s3://") + 5, source.indexOf("/in/"));
        String misspelt = bucket + "x";
        Path p = Workspace.in(dir)
                .pipeline("""
                pipeline: srcbucket
                source: { files: { %s } }
                steps:
                  - sql: SELECT id FROM input
                sink: { files: { path: out, format: csv } }
                """.formatted(source.replace("s3://" + bucket + "/", "s3://" + misspelt + "/")));

        CliRun run = run(p);
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(2);
        String all = run.out() + run.err();
        assertThat(all).contains("source.files.path");
        // was printed twice: as the reason the steps were not checked, then as the run's error
        assertThat(all.split("bucket '" + misspelt + "' does not exist", -1))
                .as("the message once: " + all)
                .hasSize(2);

        CliRun validate = sluice("validate", p.toString());
        assertThat(validate.code()).as(validate.out() + validate.err()).isEqualTo(2);
        assertThat(validate.err())
                .contains("source.files.path")
                .contains("bucket '" + misspelt + "' does not exist")
                .contains("check its spelling")
                .contains("the buckets these credentials can see: ")
                .contains(bucket);

        CliRun plan = sluice("plan", p.toString());
        assertThat(plan.code()).as(plan.out() + plan.err()).isEqualTo(2);
        assertThat(plan.err()).contains("source.files.path").contains("bucket '" + misspelt + "' does not exist");
    }

    @Test
    void anEmptyPrefixOfABucketThatExistsIsValid() throws Exception {
        String source = S3Inputs.put("srcempty", Map.of("a.csv", "id\n1\n"));
        Path p = Workspace.in(dir).pipeline("""
                pipeline: srcempty
                source: { files: { %s } }
                sink: { files: { path: out, format: csv } }
                """.formatted(source.replace("/in/", "/nothing-yet/")));

        CliRun validate = sluice("validate", p.toString());
        assertThat(validate.code()).as(validate.out() + validate.err()).isEqualTo(0);
        assertThat(validate.out()).contains("valid");
    }
}
