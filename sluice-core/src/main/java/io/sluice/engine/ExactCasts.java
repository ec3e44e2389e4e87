package io.sluice.engine;

import io.sluice.spi.Sql;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which casts of text would change the value instead of refusing it. DuckDB's cast rounds {@code '1.5'} to the BIGINT
 * 2, {@code '0.129'} to the DECIMAL(10,2) 0.13, cuts {@code '...00.123456789'} to a TIMESTAMP's microseconds and a
 * DATE's time of day: a value of a parsed text line must arrive as written, or its line is a bad line saying why.
 * (FLOAT and DOUBLE are left alone: a decimal fraction is read as the nearest binary one, which is what they are.)
 */
final class ExactCasts {
    private static final Set<String> INTEGERS = Set.of(
            "tinyint",
            "int1",
            "smallint",
            "int2",
            "short",
            "integer",
            "int4",
            "int",
            "signed",
            "bigint",
            "int8",
            "long",
            "hugeint",
            "int128",
            "utinyint",
            "uint8",
            "usmallint",
            "uint16",
            "uinteger",
            "uint32",
            "ubigint",
            "uint64",
            "uhugeint",
            "uint128");
    private static final Pattern DECIMAL =
            Pattern.compile("(?:decimal|numeric|dec)\\s*(?:\\(\\s*\\d+\\s*(?:,\\s*(\\d+)\\s*)?\\))?");

    private ExactCasts() {}

    /**
     * A SQL condition, true when the cast of the non-NULL text {@code raw} to {@code type} would change its value;
     * null when the cast of every text that converts is exact.
     */
    static String changes(String raw, String type) {
        String t = type.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (INTEGERS.contains(t)) return fractionBeyond(raw, type, 0);
        Matcher decimal = DECIMAL.matcher(t);
        if (decimal.matches()) {
            // DuckDB's DECIMAL without a scale is DECIMAL(18,3); with a precision only, the scale is 0
            int scale = decimal.group(1) != null ? Integer.parseInt(decimal.group(1)) : t.contains("(") ? 0 : 3;
            return fractionBeyond(raw, type, scale);
        }
        return switch (t) {
            case "timestamptz", "timestamp with time zone", "timetz" -> digitsBeyond(raw, 6);
            case "time" ->
                "(" + digitsBeyond(raw, 6) + " OR TRY_CAST(" + raw + " AS TIMESTAMP) IS NOT NULL OR " + timeZone(raw)
                        + ")";
            case "timestamp", "datetime", "timestamp_us" -> "(" + digitsBeyond(raw, 6) + " OR " + zone(raw) + ")";
            case "timestamp_ms" -> "(" + digitsBeyond(raw, 3) + " OR " + zone(raw) + ")";
            case "timestamp_s" -> "(" + digitsBeyond(raw, 0) + " OR " + zone(raw) + ")";
            case "timestamp_ns" -> "(" + digitsBeyond(raw, 9) + " OR " + zone(raw) + ")";
            case "date" ->
                "TRY_CAST(" + raw + " AS TIMESTAMP) IS DISTINCT FROM TRY_CAST(" + raw + " AS DATE)::TIMESTAMP"
                        + " AND TRY_CAST(" + raw + " AS TIMESTAMP) IS NOT NULL";
            default -> null;
        };
    }

    /** What a type reads text as when the text is a date or time of day with a date: a sniff's format parses it. */
    enum Dated {
        DATE,
        TIMESTAMP;

        /** {@code type}'s, a TIMESTAMP of any unit or zone or a DATETIME included; null: neither. */
        static Dated of(String type) {
            String t = type.strip().toLowerCase(Locale.ROOT);
            if (t.equals("date")) return DATE;
            return t.startsWith("timestamp") || t.equals("datetime") ? TIMESTAMP : null;
        }
    }

    /** Whether the cast of some text to {@code type} would change its value ({@link #changes} says which text). */
    static boolean mayChange(String type) {
        return changes("v", type) != null;
    }

    /**
     * A number with a non-zero digit past {@code scale} decimals (an exponent's value compared as a DOUBLE). Never NULL
     * for a non-NULL {@code raw}: the hex integer {@code 0x1e} (an {@code e}, 30 as a BIGINT) is no DOUBLE, and is not
     * changed.
     */
    private static String fractionBeyond(String raw, String type, int scale) {
        return "CASE WHEN contains(" + raw + ", 'e') OR contains(" + raw + ", 'E') THEN coalesce(TRY_CAST(" + raw
                + " AS DOUBLE) <> TRY_CAST(" + raw + " AS " + type + ")::DOUBLE, false) ELSE "
                + digitsBeyond(raw, scale) + " END";
    }

    /**
     * A time of day followed by a zone that is not UTC ({@code 10:00:00+05:30}, {@code 10:00-02}, {@code 10:00 CET}): a
     * TIMESTAMP without a zone drops it and keeps 10:00, another instant; {@code Z}, {@code +00} and {@code UTC} are
     * kept as written. The instants are compared, both with their zone written, so the session's zone plays no part.
     */
    private static String zone(String raw) {
        String atUtc = "TRY_CAST(strftime(TRY_CAST(" + raw + " AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f') || '+00' AS "
                + "TIMESTAMPTZ)";
        // a text with a zone that TIMESTAMPTZ refuses (10:00:00 +05:30) still loses it in a TIMESTAMP
        return "(" + zoneWritten(raw, 11) + " AND coalesce(TRY_CAST(" + raw + " AS TIMESTAMPTZ) IS DISTINCT FROM "
                + atUtc + ", true))";
    }

    /** {@link #zone} for a time of day alone, which no TIMESTAMPTZ reads: a zone written that is not UTC's. */
    private static String timeZone(String raw) {
        return "(" + zoneWritten(raw, 1) + " AND NOT regexp_matches(rtrim(" + raw + "), "
                + Sql.literal("(?i)(Z|UTC|GMT|[+-]00(:?00)?)$") + "))";
    }

    /**
     * Some text after a time of day's seconds or minutes: an offset or a zone's name (trailing blanks aside).
     *
     * @param from where a {@code -} may start an offset: past a date's (11), or anywhere in a time of day (1)
     */
    private static String zoneWritten(String raw, int from) {
        // the regular expression only where a sign follows the date or the text ends in a letter: most texts do not
        return "((contains(" + raw + ", '+') OR contains(substr(" + raw + ", " + from + "), '-') OR NOT (right(rtrim("
                + raw + "), 1) BETWEEN '0' AND '9')) AND regexp_matches(" + raw + ", "
                + Sql.literal(":[0-9]{2}(\\.[0-9]*)?\\s*[A-Za-z+-]") + "))";
    }

    /** Text with a non-zero digit more than {@code digits} places after its point (seconds' fractions, decimals). */
    private static String digitsBeyond(String raw, int digits) {
        // the regular expression only where there is a point: most values of most columns have none
        return "(contains(" + raw + ", '.') AND regexp_matches(" + raw + ", "
                + Sql.literal("\\.[0-9]{" + digits + "}[0-9]*[1-9]") + "))";
    }
}
