package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code rest} catalog type's options; commits through a REST server: {@link IcebergRestConformanceTest}. */
class IcebergRestCatalogTest {
    @TempDir
    Path dir;

    @Test
    void aRestCatalogNeedsTheServersUrlAndOpensNothingWhenChecked() throws Exception {
        Lake lake = new Lake(dir);
        assertThatThrownBy(() -> lake.sink("table: db.t\ncatalog: { type: rest }\n", "p"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs `uri:` with the server's URL");
        var sink =
                lake.sink("table: db.t\ncatalog: { type: rest, uri: \"http://127.0.0.1:9/\", warehouse: lake }\n", "p");
        sink.check(); // contacts no server: validation must work offline
        assertThatThrownBy(() -> lake.sink("table: t\ncatalog: { type: rest, uri: \"http://x/\" }\n", "p"))
                .hasMessageContaining("write the table with its namespace");
        assertThatThrownBy(() -> lake.sink("table: db.t\ncatalog: { type: glue }\n", "p"))
                .hasMessageContaining("unknown catalog type glue");
        assertThat(IcebergSinkFactory.OPTIONS.field("catalog")).isNotNull();
    }
}
