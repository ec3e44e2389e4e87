package io.sluice.focus.validate;

import io.sluice.spi.Sql;
import java.util.Currency;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Compiles checks to DuckDB predicates over a dataset whose columns have the given types: typed columns (Parquet,
 * our own output) are compared as they are; text columns (CSV read as text) are parsed where a number or a
 * date-time is needed.
 * <p>
 * Requirements follow SQL's three-valued logic: a comparison with a null value is not a violation (an allowed
 * values check passes a null; nullability rules say where nulls are wrong). Conditions are null-safe: "ChargeClass
 * is not Correction" holds for a null ChargeClass.
 */
public final class CheckSql {
    /** A product and the cost it should equal may differ by the rounding of either: one millionth, or 1e-9 relative. */
    static final String TOLERANCE = "0.000001";

    private static final String NUMERIC = "-?(\\d+(\\.\\d*)?|\\.\\d+)([eE]-?\\d+)?";
    private static final String DATETIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z";
    /** Units: a count and a unit, compounds with '-' and '/' ("GB-Hours", "Requests/Second", "1000 Tokens"). */
    private static final String UNIT =
            "(\\d+ )?[A-Za-z][A-Za-z0-9.]*( [A-Za-z][A-Za-z0-9.]*)*([-/][A-Za-z][A-Za-z0-9.]*( [A-Za-z][A-Za-z0-9.]*)*)*";

    private final Map<String, String> types;
    private final boolean virtualCurrency;

    /** @param types column name to DuckDB type, for the columns the dataset has */
    public CheckSql(Map<String, String> types, boolean virtualCurrency) {
        this.types = types;
        this.virtualCurrency = virtualCurrency;
    }

    /** A predicate true where the check holds (null where it cannot tell, which passes). */
    public String satisfied(Check c) {
        return compile(c, false);
    }

    /** A predicate true exactly where the condition holds. */
    public String holds(Check c) {
        return compile(c, true);
    }

    /** True where {@code requirement} is violated on a row {@code condition} selects. */
    public String violation(Check condition, Check requirement) {
        String broken = "NOT coalesce(" + satisfied(requirement) + ", true)";
        return condition == null ? broken : "coalesce(" + holds(condition) + ", false) AND " + broken;
    }

    private String compile(Check c, boolean nullSafe) {
        return switch (c) {
            case Check.And a -> join(a.items(), " AND ", nullSafe);
            case Check.Or o -> join(o.items(), " OR ", nullSafe);
            case Check.Not n -> "NOT coalesce(" + compile(n.inner(), true) + ", false)";
            case Check.ModelRule m -> throw new IllegalStateException("unresolved reference to " + m.ruleId());
            case Check.On on -> on(on, nullSafe);
        };
    }

    private String join(java.util.List<Check> items, String op, boolean nullSafe) {
        StringJoiner j = new StringJoiner(op, "(", ")");
        items.forEach(i -> j.add(compile(i, nullSafe)));
        return j.toString();
    }

    private String on(Check.On c, boolean nullSafe) {
        String col = c.columnArgs().isEmpty() ? null : Sql.identifier(c.column());
        return switch (c.function()) {
            case "CheckValue" ->
                c.value() == null
                        ? col + " IS NULL"
                        : compare(c.column(), c.value(), nullSafe ? "IS NOT DISTINCT FROM" : "=");
            case "CheckNotValue" ->
                c.value() == null
                        ? col + " IS NOT NULL"
                        : compare(c.column(), c.value(), nullSafe ? "IS DISTINCT FROM" : "<>");
            case "CheckSameValue" ->
                text(c.column())
                        + (nullSafe ? " IS NOT DISTINCT FROM " : " = ")
                        + text(c.columnArgs().get(1));
            case "CheckNotSameValue" ->
                text(c.column())
                        + (nullSafe ? " IS DISTINCT FROM " : " <> ")
                        + text(c.columnArgs().get(1));
            case "CheckGreaterOrEqualThanValue" -> num(c.column()) + " >= " + c.value();
            case "CheckDecimalValue" -> "(" + col + " IS NULL OR " + num(c.column()) + " IS NOT NULL)";
            case "ColumnByColumnEqualsColumnValue" -> {
                String product = num(c.column()) + " * " + num(c.columnArgs().get(1));
                String result = num(c.columnArgs().get(2));
                yield "abs(" + product + " - " + result + ") <= " + TOLERANCE + " + 0.000000001 * abs(" + result + ")";
            }
            case "TypeString" -> isText(c.column()) || is(c.column(), "JSON") ? "true" : nullOr(col, "false");
            case "TypeDecimal" ->
                isNumber(c.column())
                        ? "true"
                        : isText(c.column())
                                ? nullOr(col, "TRY_CAST(" + col + " AS DOUBLE) IS NOT NULL")
                                : nullOr(col, "false");
            case "TypeDateTime" ->
                isInstant(c.column())
                        ? "true"
                        : isText(c.column())
                                ? nullOr(col, "TRY_CAST(" + col + " AS TIMESTAMPTZ) IS NOT NULL")
                                : nullOr(col, "false");
            case "FormatString" -> nullOr(col, "trim(" + text(c.column()) + ") <> ''");
            case "FormatNumeric" -> isNumber(c.column()) ? "true" : nullOr(col, matches(text(c.column()), NUMERIC));
            case "FormatDateTime" -> isInstant(c.column()) ? "true" : nullOr(col, matches(text(c.column()), DATETIME));
            case "FormatCurrency" ->
                nullOr(
                        col,
                        virtualCurrency
                                ? "trim(" + text(c.column()) + ") <> ''"
                                : matches(text(c.column()), "[A-Z]{3}"));
            case "CheckNationalCurrency" -> nullOr(col, text(c.column()) + " IN (" + currencies() + ")");
            case "FormatUnit" -> nullOr(col, matches(text(c.column()), UNIT));
            case "FormatKeyValue" -> nullOr(col, keyValue(text(c.column())));
            default -> throw new IllegalArgumentException("no row check for " + c.function());
        };
    }

    /** A JSON object with unique keys whose values are numbers, strings, booleans or null. */
    private static String keyValue(String v) {
        return "(json_valid(" + v + ") AND json_type(" + v + ") = 'OBJECT'"
                + " AND len(json_keys(" + v + ")) = len(list_distinct(json_keys(" + v + ")))"
                + " AND NOT coalesce(list_bool_or(list_transform(map_values(TRY_CAST(" + v
                + "::JSON AS MAP(VARCHAR, JSON))),"
                + " lambda x: json_type(x) IN ('OBJECT', 'ARRAY'))), false))";
    }

    private String compare(String column, Object value, String op) {
        if (value instanceof Number n) return num(column) + " " + op + " " + n;
        return text(column) + " " + op + " " + Sql.literal(value.toString());
    }

    private static String nullOr(String col, String test) {
        return "(" + col + " IS NULL OR " + test + ")";
    }

    private static String matches(String value, String regex) {
        return "regexp_full_match(" + value + ", " + Sql.literal(regex) + ")";
    }

    String text(String column) {
        String c = Sql.identifier(column);
        return isText(column) ? c : "CAST(" + c + " AS VARCHAR)";
    }

    String num(String column) {
        String c = Sql.identifier(column);
        return isNumber(column) ? c : "TRY_CAST(" + c + " AS DOUBLE)";
    }

    private boolean isText(String column) {
        return is(column, "VARCHAR");
    }

    private boolean isNumber(String column) {
        String t = type(column);
        return t.startsWith("DECIMAL")
                || Set.of(
                                "DOUBLE",
                                "FLOAT",
                                "BIGINT",
                                "INTEGER",
                                "SMALLINT",
                                "TINYINT",
                                "HUGEINT",
                                "UBIGINT",
                                "UINTEGER",
                                "USMALLINT",
                                "UTINYINT",
                                "UHUGEINT")
                        .contains(t);
    }

    private boolean isInstant(String column) {
        return type(column).startsWith("TIMESTAMP");
    }

    private boolean is(String column, String type) {
        return type(column).equals(type);
    }

    private String type(String column) {
        return types.getOrDefault(column, "VARCHAR").toUpperCase(Locale.ROOT);
    }

    /** ISO 4217 codes, as the JDK knows them. */
    private static String currencies() {
        StringJoiner j = new StringJoiner(", ");
        new TreeSet<>(Currency.getAvailableCurrencies().stream()
                        .map(Currency::getCurrencyCode)
                        .toList())
                .forEach(code -> j.add(Sql.literal(code)));
        return j.toString();
    }
}
