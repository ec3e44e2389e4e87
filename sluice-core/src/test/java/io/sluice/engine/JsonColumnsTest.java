package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every value of JSON lines arrives in the columns {@link JsonColumns} gives the reader. */
class JsonColumnsTest {
    @TempDir
    Path dir;

    /** The values of each record read by {@code columns}' relation, joined, NULLs left out. */
    private static List<String> values(JsonColumns columns) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT concat_ws(' ', *COLUMNS(*)) FROM (" + columns.relation(s) + ")")) {
            while (r.next()) out.add(r.getString(1));
        }
        return out;
    }

    /**
     * DuckDB names a key alike but for its case {@code A_1}; given that column, the reader found no key of that name
     * and read the record's value as NULL, silently.
     */
    @Test
    void keysAlikeButForTheirCaseKeepTheirValues() throws Exception {
        Path file = Files.writeString(dir.resolve("a.jsonl"), "{\"a\": 1}\n{\"A\": 5}\n");
        assertThat(values(new JsonColumns(List.of(file), Map.of()))).containsExactly("1", "5");
    }

    /** A byte range whose key is its head's but for its case: its values are its own, not lost to the head's column. */
    @Test
    void aRangeWithAKeyOfItsHeadButForItsCaseKeepsItsValues() throws Exception {
        Path head = Files.writeString(dir.resolve("head.jsonl"), "{\"amount\": 1}\n{\"amount\": 2}\n");
        Path range = Files.writeString(dir.resolve("range.jsonl"), "{\"Amount\": 5}\n{\"Amount\": 6}\n");
        assertThat(values(new JsonColumns(List.of(range), Map.of(range, head)))).containsExactly("5", "6");
    }

    /**
     * The same inside an object: the head's {@code s.a} and the range's {@code s.A} are one field of {@code s} for
     * DuckDB, {@code a}, and the range's values of {@code A} are read as NULL. Read alone, the range keeps them. (DuckDB
     * loses them in one file holding both as well, whatever its columns are given.)
     */
    @Test
    @Disabled("a known gap: a field of an object alike but for its case to the head's loses its values")
    void aRangeWithAFieldOfItsHeadButForItsCaseKeepsItsValues() throws Exception {
        Path head = Files.writeString(dir.resolve("head.jsonl"), "{\"s\": {\"amount\": 1}}\n");
        Path range = Files.writeString(dir.resolve("range.jsonl"), "{\"s\": {\"Amount\": 5}}\n");
        assertThat(values(new JsonColumns(List.of(range), Map.of(range, head)))).containsExactly("{'Amount': 5}");
    }
}
