package io.sluice.sinks.iceberg;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg type of each column type DuckDB writes to Parquet (docs/sinks/iceberg.md, "Type mapping"). A type with
 * no faithful Iceberg counterpart is refused with the cast to write in a {@code sql} step.
 */
final class IcebergTypes {
    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

    private IcebergTypes() {}

    /**
     * The Iceberg type of a DuckDB column type ({@code DESCRIBE}'s {@code column_type}).
     *
     * @throws IllegalArgumentException naming the column, its type and what to cast it to
     */
    static Type of(String column, String duckType) {
        String t = duckType.toUpperCase(Locale.ROOT).trim();
        Matcher decimal = DECIMAL.matcher(t);
        if (decimal.matches()) {
            return Types.DecimalType.of(Integer.parseInt(decimal.group(1)), Integer.parseInt(decimal.group(2)));
        }
        return switch (t) {
            case "BOOLEAN" -> Types.BooleanType.get();
            case "TINYINT", "SMALLINT", "INTEGER" -> Types.IntegerType.get();
            case "BIGINT" -> Types.LongType.get();
            case "FLOAT" -> Types.FloatType.get();
            case "DOUBLE" -> Types.DoubleType.get();
            case "VARCHAR" -> Types.StringType.get();
            case "BLOB" -> Types.BinaryType.get();
            case "DATE" -> Types.DateType.get();
            case "TIME" -> Types.TimeType.get();
            case "TIMESTAMP" -> Types.TimestampType.withoutZone();
            case "TIMESTAMP WITH TIME ZONE" -> Types.TimestampType.withZone();
            default -> throw new IllegalArgumentException(refusal(column, t));
        };
    }

    /**
     * The DuckDB type that writes a column of this Iceberg type to Parquet (the inverse of {@link #of}), when there is
     * one: nested, UUID, fixed and nanosecond types have none here.
     */
    static Optional<String> duckType(Type type) {
        return Optional.ofNullable(
                switch (type.typeId()) {
                    case BOOLEAN -> "BOOLEAN";
                    case INTEGER -> "INTEGER";
                    case LONG -> "BIGINT";
                    case FLOAT -> "FLOAT";
                    case DOUBLE -> "DOUBLE";
                    case DECIMAL -> {
                        Types.DecimalType d = (Types.DecimalType) type;
                        yield "DECIMAL(" + d.precision() + "," + d.scale() + ")";
                    }
                    case STRING -> "VARCHAR";
                    case BINARY -> "BLOB";
                    case DATE -> "DATE";
                    case TIME -> "TIME";
                    case TIMESTAMP ->
                        ((Types.TimestampType) type).shouldAdjustToUTC() ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
                    default -> null;
                });
    }

    private static String refusal(String column, String type) {
        String cast = switch (type) {
            case "UTINYINT", "USMALLINT" -> "INTEGER";
            case "UINTEGER" -> "BIGINT";
            case "UBIGINT", "HUGEINT", "UHUGEINT" -> "DECIMAL(38,0)";
            case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> "TIMESTAMP";
            // JSON: Iceberg has no JSON type (readers keep it as a string); "NULL": a column of NULLs only, untyped
            case "UUID", "TIME WITH TIME ZONE", "INTERVAL", "JSON", "\"NULL\"" -> "VARCHAR";
            default -> type.contains("ENUM") ? "VARCHAR" : null;
        };
        String what = "column " + column + " has the type " + type + ", which the iceberg sink cannot write";
        return cast == null
                ? what + " (nested and other types are not supported yet); turn it into a scalar type in a sql step"
                : what + "; cast it in a sql step: " + column + "::" + cast;
    }

    /**
     * Whether a file column of type {@code written} can be read as the table's {@code column} type: the same, or a
     * promotion every Iceberg reader makes (int to long, float to double, a wider decimal of the same scale).
     */
    static boolean fits(Type written, Type column) {
        if (written.equals(column)) return true;
        if (written.typeId() == Type.TypeID.INTEGER) return column.typeId() == Type.TypeID.LONG;
        if (written.typeId() == Type.TypeID.FLOAT) return column.typeId() == Type.TypeID.DOUBLE;
        if (written instanceof Types.DecimalType w && column instanceof Types.DecimalType c) {
            return w.scale() == c.scale() && w.precision() <= c.precision();
        }
        return false;
    }
}
