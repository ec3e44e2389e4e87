package io.sluice.storage.local;

import io.sluice.config.Type;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Opens a local folder: {@code file:///data/in/} or a plain path. Takes no settings. */
public final class LocalObjectStoreFactory implements ObjectStoreFactory {
    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public String settingsBlock() {
        return null;
    }

    @Override
    public Type.Obj settings() {
        return null;
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) throws IOException {
        if (root.getAuthority() != null && !root.getAuthority().isEmpty()) {
            throw new IOException("'" + root + "' names a host; a local folder is file:///path or a plain path");
        }
        return new LocalObjectStore(Path.of(root));
    }
}
