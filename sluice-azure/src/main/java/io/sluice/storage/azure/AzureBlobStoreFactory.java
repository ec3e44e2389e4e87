package io.sluice.storage.azure;

import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Opens {@code az://container/prefix/} and {@code abfs[s]://container@account.dfs.core.windows.net/prefix/}. */
public final class AzureBlobStoreFactory implements ObjectStoreFactory {

    @Override
    public Set<String> schemes() {
        return Set.of("az", "abfs", "abfss");
    }

    @Override
    public String settingsBlock() {
        return "azure";
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) {
        return AzureBlobStore.open(root, settings, System.getenv());
    }
}
