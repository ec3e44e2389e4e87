package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.sink.FileSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A list, struct or map in csv output is its JSON text, which a reader of the file can parse back. */
class CsvNestedValuesTest {
    @TempDir
    Path dir;

    @Test
    void nestedValuesAreWrittenAsJson() throws Exception {
        Path out = dir.resolve("out.csv");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            new DuckRows(
                            c,
                            "SELECT 1 AS id, ['x, y', 'z'] AS tags, {'city': 'Q\"x', 'zip': 1} AS addr, "
                                    + "MAP {'k': 'nan'::DOUBLE} AS m, NULL::INTEGER[] AS none")
                    .writeFiles(out, new FileSpec("csv", "none", List.of(), "out"));
        }
        // DuckDB printed [x, y, z] for the two strings (no telling where one ends) and {'city': Q"x, 'zip': 1}
        assertThat(Files.readAllLines(out))
                .containsExactly(
                        "id,tags,addr,m,none",
                        "1,\"[\"\"x, y\"\",\"\"z\"\"]\",\"{\"\"city\"\":\"\"Q\\\"\"x\"\",\"\"zip\"\":1}\",\"{\"\"k\"\":\"\"NaN\"\"}\",");
    }
}
