package io.sluice.spi.storage;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens the stores of one kind, found with {@link java.util.ServiceLoader} by the URL's scheme, so that a store
 * module on the class path is all it takes to read and write its URLs.
 */
public interface ObjectStoreFactory {

    /** The URL schemes this factory opens ({@code s3}; {@code gs}; {@code az}, {@code abfs}, {@code abfss}). */
    Set<String> schemes();

    /**
     * The name of the block of settings beside {@code path} ({@code s3}, {@code gcs}, {@code azure}), or null when
     * the store takes none.
     */
    String settingsBlock();

    /**
     * Opens the store rooted at {@code root} (bucket and prefix), with the settings of its block (an empty map when
     * the user gave none). Fails with a message that names the option when a setting is wrong; does not reach the
     * network (a run's check does that).
     */
    ObjectStore open(URI root, Map<String, Object> settings) throws IOException;
}
