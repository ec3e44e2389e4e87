package io.sluice.storage.azure;

import io.sluice.spi.storage.StoreSettings;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where an {@code az://container/prefix/} or {@code abfs[s]://container@account.dfs.core.windows.net/prefix/} root
 * points, and how to reach it: the URL, the {@code azure:} settings block and the environment, in that order.
 *
 * @param root             the root as the user wrote it, ending with {@code /}
 * @param container        the blob container
 * @param prefix           the blob name prefix of the root, empty or ending with {@code /}
 * @param endpoint         the Blob service URL (https://account.blob.core.windows.net), or empty when the connection
 *                         string gives it
 * @param connectionString from AZURE_STORAGE_CONNECTION_STRING, or empty (then Microsoft Entra ID credentials)
 */
record AzureLocation(
        String root, String container, String prefix, Optional<String> endpoint, Optional<String> connectionString) {
    static final String CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";
    static final String ACCOUNT = "AZURE_STORAGE_ACCOUNT";
    private static final Set<String> SETTINGS = AzureBlobStoreFactory.DECLARED.fields().stream()
            .map(io.sluice.config.Field::name)
            .collect(java.util.stream.Collectors.toSet());

    static AzureLocation parse(URI url, Map<String, Object> settings, Map<String, String> env) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        for (String name : settings.keySet()) {
            if (!SETTINGS.contains(name)) {
                throw new IllegalArgumentException(
                        "azure." + name + ": unknown setting; the azure block takes " + "account and endpoint");
            }
        }
        String account = StoreSettings.text("azure", settings, "account");
        String endpoint = StoreSettings.text("azure", settings, "endpoint");
        String container;
        String path = url.getRawPath() == null ? "" : url.getPath();
        switch (scheme) {
            case "az" -> {
                container = url.getAuthority();
                if (container == null || container.contains("@")) {
                    throw new IllegalArgumentException(
                            "'" + url + "' names no container: write az://container/prefix/");
                }
            }
            case "abfs", "abfss" -> {
                // abfs[s]://container@account.dfs.core.windows.net/path: the Data Lake form of the same blobs
                String authority = url.getAuthority();
                int at = authority == null ? -1 : authority.indexOf('@');
                if (at <= 0 || !authority.contains(".dfs.")) {
                    throw new IllegalArgumentException("'" + url + "' is not an ABFS url: write " + scheme
                            + "://container@account.dfs.core.windows.net/path/");
                }
                container = authority.substring(0, at);
                String host = authority.substring(at + 1);
                String fromUrl = host.substring(0, host.indexOf('.'));
                if (account != null && !account.equals(fromUrl)) {
                    throw new IllegalArgumentException("azure.account: '" + account + "' differs from the account '"
                            + fromUrl + "' in " + url + "; remove one");
                }
                account = fromUrl;
                if (endpoint == null) {
                    endpoint = (scheme.equals("abfs") ? "http://" : "https://") + host.replace(".dfs.", ".blob.");
                }
            }
            default ->
                throw new IllegalArgumentException("'" + url + "' is not an Azure Blob url: write "
                        + "az://container/prefix/ or abfss://container@account.dfs.core.windows.net/prefix/");
        }
        if (!container.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]|\\$root")) {
            throw new IllegalArgumentException(
                    "'" + container + "' in " + url + " is not an Azure container name: "
                            + "3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit");
        }
        String prefix = path.startsWith("/") ? path.substring(1) : path;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        String root = url.toString().endsWith("/") ? url.toString() : url + "/";
        Optional<String> connectionString =
                Optional.ofNullable(env.get(CONNECTION_STRING)).filter(s -> !s.isBlank());
        if (account == null) {
            account = env.get(ACCOUNT);
        }
        if (endpoint != null) {
            StoreSettings.checkEndpoint(
                    "azure",
                    endpoint,
                    "https://account.blob.core.windows.net, or http://127.0.0.1:10000/devstoreaccount1 for Azurite");
        } else if (account != null && !account.isBlank()) {
            if (!account.matches("[a-z0-9]{3,24}")) {
                throw new IllegalArgumentException("azure.account: '" + account + "' is not a storage account name: "
                        + "3 to 24 lower-case letters and digits");
            }
            endpoint = "https://" + account + ".blob.core.windows.net";
        } else if (connectionString.isEmpty()) {
            throw new IllegalArgumentException("no storage account for " + url + ": set azure.account (or "
                    + "azure.endpoint), or the environment variable " + ACCOUNT + " or " + CONNECTION_STRING);
        }
        return new AzureLocation(root, container, prefix, Optional.ofNullable(endpoint), connectionString);
    }

    /** The blob name of a key. */
    String blobName(String key) {
        return prefix + key;
    }

    String describe(String key) {
        return root + key;
    }
}
