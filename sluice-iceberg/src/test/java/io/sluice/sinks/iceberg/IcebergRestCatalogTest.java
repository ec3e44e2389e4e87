package io.sluice.sinks.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog's options and the errors of opening it; commits through a REST server: {@link IcebergRestConformanceTest}. */
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

    @Test
    void aCatalogThatCannotBeOpenedIsNamedWithTheCauseAndWhatToCheck() throws Exception {
        Lake lake = new Lake(dir);
        var sink = lake.sink(
                "table: db.t\ncatalog: { type: jdbc, uri: \"jdbc:postgresql://127.0.0.1:1/lake\", "
                        + "warehouse: lake/warehouse }\n",
                "p");
        sink.check();
        assertThatThrownBy(sink::prepare)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("catalog: cannot open the jdbc catalog")
                .hasMessageContaining("Connection to 127.0.0.1:1 refused")
                .hasMessageContaining("check catalog.uri")
                .as("the driver's exception is kept as the cause: --verbose and the logs show its stack")
                .hasRootCauseInstanceOf(java.net.ConnectException.class);
        sink.finish();
    }

    @Test
    void aWarehouseThatIsAFileIsRefusedWhenChecked() throws Exception {
        Lake lake = new Lake(dir);
        java.nio.file.Files.writeString(dir.resolve("lake.txt"), "x");
        var sink = lake.sink(
                "table: db.t\ncatalog: { type: jdbc, uri: \"jdbc:sqlite:lake/c.db\", warehouse: lake.txt }\n", "p");
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is a file, not a folder");
    }
}
