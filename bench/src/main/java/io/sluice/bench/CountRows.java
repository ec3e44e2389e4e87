package io.sluice.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Prints the number of rows in the files matching GLOB, to check a benchmark's output against its input; with KEY,
 * also the number of distinct values of that column ("ROWS DISTINCT"), to check that no row is there twice.
 * CSV is read as all-varchar so files whose columns were typed differently still count together.
 *
 * <p>Usage: {@code CountRows csv|parquet GLOB [KEY]}
 */
public final class CountRows {
    public static void main(String[] args) throws Exception {
        String glob = "'" + args[1].replace("'", "''") + "'";
        String from = switch (args[0]) {
            case "csv" -> "read_csv(" + glob + ", all_varchar = true)";
            case "parquet" -> "read_parquet(" + glob + ")";
            default -> throw new IllegalArgumentException("format must be csv or parquet: " + args[0]);
        };
        String count = args.length > 2 ? "count(*) || ' ' || count(DISTINCT \"" + args[2].replace("\"", "\"\"") + "\")" : "count(*)";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + count + " FROM " + from)) {
            rs.next();
            System.out.println(rs.getString(1));
        }
    }
}
