package io.sluice.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.source.Source;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.testkit.source.FilesSources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which Azure roots are one place: what the files source compares with its sink's folder and its {@code move_to}.
 * Nothing here reaches the network (opening a store does not, and these stores use Entra ID credentials, none sent).
 */
class AzurePlaceTest {
    @TempDir
    Path tmp;

    @Test
    void bothUrlFormsOfOneAccountAreOnePlaceAndAnotherAccountsContainerIsAnother() throws IOException {
        try (ObjectStore az = ObjectStores.open("az://kit/in", Map.of("azure", Map.of("account", "acme")));
                ObjectStore abfss = ObjectStores.open("abfss://kit@acme.dfs.core.windows.net/in/", Map.of());
                ObjectStore other = ObjectStores.open("abfss://kit@other.dfs.core.windows.net/in/", Map.of());
                ObjectStore inside = ObjectStores.open("abfss://kit@acme.dfs.core.windows.net/in/done/", Map.of())) {
            assertThat(abfss.place()).isEqualTo(az.place()).isEqualTo("https://acme.blob.core.windows.net/kit/in/");
            assertThat(other.place()).isNotEqualTo(az.place());
            assertThat(inside.place()).startsWith(az.place());
            assertThat(az.root()).as("messages still name the root as written").isEqualTo("az://kit/in/");
        }
    }

    @Test
    void moveToTheSourcesOwnPrefixWrittenInTheOtherUrlFormIsRefused() throws Exception {
        // the roots read differently, so the check (which compared roots) let it through: every moved input would be
        // listed again under in/done/ and read a second time
        String source = "path: \"az://kit/in/\"\nsettle: 0s\nazure: { account: acme }\n";
        assertThatThrownBy(() -> FilesSources.create(
                        tmp,
                        source + "after: { move_to: \"abfss://kit@acme.dfs.core.windows.net/in/done/\" }",
                        1,
                        Map.of()))
                .hasMessageContaining("move_to")
                .hasMessageContaining("abfss://kit@acme.dfs.core.windows.net/in/done/")
                .hasMessageContaining("inside the source's path az://kit/in/")
                .hasMessageContaining("az://kit/in/_done/");

        // the same container and prefix of another account: elsewhere, so accepted
        try (Source s = FilesSources.create(
                tmp,
                "path: \"abfss://kit@acme.dfs.core.windows.net/in/\"\nsettle: 0s\n"
                        + "after: { move_to: \"abfss://kit@other.dfs.core.windows.net/in/done/\" }",
                1,
                Map.of())) {
            assertThat(s).isNotNull();
        }
    }
}
