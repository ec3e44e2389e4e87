package io.sluice.pool;

import io.sluice.testkit.storage.S3ProxyServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The test's own view of an S3Proxy: puts inputs, reads outputs back as a reader listing the bucket would, and the
 * settings a pipeline and a child process need to reach it. The rows are {@code id,v} CSVs of integers.
 */
final class S3Buckets implements AutoCloseable {
    final S3ProxyServer server;
    private final S3Client s3;

    S3Buckets(S3ProxyServer server) {
        this.server = server;
        this.s3 = S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build();
    }

    /** The {@code s3:} block of a pipeline's source or sink. */
    String s3Block() {
        return "{ endpoint: \"" + server.endpoint() + "\", region: " + S3ProxyServer.REGION + ", path_style: true }";
    }

    /** Credentials from the environment (the default chain's second source), as a deployment would give them. */
    static Map<String, String> env() {
        return Map.of(
                "AWS_ACCESS_KEY_ID",
                S3ProxyServer.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                S3ProxyServer.SECRET_KEY,
                "AWS_REGION",
                S3ProxyServer.REGION);
    }

    void put(String bucket, String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    void delete(String bucket, String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** Every key under the prefix with its ETag. */
    Map<String, String> objects(String bucket, String prefix) {
        Map<String, String> out = new TreeMap<>();
        for (S3Object o :
                s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            out.put(o.key(), o.eTag());
        }
        return out;
    }

    /** The data rows ({@code id|v}, header dropped) of the csv objects a reader finds: Sluice's own {@code _} keys skipped. */
    List<String> outputRows(String bucket, String prefix) {
        List<String> rows = new ArrayList<>();
        outputFiles(bucket, prefix).values().forEach(rows::addAll);
        rows.sort(null);
        return rows;
    }

    /**
     * The csv objects a reader listing the prefix finds (Sluice's own {@code _} keys skipped), each with its data rows
     * ({@code id|v}), read one after the other as a query engine reads them.
     */
    Map<String, List<String>> outputFiles(String bucket, String prefix) {
        return outputFiles(bucket, prefix, new HashMap<>());
    }

    /** The same, an object's rows taken from {@code read} (by key and ETag) when read before, and kept there. */
    Map<String, List<String>> outputFiles(String bucket, String prefix, Map<String, List<String>> read) {
        Map<String, List<String>> files = new TreeMap<>();
        for (Map.Entry<String, String> o : objects(bucket, prefix).entrySet()) {
            String key = o.getKey();
            String name = key.substring(prefix.length());
            if (!name.endsWith(".csv") || name.startsWith("_") || name.contains("/_")) continue;
            files.put(key, read.computeIfAbsent(key + " " + o.getValue(), k -> rows(bucket, key)));
        }
        return files;
    }

    /** The data rows ({@code id|v}) of one csv object. */
    List<String> rows(String bucket, String key) {
        return csvRows(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String());
    }

    /** The content of the objects under {@code prefix} whose key contains {@code part}. */
    List<String> read(String bucket, String prefix, String part) {
        List<String> out = new ArrayList<>();
        for (String key : objects(bucket, prefix).keySet()) {
            if (key.contains(part))
                out.add(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String());
        }
        return out;
    }

    static List<String> csvRows(String csv) {
        List<String> rows = new ArrayList<>();
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++)
            if (!lines[i].isBlank()) rows.add(lines[i].strip().replace(',', '|'));
        return rows;
    }

    /** {@code n} rows {@code id,v} with ids from {@code first}; returns the csv, the expected rows go to {@code expected}. */
    static String csv(long first, int n, int v, List<String> expected) {
        StringBuilder b = new StringBuilder("id,v\n");
        for (long id = first; id < first + n; id++) {
            b.append(id).append(',').append(v).append('\n');
            expected.add(id + "|" + v);
        }
        return b.toString();
    }

    @Override
    public void close() {
        s3.close();
    }
}
