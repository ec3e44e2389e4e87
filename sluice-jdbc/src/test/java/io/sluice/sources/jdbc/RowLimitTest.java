package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RowLimitTest {
    @Test
    void theQuerysOwnLimitOffsetOrFetchIsFound() {
        assertThat(RowLimit.of("SELECT * FROM t ORDER BY at LIMIT 5", false)).contains("LIMIT");
        assertThat(RowLimit.of("select * from t\noffset 5 rows", false)).contains("OFFSET");
        assertThat(RowLimit.of("SELECT * FROM t FETCH NEXT 5 ROWS ONLY", false)).contains("FETCH NEXT");
        assertThat(RowLimit.of("SELECT * FROM (SELECT 1 AS a) s LIMIT 1", false))
                .contains("LIMIT");
    }

    @Test
    void aLimitInASubqueryStringNameOrCommentIsNotTheQuerys() {
        assertThat(RowLimit.of("SELECT * FROM t WHERE id IN (SELECT id FROM u ORDER BY id LIMIT 5)", false))
                .isEmpty();
        assertThat(RowLimit.of("SELECT 'limit 5' AS \"offset\", `limit` FROM t -- limit 5\n/* fetch first */", true))
                .isEmpty();
        assertThat(RowLimit.of("SELECT $$ limit 5 $$ AS a, $q$ ) limit $q$ AS b FROM t", false))
                .isEmpty();
        assertThat(RowLimit.of("SELECT fetch_first, limits FROM t", false)).isEmpty();
    }

    @Test
    void backslashesEscapeInMariaDbStringsOnly() {
        // MariaDB: the string runs to the last quote; PostgreSQL: 'C:\' ends at its quote, and LIMIT follows
        String sql = "SELECT * FROM t WHERE p = 'C:\\' LIMIT 5 '";
        assertThat(RowLimit.of(sql, true)).isEqualTo(Optional.empty());
        assertThat(RowLimit.of(sql, false)).contains("LIMIT");
    }
}
