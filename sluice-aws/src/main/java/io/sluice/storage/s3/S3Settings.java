package io.sluice.storage.s3;

import io.sluice.config.Field;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;

/**
 * The {@code s3:} block beside {@code path}, with what the environment fills in.
 *
 * @param endpoint    another endpoint than AWS's (MinIO, R2, Ceph, S3Proxy), from the block or
 *                    {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}
 * @param region      the bucket's region
 * @param regionFrom  where the region came from, for messages
 * @param pathStyle   {@code host/bucket/key} rather than {@code bucket.host/key} (most S3-compatible servers)
 * @param profile     a named profile of {@code ~/.aws/credentials} / {@code ~/.aws/config} instead of the default chain
 * @param pageSize    keys per LIST request (S3's maximum is 1000)
 * @param partSize    bytes per part of a multipart upload; files larger than this go up in parts
 * @param maxAttempts attempts per request (throttling, 5xx, lost connections) before the operation fails
 */
record S3Settings(
        Optional<URI> endpoint,
        String region,
        String regionFrom,
        boolean pathStyle,
        Optional<String> profile,
        int pageSize,
        long partSize,
        int maxAttempts) {
    static final long MIB = 1 << 20;
    static final long MIN_PART = 5 * MIB; // S3's smallest part but the last
    /** Under S3's 5 GiB: a part (and a file up to it) is read into one array, which holds under 2 GiB. */
    static final long MAX_PART = 1024 * MIB;

    static final Type.Obj DECLARED = Type.Obj.of(
                    "How to reach S3 or an S3-compatible server (MinIO, R2, Ceph, "
                            + "S3Proxy); the AWS environment variables and profile fill in what is left out. Credentials come "
                            + "from the AWS default chain (see [object stores](storage.md#credentials)).",
                    Field.computed(
                            "endpoint",
                            Type.STRING,
                            "`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS",
                            "Another S3 endpoint, e.g. `http://127.0.0.1:9000` for MinIO."),
                    Field.computed(
                            "region",
                            Type.STRING,
                            "`AWS_REGION`, the profile's region, else `us-east-1`",
                            "The bucket's region, e.g. `eu-west-1`."),
                    Field.optional(
                            "path_style",
                            Type.BOOL,
                            false,
                            "Address buckets as `host/bucket/key` (most S3-compatible servers need this)."),
                    Field.computed(
                            "profile",
                            Type.STRING,
                            "the default credential chain",
                            "Take credentials only from this profile of `~/.aws/credentials` / `~/.aws/config`."),
                    Field.optional("page_size", new Type.Int(1, 1000), 1000L, "Keys per LIST request."),
                    Field.optional(
                            "part_size",
                            Type.SIZE,
                            16L << 20,
                            "Bytes per part of a multipart upload (5MB to 1GB: a part is held in memory); larger files go "
                                    + "up in parts."),
                    Field.optional(
                            "max_attempts",
                            new Type.Int(1, 100),
                            5L,
                            "Attempts per request (throttling, 5xx, lost connections; exponential backoff) before the "
                                    + "operation fails."))
            .withCredentials("S3's come from the AWS default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the "
                    + "environment, a profile of ~/.aws/credentials (AWS_PROFILE, or s3: { profile: NAME }), or the "
                    + "role of the machine (docs/storage.md#credentials)");
    private static final Set<String> KEYS =
            DECLARED.fields().stream().map(Field::name).collect(java.util.stream.Collectors.toSet());

    static S3Settings parse(Map<String, Object> block, Function<String, String> env) throws IOException {
        Set<String> unknown = new TreeSet<>(block.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IOException("s3: unknown setting(s) " + unknown + "; the s3 block takes " + new TreeSet<>(KEYS));
        }
        String endpointFrom = string(block, "endpoint").isPresent()
                ? "s3.endpoint"
                : env.apply("AWS_ENDPOINT_URL_S3") != null ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
        Optional<String> endpointText = string(block, "endpoint")
                .or(() -> Optional.ofNullable(env.apply("AWS_ENDPOINT_URL_S3")))
                .or(() -> Optional.ofNullable(env.apply("AWS_ENDPOINT_URL")));
        Optional<URI> endpoint = Optional.empty();
        if (endpointText.isPresent()) {
            String text = endpointText.get();
            // looked for in the text, not the parsed URI: a host java.net.URI does not take (minio_server), no
            // scheme, or a secret holding '/' leaves the user info unparsed, and the message below would print it; an
            // endpoint has no other use for '@'
            int scheme = text.indexOf("://");
            int at = text.lastIndexOf('@');
            if (at >= 0) {
                throw keysInEndpoint(
                        (scheme >= 0 && scheme < at ? text.substring(0, scheme + 3) : "") + text.substring(at + 1),
                        endpointFrom);
            }
            URI uri;
            try {
                uri = URI.create(text);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
                throw new IOException(endpointFrom + ": '" + text + "' is not a URL; write http://host:port or "
                        + "https://host (a host name of letters, digits, '-' and '.')");
            }
            endpoint = Optional.of(uri);
        }
        Optional<String> profile = string(block, "profile");
        String region;
        String regionFrom;
        if (string(block, "region").isPresent()) {
            region = string(block, "region").get();
            regionFrom = "s3.region";
        } else {
            // the chain without instance metadata: opening a store does not reach the network
            Optional<String> found = environmentRegion(profile);
            region = found.orElse("us-east-1");
            regionFrom = found.isPresent() ? "AWS_REGION / profile" : "default (no region set anywhere)";
        }
        int pageSize = integer(block, "page_size", 1000);
        if (pageSize < 1 || pageSize > 1000) throw new IOException("s3.page_size: " + pageSize + " is not 1 to 1000");
        long partSize = size(block, "part_size", 16 * MIB);
        if (partSize < MIN_PART || partSize > MAX_PART) {
            throw new IOException("s3.part_size: " + partSize + " bytes is not 5 MiB (S3's smallest part) to 1 GiB "
                    + "(a part is held in memory, four at a time); files above 10,000 parts go up in larger parts "
                    + "by themselves");
        }
        int maxAttempts = integer(block, "max_attempts", 5);
        if (maxAttempts < 1) throw new IOException("s3.max_attempts: must be at least 1");
        return new S3Settings(
                endpoint, region, regionFrom, bool(block, "path_style"), profile, pageSize, partSize, maxAttempts);
    }

    /**
     * A user and password before the host (MinIO's console shows such URLs): the SDK ignores them and signs with the
     * chain's keys, and every error naming the endpoint would print the secret. Said without them.
     */
    private static IOException keysInEndpoint(String bare, String from) {
        return new IOException(from + ": the endpoint holds a user name or key before its host (...@), which S3 "
                + "does not take (requests are signed with the credentials of the AWS chain) and which would be "
                + "printed in messages; write " + bare + ", and give the keys as AWS_ACCESS_KEY_ID / "
                + "AWS_SECRET_ACCESS_KEY in the environment, or a profile (s3: { profile: ... })");
    }

    private static Optional<String> environmentRegion(Optional<String> profile) {
        try {
            return Optional.of(new AwsRegionProviderChain(
                            new SystemSettingsRegionProvider(),
                            new AwsProfileRegionProvider(null, profile.orElse(null)))
                    .getRegion()
                    .id());
        } catch (SdkClientException none) {
            return Optional.empty();
        }
    }

    private static Optional<String> string(Map<String, Object> block, String key) throws IOException {
        Object v = block.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s) || s.isBlank()) throw new IOException("s3." + key + ": expected text, got " + v);
        return Optional.of(s);
    }

    private static boolean bool(Map<String, Object> block, String key) throws IOException {
        Object v = block.get(key);
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new IOException("s3." + key + ": expected true or false, got " + v);
    }

    private static int integer(Map<String, Object> block, String key, int otherwise) throws IOException {
        Object v = block.get(key);
        if (v == null) return otherwise;
        if (v instanceof Number n) return n.intValue();
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IOException("s3." + key + ": expected a whole number, got " + v);
        }
    }

    /** A number of bytes, or text such as {@code 16MiB}, {@code 64 MB}, {@code 1GB}. */
    private static long size(Map<String, Object> block, String key, long otherwise) throws IOException {
        Object v = block.get(key);
        if (v == null) return otherwise;
        if (v instanceof Number n) return n.longValue();
        Long bytes = Validator.parseSize(v.toString());
        if (bytes == null) throw new IOException("s3." + key + ": expected a size such as 16MB, got " + v);
        return bytes;
    }

    String describe() {
        return "region " + region + " (" + regionFrom + ")"
                + endpoint.map(e -> ", endpoint " + e).orElse("") + (pathStyle ? ", path-style" : "")
                + profile.map(p -> ", profile " + p).orElse("");
    }
}
