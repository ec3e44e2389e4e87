package io.sluice.engine;

import io.sluice.spi.Sql;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keys of JSON lines whose types the user declared ({@code source.files.types}). DuckDB's JSON reader, given a type,
 * rounds ({@code 1.5} as a BIGINT is 2), turns {@code true} into 1 and reads a value it refuses ({@code "n/a"}, an
 * object) as NULL, silently. A declared key is read as text instead (a JSON string's text, a number, {@code true}, an
 * object's JSON) and cast as a csv value is: a JSON string holding a number ({@code "7"}) is that number, and a value
 * the type refuses or would round or cut ({@link ExactCasts}) is a bad record of its line. A declared {@code json} is
 * given to the reader as it is; a {@code struct}, {@code map}, {@code union} or list type is refused when the pipeline is
 * loaded (FilesSourceFactory): read so, DuckDB rounds or drops its values silently.
 *
 * <p>A declared key is every read's column, typed, whether or not the read's records hold it: NULL where they do not.
 *
 * @param types the declared types by key (a column the records name alike but for its case is the key's)
 */
record DeclaredJson(Map<String, String> types) {
    static final DeclaredJson NONE = new DeclaredJson(Map.of());

    DeclaredJson {
        types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    /** The key {@code column} is declared as (names compared regardless of case, as csv columns are), or null. */
    String keyOf(String column) {
        for (String key : types.keySet()) if (key.equalsIgnoreCase(column)) return key;
        return null;
    }

    /** The type the reader gives the key: text, to cast, for every type that is not JSON nor holds other values. */
    String readType(String key) {
        return cast(key) ? "VARCHAR" : types.get(key);
    }

    /**
     * Whether the key is read as text and cast ({@link #readType}): every type but {@code json}, the nested ones being
     * refused when the pipeline is loaded (the reader rounds their numbers and reads a value they refuse as NULL).
     */
    boolean cast(String key) {
        return !types.get(key).strip().equalsIgnoreCase("json");
    }

    /** The cast of {@code column}'s text to its key's type; NULL when refused. */
    String castOf(String column, String key) {
        return "TRY_CAST(" + Sql.identifier(column) + " AS " + types.get(key) + ")";
    }

    /** Whether the text of {@code column} is a value its key's type refuses or would change; never NULL. */
    String bad(String column, String key) {
        String c = Sql.identifier(column);
        String changes = ExactCasts.changes(c, types.get(key));
        return "coalesce(" + c + " IS NOT NULL AND (" + castOf(column, key) + " IS NULL"
                + (changes == null ? "" : " OR " + changes) + "), false)";
    }

    /** Why a record's value of {@code column} is bad: its type refuses it, or would round or cut it. */
    String reason(String column, String key) {
        String c = Sql.identifier(column);
        String type = types.get(key);
        String lower = type.toLowerCase(Locale.ROOT);
        String value = Sql.literal("the value '") + " || " + c + " || " + Sql.literal("' of key '" + column + "' ");
        String refused = value + " || "
                + Sql.literal("does not convert to " + lower + " (source.files.types). Declare "
                        + "a type that holds it (varchar, json), or fix the file");
        String changed = value + " || "
                + Sql.literal("is not " + (lower.matches("[aeio].*") ? "an " : "a ") + lower
                        + " as written: its cast would round or cut it (source.files.types). Declare a type that "
                        + "holds it ("
                        + (lower.matches("(date|time).*")
                                ? "timestamp for a time of day, timestamp_ns for nanoseconds, timestamptz for a zone "
                                        + "offset, varchar"
                                : "double, a decimal with more digits after the point, varchar")
                        + "), or fix the file");
        return "CASE WHEN " + castOf(column, key) + " IS NULL THEN " + refused + " ELSE " + changed + " END";
    }

    /**
     * The records of {@code records} (whose declared columns, {@code columns} by declared key, are text) with those
     * columns cast: where {@code inRead}, a bad value raises the error of a read to do again ({@link
     * DetectedCsv#raised}); else the records holding one are left out (the exact complement of {@link #reasons}).
     */
    String typed(String records, Map<String, String> columns, boolean inRead) {
        List<String> casts = new java.util.ArrayList<>();
        List<String> good = new java.util.ArrayList<>();
        List<String> checked = new java.util.ArrayList<>();
        columns.forEach((key, column) -> {
            if (!cast(key)) return;
            String c = Sql.identifier(column);
            casts.add((inRead
                            ? "CASE WHEN " + bad(column, key) + " THEN " + DetectedCsv.recheck() + " ELSE "
                                    + castOf(column, key) + " END"
                            : castOf(column, key))
                    + " AS " + c);
            good.add("NOT " + bad(column, key));
            checked.add(c);
        });
        if (casts.isEmpty()) return records;
        String cast = "SELECT * REPLACE (" + String.join(", ", casts) + ") FROM (" + records + ")";
        // every record's declared values are checked, read by a step or not (DuckDB computes the columns a query uses
        // only): a filter that is never false over the casts, not pushed under the select whose casts may raise
        return inRead
                ? "SELECT * FROM (" + cast + ") WHERE hash(" + String.join(", ", checked) + ") IS NOT NULL"
                : cast + " WHERE " + String.join(" AND ", good);
    }

    /** Each record of {@code records}, numbered, and why its declared values are bad ("": none are). */
    String reasons(String records, Map<String, String> columns) {
        List<String> reasons = new java.util.ArrayList<>();
        columns.forEach((key, column) -> {
            if (cast(key)) reasons.add("CASE WHEN " + bad(column, key) + " THEN " + reason(column, key) + " END");
        });
        return "SELECT row_number() OVER () AS record, concat_ws('; ', " + String.join(", ", reasons)
                + ") AS reason FROM (" + records + ")";
    }
}
