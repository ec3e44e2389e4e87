package io.sluice.storage.azure;

import io.sluice.config.Field;
import io.sluice.config.Type;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStoreFactory;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Opens {@code az://container/prefix/} and {@code abfs[s]://container@account.dfs.core.windows.net/prefix/}. */
public final class AzureBlobStoreFactory implements ObjectStoreFactory {
    static final Type.Obj DECLARED = Type.Obj.of(
            "Which Azure storage account holds the container. Credentials: "
                    + "a connection string in `AZURE_STORAGE_CONNECTION_STRING`, else Microsoft Entra ID through "
                    + "DefaultAzureCredential (see [object stores](storage.md#azure-blob-storage)).",
            Field.computed(
                    "account",
                    Type.STRING,
                    "the account in an `abfss://` URL, `AZURE_STORAGE_ACCOUNT`, or " + "the connection string's",
                    "The storage account name, e.g. `acmedata`."),
            Field.computed(
                    "endpoint",
                    Type.STRING,
                    "`https://<account>.blob.core.windows.net`",
                    "Another Blob service URL: a sovereign cloud, a private endpoint, or "
                            + "`http://127.0.0.1:10000/devstoreaccount1` for Azurite."));

    @Override
    public Set<String> schemes() {
        return Set.of("az", "abfs", "abfss");
    }

    @Override
    public String settingsBlock() {
        return "azure";
    }

    @Override
    public Type.Obj settings() {
        return DECLARED;
    }

    @Override
    public ObjectStore open(URI root, Map<String, Object> settings) throws IOException {
        try {
            return AzureBlobStore.open(root, settings, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
