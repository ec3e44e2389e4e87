package io.sluice.storage.s3;

import io.sluice.config.Type;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Opens {@code s3://bucket/prefix/} with the settings of the {@code s3:} block: {@code endpoint}, {@code region},
 * {@code path_style}, {@code profile} (and {@code page_size}, {@code part_size}, {@code max_attempts}); the AWS
 * environment variables fill in what the block leaves out.
 */
public final class S3ObjectStoreFactory implements ObjectStoreFactory {
    private final Function<String, String> env;
    private final int maxParts;

    public S3ObjectStoreFactory() {
        this(System::getenv);
    }

    S3ObjectStoreFactory(Function<String, String> env) {
        this(env, S3ObjectStore.MAX_PARTS);
    }

    /** @param maxParts the parts an upload may have: S3's 10,000, fewer in tests (not 160 GiB to reach the limit) */
    S3ObjectStoreFactory(Function<String, String> env, int maxParts) {
        this.env = env;
        this.maxParts = maxParts;
    }

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public String settingsBlock() {
        return "s3";
    }

    @Override
    public Type.Obj settings() {
        return S3Settings.DECLARED;
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) throws IOException {
        String bucket = root.getAuthority();
        if (bucket == null || bucket.length() < 3 || bucket.length() > 63) {
            throw new IOException("'" + root + "' names no S3 bucket: write s3://bucket/prefix/ (a bucket name has 3 "
                    + "to 63 characters)");
        }
        String prefix = root.getPath() == null ? "" : root.getPath().replaceFirst("^/+", "");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) prefix += "/";
        S3Settings s = S3Settings.parse(settings, env);
        CredentialChain credentials = CredentialChain.of(s.profile());
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(s.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s.pathStyle())
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64))
                // the SDK's standard policy: exponential backoff with jitter on throttling, 5xx and I/O errors
                .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.builder(RetryMode.STANDARD)
                                .numRetries(s.maxAttempts() - 1)
                                .build())
                        .addExecutionInterceptor(new AnswerCheck()));
        s.endpoint().ifPresent(b::endpointOverride);
        return new S3ObjectStore(b.build(), credentials, bucket, prefix, s, maxParts);
    }
}
