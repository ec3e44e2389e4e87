package io.sluice.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AzureLocationTest {

    @Test
    void azUrlTakesTheAccountFromTheSettingsOrTheEnvironment() {
        AzureLocation fromSettings = parse("az://data/in/logs", Map.of("account", "acme"), Map.of());
        assertThat(fromSettings.container()).isEqualTo("data");
        assertThat(fromSettings.prefix()).isEqualTo("in/logs/");
        assertThat(fromSettings.root()).isEqualTo("az://data/in/logs/");
        assertThat(fromSettings.endpoint()).contains("https://acme.blob.core.windows.net");
        assertThat(fromSettings.connectionString()).isEmpty();
        assertThat(fromSettings.describe("a.csv")).isEqualTo("az://data/in/logs/a.csv");

        AzureLocation fromEnv = parse("az://data/", Map.of(), Map.of("AZURE_STORAGE_ACCOUNT", "acme2"));
        assertThat(fromEnv.prefix()).isEmpty();
        assertThat(fromEnv.endpoint()).contains("https://acme2.blob.core.windows.net");

        AzureLocation connection = parse("az://data/", Map.of(), Map.of("AZURE_STORAGE_CONNECTION_STRING", "x=y"));
        assertThat(connection.endpoint()).isEmpty();
        assertThat(connection.connectionString()).contains("x=y");
    }

    @Test
    void abfsUrlNamesContainerAndAccountAndReachesTheBlobEndpoint() {
        AzureLocation l = parse("abfss://lake@acme.dfs.core.windows.net/raw/2025", Map.of(), Map.of());
        assertThat(l.container()).isEqualTo("lake");
        assertThat(l.prefix()).isEqualTo("raw/2025/");
        assertThat(l.endpoint()).contains("https://acme.blob.core.windows.net");
        assertThat(l.describe("x")).isEqualTo("abfss://lake@acme.dfs.core.windows.net/raw/2025/x");
        assertThat(parse("abfs://lake@acme.dfs.core.windows.net/", Map.of(), Map.of())
                        .endpoint())
                .contains("http://acme.blob.core.windows.net");
        assertThat(parse(
                                "abfss://lake@acme.dfs.core.windows.net/",
                                Map.of("endpoint", "http://127.0.0.1:1/a"),
                                Map.of())
                        .endpoint())
                .contains("http://127.0.0.1:1/a");
    }

    @Test
    void wrongUrlsAndSettingsSayWhatToWrite() {
        assertThatThrownBy(() -> parse("az://data/", Map.of(), Map.of()))
                .hasMessageContaining("azure.account")
                .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING");
        assertThatThrownBy(() -> parse("az://Data_1/", Map.of("account", "acme"), Map.of()))
                .hasMessageContaining("not an Azure container name");
        assertThatThrownBy(() -> parse("az://data/", Map.of("account", "Acme-1"), Map.of()))
                .hasMessageContaining("azure.account")
                .hasMessageContaining("3 to 24");
        assertThatThrownBy(() -> parse("az://data/", Map.of("acount", "acme"), Map.of()))
                .hasMessageContaining("azure.acount: unknown setting");
        assertThatThrownBy(() -> parse("az://data/", Map.of("endpoint", "localhost:10000"), Map.of()))
                .hasMessageContaining("azure.endpoint");
        assertThatThrownBy(() -> parse("abfss://acme.dfs.core.windows.net/x", Map.of(), Map.of()))
                .hasMessageContaining("container@account.dfs.core.windows.net");
        assertThatThrownBy(() -> parse("abfss://lake@acme.dfs.core.windows.net/", Map.of("account", "other"), Map.of()))
                .hasMessageContaining("differs");
        assertThatThrownBy(() -> parse("s3://data/", Map.of(), Map.of())).hasMessageContaining("az://container");
    }

    @Test
    void credentialSourceNamesTheSourceNeverTheSecret() {
        assertThat(AzureBlobStore.defaultCredentialSource(
                        Map.of("AZURE_CLIENT_ID", "id", "AZURE_TENANT_ID", "t", "AZURE_CLIENT_SECRET", "s3cr3t")))
                .contains("AZURE_CLIENT_SECRET")
                .doesNotContain("s3cr3t");
        assertThat(AzureBlobStore.defaultCredentialSource(Map.of(
                        "AZURE_CLIENT_ID",
                        "id",
                        "AZURE_TENANT_ID",
                        "t",
                        "AZURE_FEDERATED_TOKEN_FILE",
                        "/var/run/token")))
                .contains("workload identity");
        assertThat(AzureBlobStore.defaultCredentialSource(Map.of("IDENTITY_ENDPOINT", "http://x")))
                .contains("managed identity");
        assertThat(AzureBlobStore.defaultCredentialSource(Map.of())).contains("Azure CLI");
        assertThat(Optional.of(AzureBlobStore.open(URI.create("az://data/"), Map.of("account", "acme"), Map.of())
                        .credentialSource()))
                .hasValueSatisfying(s -> assertThat(s).startsWith("Azure default credential"));
    }

    @Test
    void aMalformedConnectionStringIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> AzureBlobStore.open(
                        URI.create("az://data/"),
                        Map.of(),
                        Map.of("AZURE_STORAGE_CONNECTION_STRING", "AccountKey=c2VjcmV0;garbage")))
                .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING is not a storage connection string")
                .hasMessageNotContaining("c2VjcmV0");
    }

    private static AzureLocation parse(String url, Map<String, Object> settings, Map<String, String> env) {
        return AzureLocation.parse(URI.create(url), settings, env);
    }
}
