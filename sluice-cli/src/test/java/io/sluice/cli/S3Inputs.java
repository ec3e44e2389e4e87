package io.sluice.cli;

import io.sluice.testkit.storage.S3ProxyServer;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Objects of a test's input in a bucket of the shared S3Proxy server, and the files source options that read them. */
final class S3Inputs {
    private S3Inputs() {}

    /**
     * A new bucket, named from {@code prefix}, holding {@code objects} (key to text) under {@code in/}; the credentials
     * the run's S3 client takes are set (system properties).
     *
     * @return the files source options reading {@code in/} of the bucket: {@code path}, {@code settle} and {@code s3}
     */
    static String put(String prefix, Map<String, String> objects) {
        Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
        objects.forEach((key, text) -> bytes.put(key, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return putBytes(prefix, bytes);
    }

    /** A client of the shared S3Proxy server, to read what a run wrote. */
    static S3Client client() {
        S3ProxyServer server = S3ProxyServer.shared();
        return S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build();
    }

    /** {@link #put}, of objects given as their bytes (key to bytes). */
    static String putBytes(String prefix, Map<String, byte[]> objects) {
        S3ProxyServer server = S3ProxyServer.shared();
        String bucket = prefix + "-" + Long.toHexString(System.nanoTime());
        server.createBucket(bucket);
        try (S3Client s3 = client()) {
            objects.forEach(
                    (key, bytes) -> s3.putObject(b -> b.bucket(bucket).key("in/" + key), RequestBody.fromBytes(bytes)));
        }
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        return "path: \"s3://%s/in/\", settle: 0s, s3: { endpoint: \"%s\", region: %s, path_style: true }"
                .formatted(bucket, server.endpoint(), S3ProxyServer.REGION);
    }
}
