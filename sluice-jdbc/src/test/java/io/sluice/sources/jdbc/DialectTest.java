package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DialectTest {
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("id", "BIGINT");
        COLUMNS.put("updated_at", "DATETIME");
        COLUMNS.put("odd`name", "TIMESTAMP");
    }

    @Test
    void mariaDbReadsDateTimesAsTheServersTextKeepingTheRangesOrder() {
        assertThat(Dialect.MYSQL.streamedQuery("SELECT * FROM t", COLUMNS, List.of("updated_at", "id")))
                .isEqualTo("SELECT `id`, CAST(`updated_at` AS BINARY) AS `updated_at`, CAST(`odd``name` AS BINARY) AS "
                        + "`odd``name` FROM (SELECT * FROM t) sluice_rows "
                        + "ORDER BY sluice_rows.`updated_at`, sluice_rows.`id`");
        assertThat(Dialect.MYSQL.streamedQuery("SELECT * FROM t", COLUMNS, List.of()))
                .doesNotContain("ORDER BY");
    }

    @Test
    void otherDatabasesAndRowsWithoutDateTimesAreReadAsWritten() {
        assertThat(Dialect.POSTGRES.streamedQuery("SELECT * FROM t", COLUMNS, List.of("id")))
                .isEqualTo("SELECT * FROM t");
        assertThat(Dialect.MYSQL.streamedQuery("SELECT * FROM t", Map.of("id", "BIGINT"), List.of("id")))
                .isEqualTo("SELECT * FROM t");
    }

    /**
     * A name that a suggested cast writes bare must be one the database takes bare: MySQL 8's window words
     * ({@code rank}, {@code window}, {@code range}) are reserved there, and a cast naming them bare did not run.
     */
    @Test
    void namesReservedInMySql8OrPostgresAreQuotedInASuggestedCast() {
        for (String word : List.of("rank", "window", "range", "rows", "row", "groups", "lead", "lag", "over")) {
            assertThat(TypeMap.ref(Dialect.MYSQL, word)).as(word).isEqualTo("`" + word + "`");
            assertThat(TypeMap.ref(Dialect.POSTGRES, word)).as(word).isEqualTo("\"" + word + "\"");
        }
        assertThat(TypeMap.ref(Dialect.MYSQL, "amount")).isEqualTo("amount");
    }
}
