package io.sluice.storage.gcs;

import io.sluice.spi.storage.StoreSettings;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a {@code gs://bucket/prefix/} root points, with the {@code gcs:} settings block.
 *
 * @param root     the root as the user wrote it, ending with {@code /}
 * @param bucket   the bucket
 * @param prefix   the object name prefix of the root, empty or ending with {@code /}
 * @param project  the project billed for requests (requester-pays buckets), or empty for the credentials' own
 * @param endpoint another endpoint than storage.googleapis.com (a private endpoint, an emulator), or empty
 */
record GcsLocation(String root, String bucket, String prefix, Optional<String> project, Optional<String> endpoint) {
    private static final Set<String> SETTINGS = GcsObjectStoreFactory.DECLARED.fields().stream()
            .map(io.sluice.config.Field::name)
            .collect(java.util.stream.Collectors.toSet());

    static GcsLocation parse(URI url, Map<String, Object> settings) {
        if (!"gs".equalsIgnoreCase(url.getScheme())) {
            throw new IllegalArgumentException(
                    "'" + url + "' is not a Google Cloud Storage url: write gs://bucket/prefix/");
        }
        for (String name : settings.keySet()) {
            if (!SETTINGS.contains(name)) {
                throw new IllegalArgumentException(
                        "gcs." + name + ": unknown setting; the gcs block takes project and " + "endpoint");
            }
        }
        String bucket = url.getAuthority();
        // lower-case letters, digits, '-', '_' and '.', 3 to 63 characters (222 with dots)
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")) {
            throw new IllegalArgumentException(
                    "'" + bucket + "' in " + url + " is not a bucket name: 3 to 63 lower-case "
                            + "letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
        }
        String path = url.getPath() == null ? "" : url.getPath();
        String prefix = path.startsWith("/") ? path.substring(1) : path;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        String root = url.toString().endsWith("/") ? url.toString() : url + "/";
        Optional<String> endpoint = Optional.ofNullable(StoreSettings.text("gcs", settings, "endpoint"));
        endpoint.ifPresent(
                e -> StoreSettings.checkEndpoint("gcs", e, "https://storage.example.com or http://127.0.0.1:4443"));
        String project = StoreSettings.text("gcs", settings, "project");
        return new GcsLocation(root, bucket, prefix, Optional.ofNullable(project), endpoint);
    }

    /** Plain http is an emulator's: no credentials are sent to it. */
    boolean emulator() {
        return endpoint.map(e -> e.startsWith("http:")).orElse(false);
    }

    String objectName(String key) {
        return prefix + key;
    }

    String describe(String key) {
        return root + key;
    }
}
