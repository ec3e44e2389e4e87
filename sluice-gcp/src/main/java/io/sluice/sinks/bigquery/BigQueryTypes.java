package io.sluice.sinks.bigquery;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.StandardSQLTypeName;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The BigQuery column type of each engine (DuckDB) type the sink writes (docs/sinks/bigquery.md, "The table Sluice
 * creates"). A type with no faithful BigQuery counterpart is refused with the cast to write in a step.
 */
final class BigQueryTypes {
    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

    private BigQueryTypes() {}

    /**
     * The nullable BigQuery field for a column of the engine's type.
     *
     * @throws IllegalArgumentException naming the column, its type and what to cast it to
     */
    static Field field(String column, String engineType) {
        String t = engineType.toUpperCase(Locale.ROOT).trim();
        Matcher decimal = DECIMAL.matcher(t);
        if (decimal.matches()) {
            long p = Long.parseLong(decimal.group(1));
            long s = Long.parseLong(decimal.group(2));
            // NUMERIC holds up to 29 integer and 9 fraction digits; BIGNUMERIC up to 38 of each
            StandardSQLTypeName type =
                    s <= 9 && p - s <= 29 ? StandardSQLTypeName.NUMERIC : StandardSQLTypeName.BIGNUMERIC;
            return Field.newBuilder(column, type)
                    .setMode(Field.Mode.NULLABLE)
                    .setPrecision(p)
                    .setScale(s)
                    .build();
        }
        StandardSQLTypeName type = switch (t) {
            case "BOOLEAN" -> StandardSQLTypeName.BOOL;
            case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER" ->
                StandardSQLTypeName.INT64;
            case "FLOAT", "DOUBLE" -> StandardSQLTypeName.FLOAT64;
            case "VARCHAR" -> StandardSQLTypeName.STRING;
            case "BLOB" -> StandardSQLTypeName.BYTES;
            case "DATE" -> StandardSQLTypeName.DATE;
            case "TIME" -> StandardSQLTypeName.TIME;
            case "TIMESTAMP" -> StandardSQLTypeName.DATETIME;
            case "TIMESTAMP WITH TIME ZONE" -> StandardSQLTypeName.TIMESTAMP;
            default -> throw new IllegalArgumentException(refusal(column, t));
        };
        return Field.newBuilder(column, type).setMode(Field.Mode.NULLABLE).build();
    }

    private static String refusal(String column, String type) {
        String cast = switch (type) {
            case "UBIGINT", "HUGEINT", "UHUGEINT" -> "DECIMAL(38,0)";
            case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> "TIMESTAMP";
            case "UUID", "TIME WITH TIME ZONE", "INTERVAL", "JSON" -> "VARCHAR";
            default -> type.contains("ENUM") ? "VARCHAR" : null;
        };
        String what = "column " + column + " has the type " + type + ", which the bigquery sink cannot write";
        return cast == null
                ? what + " (nested and other types are not supported yet); turn it into a scalar type in a sql step "
                        + "(to_json(" + column + ")::VARCHAR keeps it as JSON text)"
                : what + "; cast it in a sql step: " + column + "::" + cast;
    }

    /** The type to CAST a staged value to before it goes into a column of {@code field}'s type. */
    static String castType(Field field) {
        return field.getType().getStandardType().name();
    }
}
