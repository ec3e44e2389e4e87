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
                ? URI.create(location)
                : Path.of(location).toAbsolutePath().toUri();
        ObjectStoreFactory factory = factory(root.getScheme());
        Map<String, Object> settings = factory.settingsBlock() == null ? null : blocks.get(factory.settingsBlock());
        return factory.open(root, settings == null ? Map.of() : settings);
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
