package io.sluice.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * B3 peer: the sum per consumer and resource computed by DuckDB reading the usage logs directly (same JDBC
 * driver as Sluice), with its native CSV reader: space-delimited, no header, the columns given.
 *
 * <p>Usage: {@code DuckDbB3 IN_DIR OUT_FILE}: writes "consumer resource total" lines (unsorted) to OUT_FILE and
 * prints {@code duckdb groups=N seconds=S}.
 */
public final class DuckDbB3 {
    public static void main(String[] args) throws Exception {
        List<Path> inputs;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            inputs = s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        String files = inputs.stream().map(p -> "'" + p.toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        String sql = "SELECT consumer, resource, sum(amount) AS total FROM read_csv(" + files
                + ", delim=' ', header=false, columns={'ts': 'VARCHAR', 'consumer': 'VARCHAR',"
                + " 'resource': 'VARCHAR', 'amount': 'BIGINT'}) GROUP BY ALL";
        long t0 = System.nanoTime();
        int groups = 0;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement st = c.createStatement();
             PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(args[1])))) {
            st.execute("SET autoinstall_known_extensions=false");
            st.execute("SET autoload_known_extensions=false");
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    w.printf("%s %s %s%n", rs.getString(1), rs.getString(2), rs.getBigDecimal(3).toPlainString());
                    groups++;
                }
            }
        }
        System.out.printf("duckdb groups=%d seconds=%.3f%n", groups, (System.nanoTime() - t0) / 1e9);
    }
}
