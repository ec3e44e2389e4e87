package io.sluice.storage.gcs;

import io.sluice.config.Field;
import io.sluice.config.Type;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Opens {@code gs://bucket/prefix/}. */
public final class GcsObjectStoreFactory implements ObjectStoreFactory {
    static final Type.Obj DECLARED = Type.Obj.of(
            "How to reach Google Cloud Storage. Credentials: the application "
                    + "default credentials (see [object stores](storage.md#google-cloud-storage)).",
            Field.computed(
                    "project",
                    Type.STRING,
                    "the credentials' project",
                    "The project billed for the requests (needed for requester-pays buckets)."),
            Field.computed(
                    "endpoint",
                    Type.STRING,
                    "`https://storage.googleapis.com`",
                    "Another endpoint: a private one, or a plain-http emulator such as `http://127.0.0.1:4443` "
                            + "(no credentials are sent to plain http)."));

    @Override
    public Set<String> schemes() {
        return Set.of("gs");
    }

    @Override
    public String settingsBlock() {
        return "gcs";
    }

    @Override
    public Type.Obj settings() {
        return DECLARED;
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) throws IOException {
        try {
            return GcsObjectStore.open(root, settings, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
