package io.sluice.steps.aggregate;

import io.sluice.spi.Sql;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One measure, split into what each split keeps (partial columns) and how partials combine. Every function here
 * merges exactly: sums and counts add, min and max combine, avg is sum over count, and count_distinct keeps the set
 * of values, so the merged count is exact.
 */
record Measure(String name, String function, String expression) {
    private static final Pattern CALL =
            Pattern.compile("(?is)\\s*(sum|count|min|max|avg|count_distinct)\\s*\\((.*)\\)\\s*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** How a sum no exact total can hold is refused: {@link AggregateStep#raised} knows it by these words. */
    static final String NOT_EXACT = "which no exact total (DECIMAL(38,0)) holds";

    static Measure parse(String name, String text) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a measure name must be a plain word (letters, digits, _)");
        }
        Matcher m = CALL.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not one of sum(x), count(*), count(x), min(x), max(x), " + "avg(x), count_distinct(x)");
        }
        String function = m.group(1).toLowerCase(Locale.ROOT);
        String expression = m.group(2).strip();
        if (!balanced(expression)) {
            // e.g. `max(x) - min(x)`: read as max of "x) - min(x", it would merge per-split differences, silently wrong
            throw new IllegalArgumentException("'" + text + "' must be one function call: sum(x), count(*), count(x), "
                    + "min(x), max(x), avg(x) or count_distinct(x); declare one measure per function (e.g. hi: max(x), "
                    + "lo: min(x)) and combine them where the totals are read");
        }
        if (expression.isEmpty()) throw new IllegalArgumentException("'" + text + "' needs an expression");
        Matcher distinct = Pattern.compile("(?is)distinct\\s+(.+)").matcher(expression);
        if (function.equals("count") && distinct.matches()) {
            function = "count_distinct";
            expression = distinct.group(1).strip();
        }
        if (expression.equals("*") && !function.equals("count")) {
            throw new IllegalArgumentException("only count takes *");
        }
        return new Measure(name, function, expression);
    }

    /** Parentheses open and close in order (outside quotes): the expression is the whole argument of one call. */
    private static boolean balanced(String expression) {
        int depth = 0;
        char quote = 0;
        for (char c : expression.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0) {
                return false;
            }
        }
        return depth == 0 && quote == 0;
    }

    /**
     * The partial columns one split keeps, as select items over the input. Sums of integers are HUGEINT in DuckDB,
     * which Parquet can only hold as DOUBLE: adding a DECIMAL(38,0) zero makes them exact decimals instead (decimal
     * sums keep their scale, double sums stay double). A sum of BIGNUM (integers past 128 bits, as DuckDB reads a
     * csv column holding one) would become a DOUBLE that way: it fails instead, no exact total can hold it. (The
     * engine writes other integers Parquet cannot hold, a HUGEINT maximum say, as decimals: ExactIntegers.)
     */
    List<String> partialColumns() {
        return switch (function) {
            case "sum" -> List.of(exactSum() + " AS " + col("sum"));
            case "count" -> List.of("count(" + expression + ") AS " + col("count"));
            case "min" -> List.of("min(" + expression + ") AS " + col("min"));
            case "max" -> List.of("max(" + expression + ") AS " + col("max"));
            case "avg" -> List.of(exactSum() + " AS " + col("sum"), "count(" + expression + ") AS " + col("count"));
            default ->
                List.of("list(DISTINCT " + expression + ") FILTER (WHERE (" + expression + ") IS NOT NULL) AS "
                        + col("set"));
        };
    }

    /**
     * The partial columns of many splits folded into one partial, with the same names and types: sums and counts
     * add, min and max combine, distinct values unite.
     */
    List<String> foldedColumns() {
        return switch (function) {
            case "sum" -> List.of(foldedSum());
            case "count" -> List.of(foldedCount());
            case "min" -> List.of("min(" + col("min") + ") AS " + col("min"));
            case "max" -> List.of("max(" + col("max") + ") AS " + col("max"));
            case "avg" -> List.of(foldedSum(), foldedCount());
            default -> List.of("list_distinct(flatten(list(" + col("set") + "))) AS " + col("set"));
        };
    }

    private String foldedSum() {
        return "sum(" + col("sum") + ") AS " + col("sum");
    }

    private String foldedCount() {
        return "sum(" + col("count") + ")::BIGINT AS " + col("count");
    }

    /** The merged value over the partial columns of many splits. */
    String merged() {
        String out = " AS " + Sql.identifier(name);
        return switch (function) {
            case "sum" -> "sum(" + col("sum") + ")" + out;
            case "count" -> "sum(" + col("count") + ")::BIGINT" + out;
            case "min" -> "min(" + col("min") + ")" + out;
            case "max" -> "max(" + col("max") + ")" + out;
            case "avg" -> "sum(" + col("sum") + ") / nullif(sum(" + col("count") + "), 0)" + out;
            default -> "len(list_distinct(flatten(list(" + col("set") + "))))::BIGINT" + out;
        };
    }

    private String exactSum() {
        String sum = "sum(" + expression + ")";
        return "(CASE WHEN typeof(" + sum + ") = 'BIGNUM' THEN error("
                + Sql.literal("measure " + name + ": " + sum + " adds integers of more than 38 digits, " + NOT_EXACT
                        + "; sum them as doubles, knowingly rounded (sum((" + expression + ")::DOUBLE)), or fix the "
                        + "input")
                + ") ELSE " + sum + " + 0::DECIMAL(38,0) END)";
    }

    private String col(String part) {
        return Sql.identifier("_p_" + name + "_" + part);
    }
}
