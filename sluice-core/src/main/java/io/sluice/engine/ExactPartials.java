package io.sluice.engine;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A split's partial rows as Parquet holds them exactly. DuckDB writes a HUGEINT (an integer sum, or a CSV column
 * of integers past 64 bits) to Parquet as a DOUBLE and a BIGNUM (integers past 128 bits) as text: a partial's
 * maximum or distinct values would come back rounded, or compare as text. Such columns are written as
 * {@code DECIMAL(38,0)} instead, and a value of more than 38 digits fails the split, saying so: rounding it would
 * make the totals silently wrong.
 */
final class ExactPartials {
    private static final String EXACT = "DECIMAL(38,0)";
    private static final String RAISED = "(a partial column of the aggregate) holds ";

    private ExactPartials() {}

    /** A query of the rows of {@code table}, its integers that Parquet would not hold exactly made decimals. */
    static String of(Statement s, String table) throws SQLException {
        List<String> replaced = new ArrayList<>();
        try (ResultSet r = s.executeQuery("DESCRIBE " + table)) {
            while (r.next()) {
                String column = r.getString("column_name");
                String conversion = conversion(Sql.identifier(column), column, r.getString("column_type"));
                if (conversion != null) replaced.add(conversion + " AS " + Sql.identifier(column));
            }
        }
        return replaced.isEmpty()
                ? "SELECT * FROM " + table
                : "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM " + table;
    }

    /** The expression that makes {@code value} exact in Parquet, or null when it already is. */
    private static String conversion(String value, String column, String type) {
        return switch (type) {
            case "HUGEINT", "UHUGEINT" -> checked(value, column, value + "::" + EXACT);
            case "BIGNUM", "VARINT" -> checked(value, column, value + "::VARCHAR::" + EXACT);
            case "HUGEINT[]", "UHUGEINT[]" -> value + "::" + EXACT + "[]";
            case "BIGNUM[]", "VARINT[]" -> value + "::VARCHAR[]::" + EXACT + "[]";
            default -> null;
        };
    }

    /** {@code exact}, or an error naming the column and the value when the value has more than 38 digits. */
    private static String checked(String value, String column, String exact) {
        return "CASE WHEN " + value + " IS NULL OR length(ltrim(" + value + "::VARCHAR, '-')) <= 38 THEN " + exact
                + " ELSE error(" + Sql.literal(column + " " + RAISED) + " || " + value + "::VARCHAR || "
                + Sql.literal(", an integer of more than 38 digits, which no exact total (DECIMAL(38,0)) holds; "
                        + "measure it as a double instead (sum(x::DOUBLE), max(x::DOUBLE)), or fix the input")
                + ") END";
    }

    /** Whether an engine error is this check failing: it fails the same way at every attempt. */
    static boolean raised(String message) {
        return message != null && message.contains(RAISED);
    }
}
