package io.sluice.engine;

import io.sluice.spi.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows as Parquet holds them exactly. DuckDB writes a HUGEINT (an integer sum, or a CSV column of integers past 64
 * bits) to Parquet as a DOUBLE and a BIGNUM (integers past 128 bits) as text: a value written to the output would
 * come back rounded, and an aggregate partial's maximum or distinct values rounded, or compared as text. Such columns
 * are written as {@code DECIMAL(38,0)} instead, and a value of more than 38 digits fails the split, saying so:
 * rounding it would make the output silently wrong.
 */
final class ExactIntegers {
    private static final String EXACT = "DECIMAL(38,0)";
    private static final String RAISED = ", an integer of more than 38 digits, which no exact ";

    private ExactIntegers() {}

    /**
     * A query of the rows of {@code relation} (a table, or a query in parentheses), its integers that Parquet would
     * not hold exactly made decimals; {@code what} says in an error what the columns are.
     */
    static String of(Statement s, String relation, String what) throws SQLException {
        List<String> replaced = new ArrayList<>();
        try (ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + relation)) {
            while (r.next()) {
                String column = r.getString("column_name");
                String conversion =
                        conversion(Sql.identifier(column), column + " (" + what + ")", r.getString("column_type"));
                if (conversion != null) replaced.add(conversion + " AS " + Sql.identifier(column));
            }
        }
        return replaced.isEmpty()
                ? "SELECT * FROM " + relation
                : "SELECT * REPLACE (" + String.join(", ", replaced) + ") FROM " + relation;
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
                + " ELSE error(" + Sql.literal(column + " holds ") + " || " + value + "::VARCHAR || "
                + Sql.literal(RAISED + "number (DECIMAL(38,0)) holds; read it as a double instead "
                        + "(x::DOUBLE in a step, or sum(x::DOUBLE) in a measure), or fix the input")
                + ") END";
    }

    /** Whether an engine error is this check failing: it fails the same way at every attempt. */
    static boolean raised(String message) {
        return message != null && message.contains(RAISED);
    }
}
