package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.spi.source.LocalFiles;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spool with declared columns (a database's CSV export) reads with exactly those types, NULLs and empty strings. */
class TypedCsvReadTest {
    @TempDir
    Path dir;

    @Test
    void readsTheDeclaredTypesAndTellsNullFromEmpty() throws Exception {
        Path file = dir.resolve("spool.csv");
        // as PostgreSQL's COPY ... (FORMAT csv, HEADER) writes it: NULL unquoted empty, '' quoted
        Files.writeString(file, """
                id,amount,at,ok,note,code
                1,12.50,2026-01-02 03:04:05.123456+00,t,"a, ""quoted"" note",007
                2,,,,"",
                """);
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("id", "BIGINT");
        columns.put("amount", "DECIMAL(12,2)");
        columns.put("at", "TIMESTAMP WITH TIME ZONE");
        columns.put("ok", "BOOLEAN");
        columns.put("note", "VARCHAR");
        columns.put("code", "VARCHAR");
        LocalFiles files = LocalFiles.typedCsv(List.of(LocalFiles.Part.whole(file, "t")), columns);
        Reader reader = Reader.of(files, "t0", false).orElseThrow();
        NativeCopies.loadDuckDb();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            try (ResultSet rs = s.executeQuery("SELECT typeof(id), typeof(amount), typeof(\"at\"), typeof(ok), "
                    + "typeof(code) FROM (" + reader.relation() + ") LIMIT 1")) {
                rs.next();
                assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)))
                        .containsExactly("BIGINT", "DECIMAL(12,2)", "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "VARCHAR");
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM (" + reader.relation() + ") ORDER BY id")) {
                rs.next();
                assertThat(rs.getLong("id")).isEqualTo(1);
                assertThat(rs.getBigDecimal("amount")).isEqualByComparingTo(new BigDecimal("12.50"));
                assertThat(rs.getObject("at", OffsetDateTime.class).toInstant())
                        .isEqualTo(OffsetDateTime.parse("2026-01-02T03:04:05.123456Z")
                                .toInstant());
                assertThat(rs.getBoolean("ok")).isTrue();
                assertThat(rs.getString("note")).isEqualTo("a, \"quoted\" note");
                assertThat(rs.getString("code"))
                        .as("text stays text, leading zeros kept")
                        .isEqualTo("007");
                rs.next();
                assertThat(rs.getObject("amount")).isNull();
                assertThat(rs.getObject("at")).isNull();
                assertThat(rs.getObject("ok")).isNull();
                assertThat(rs.getString("note"))
                        .as("a quoted empty field is the empty string")
                        .isEmpty();
                assertThat(rs.getString("code"))
                        .as("an unquoted empty field is NULL")
                        .isNull();
            }
        }
    }
}
