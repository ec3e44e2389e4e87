package io.sluice.spi.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens the store for a {@code path} option as a user writes it: a URL ({@code s3://bucket/prefix/}) opens with the
 * {@link ObjectStoreFactory} of its scheme found on the class path, anything else is a local path.
 */
public final class ObjectStores {
    private ObjectStores() {}

    /**
     * @param location a URL or a local path
     * @param blocks   the settings blocks beside {@code path} by name ({@code s3}, {@code gcs}, {@code azure}); the
     *                 factory of the location gets its own block, or an empty map
     */
    public static ObjectStore open(String location, Map<String, ? extends Map<String, Object>> blocks)
            throws IOException {
        URI root = isUrl(location)
                ? url(location)
                : Path.of(location).toAbsolutePath().toUri();
        ObjectStoreFactory factory = factory(root.getScheme());
        Map<String, Object> settings = factory.settingsBlock() == null ? null : blocks.get(factory.settingsBlock());
        return factory.open(root, settings == null ? Map.of() : settings);
    }

    /**
     * The URL of a store's root. A URL's path is percent-encoded and ends at a {@code ?} or {@code #}: a prefix written
     * with one of them as it is named in the bucket ({@code s3://b/out?v=2/}) would open another prefix ({@code out/}),
     * so it is refused, as is what {@link URI} cannot read (a space), each with its encoding.
     */
    private static URI url(String location) throws IOException {
        String encode = "write a key's characters a URL reserves percent-encoded: '?' as %3F, '#' as %23, a space as "
                + "%20, '%' as %25";
        URI uri;
        try {
            uri = new URI(location);
        } catch (java.net.URISyntaxException e) {
            throw new IOException(
                    location + " is not a URL: " + e.getReason() + " at index " + e.getIndex() + "; " + encode);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            String path = uri.getRawPath() == null ? "/" : uri.getRawPath();
            String cut = uri.getScheme() + "://" + uri.getRawAuthority() + path + (path.endsWith("/") ? "" : "/");
            throw new IOException(location + ": a URL's path ends at its '" + (uri.getRawQuery() != null ? "?" : "#")
                    + "', so this one names " + cut + ", not the place written; " + encode);
        }
        return uri;
    }

    /** Whether {@code location} names a store by URL rather than a local path. */
    public static boolean isUrl(String location) {
        return io.sluice.config.Type.PathOrUrl.isUrl(location);
    }

    /** The factories on the class path by scheme, e.g. to list the settings blocks a {@code path} option takes. */
    public static Map<String, ObjectStoreFactory> factories() {
        Map<String, ObjectStoreFactory> byScheme = new TreeMap<>();
        for (ObjectStoreFactory f : ServiceLoader.load(ObjectStoreFactory.class, ObjectStores.class.getClassLoader())) {
            for (String scheme : f.schemes()) byScheme.putIfAbsent(scheme, f);
        }
        return byScheme;
    }

    private static ObjectStoreFactory factory(String scheme) throws IOException {
        Map<String, ObjectStoreFactory> all = factories();
        ObjectStoreFactory f = all.get(scheme.toLowerCase(java.util.Locale.ROOT));
        if (f == null) {
            throw new IOException("no object store for " + scheme + ":// URLs on the class path (known: "
                    + String.join(", ", all.keySet()) + "); the S3 store is in module sluice-aws, a local folder "
                    + "is a plain path");
        }
        return f;
    }
}
