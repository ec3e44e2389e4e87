import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** Counts the rows of a Parquet folder (B5's output), with the engine's own DuckDB. */
public final class Count {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             ResultSet r = c.createStatement().executeQuery(
                     "SELECT count(*) FROM read_parquet('" + args[0].replace("'", "''") + "/*/*.parquet')")) {
            r.next();
            System.out.println(r.getLong(1));
        }
    }
}
