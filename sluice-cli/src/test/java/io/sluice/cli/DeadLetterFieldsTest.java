package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every dead letter has the same fields in the same order, whether its record is named by its line (a whole file) or
 * by its byte (a range of an object in a store): a reader of all of a pipeline's {@code _dead_letter/} files (DuckDB,
 * Spark, jq) sees one shape, and the {@code byte} column whatever file it samples first.
 */
class DeadLetterFieldsTest {
    @TempDir
    Path dir;

    @Test
    void theDeadLettersOfAWholeFileAndOfARangeNamedByItsByteAreReadTogetherWithTheSameFields() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        String bucket = "dlfields-" + Long.toHexString(System.nanoTime());
        server.createBucket(bucket);
        StringBuilder big = new StringBuilder("id,v\n");
        for (int i = 0; i < 400; i++) big.append(i).append(",10\n");
        long bad = big.length();
        big.append("x,1,2\n");
        for (int i = 0; i < 10; i++) big.append(i).append(",20\n");
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build()) {
            s3.putObject(b -> b.bucket(bucket).key("in/big.csv"), RequestBody.fromString(big.toString()));
            s3.putObject(b -> b.bucket(bucket).key("in/small.csv"), RequestBody.fromString("id,v\n1,10\n2,oops,9\n"));
        }
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        Path p = Workspace.in(dir).pipeline("""
                pipeline: dlfields
                source: { files: { path: "s3://%s/in/", split_size: 1KB, settle: 0s, s3: { endpoint: "%s", region: %s, path_style: true } } }
                sink: { files: { path: out, format: parquet } }
                """.formatted(bucket, server.endpoint(), S3ProxyServer.REGION));
        run(p).ok();

        List<String> fields = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Workspace.in(dir).deadLetters()) {
            List<String> names = new ArrayList<>();
            json.readTree(line).fieldNames().forEachRemaining(names::add);
            fields.add(String.join(",", names));
        }
        assertThat(fields).hasSize(2).allMatch("split,file,line,byte,reason,record"::equals);
        // one read over all the files (a column null in every record of the files a reader samples, as line in those
        // of a range named by byte, is typed by none: DuckDB samples every file here, up to 32)
        String all = "read_json('" + dir.resolve("out/_dead_letter") + "/**/*.jsonl')";
        assertThat(Workspace.query("SELECT file, line, \"byte\", record FROM " + all))
                .containsExactly("big.csv|null|" + bad + "|x,1,2", "small.csv|3|null|2,oops,9");
    }
}
