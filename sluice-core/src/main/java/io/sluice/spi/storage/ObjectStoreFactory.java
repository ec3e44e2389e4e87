package io.sluice.spi.storage;

import io.sluice.config.Type;
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
     * The options of that block, declared once for validation and the option reference ({@code files} declares
     * {@code s3: <these>} beside {@code path} for each factory on the class path), or null when it takes none.
     */
    Type.Obj settings();

    /**
     * Opens the store rooted at {@code root} (bucket and prefix), with the settings of its block (an empty map when
     * the user gave none; validated against {@link #settings()} or not: the factory checks what it reads). Fails
     * with a message that names the option when a setting is wrong; does not reach the network (a run's check does
     * that).
     */
    ObjectStore open(URI root, Map<String, Object> settings) throws IOException;
}
