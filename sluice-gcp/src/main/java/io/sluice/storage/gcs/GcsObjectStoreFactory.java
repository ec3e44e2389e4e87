package io.sluice.storage.gcs;

import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Opens {@code gs://bucket/prefix/}. */
public final class GcsObjectStoreFactory implements ObjectStoreFactory {

    @Override
    public Set<String> schemes() {
        return Set.of("gs");
    }

    @Override
    public String settingsBlock() {
        return "gcs";
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) {
        return GcsObjectStore.open(root, settings, System.getenv());
    }
}
