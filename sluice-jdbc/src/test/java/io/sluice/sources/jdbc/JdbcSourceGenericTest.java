package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database without a dialect of its own (SQLite, whose driver is on the class path) is read by the generic one. */
class JdbcSourceGenericTest {
    @TempDir
    Path dir;

    @Test
    void aFullReadInKeyRangesThroughTheGenericDialect() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT, price REAL)");
            s.execute("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500) "
                    + "INSERT INTO orders SELECT n, CASE WHEN n = 1 THEN '' WHEN n = 2 THEN NULL ELSE 'row ' || n END, "
                    + "n / 4.0 FROM g");
        }
        Path yaml = PipelineRun.pipeline(
                dir.resolve("p"),
                "shop: { url: \"" + url + "\" }\n",
                "{ connection: shop, table: orders, partition: { column: id, count: 3 } }");
        assertThat(PipelineRun.run(yaml).summary().splitsDone()).isEqualTo(3);
        Path out = dir.resolve("p/out");
        assertThat(PipelineRun.query(out, "SELECT count(DISTINCT id) FROM rows"))
                .isEqualTo(500L);
        assertThat(PipelineRun.query(out, "SELECT note FROM rows WHERE id = 1")).isEqualTo("");
        assertThat(PipelineRun.query(out, "SELECT note IS NULL FROM rows WHERE id = 2"))
                .isEqualTo(true);
        assertThat(PipelineRun.query(out, "SELECT typeof(price) FROM rows LIMIT 1"))
                .as("a REAL of SQLite is a double")
                .isEqualTo("DOUBLE");
    }
}
