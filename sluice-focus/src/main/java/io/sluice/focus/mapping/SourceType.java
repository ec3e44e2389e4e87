package io.sluice.focus.mapping;

import io.sluice.spi.Sql;

/**
 * How a source column is read before the mapping's expressions see it. Readers guess types (a CSV cost becomes
 * DOUBLE, an account id BIGINT, a date-time with or without zone), so every column is converted explicitly:
 * decimals go through their text form, which is exact for the values billing exports write (a double prints as
 * the shortest text that reads back to it), and date-times without a zone are taken as UTC.
 */
public enum SourceType {
    /** Text as written. */
    STRING,
    /** An exact DECIMAL(38,12). */
    DECIMAL,
    /** A UTC instant (TIMESTAMPTZ). Values without a zone are UTC. */
    TIMESTAMP,
    /**
     * A calendar day (DATE): ISO text (2023-09-01, with or without a time) or US text (9/1/2023, 09/01/2023 12:00:00
     * AM); an instant is its UTC day.
     */
    DATE,
    /** JSON, from nested records and lists (whatever types a reader inferred) or from JSON text. */
    JSON,
    /** Left as the reader produced it: nested structs, lists, maps. */
    ANY;

    private static final String ZONED = "'^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}.*([Zz]|UTC|[+-]\\d{2}(:?\\d{2})?)$'";

    /** How a value that is not a decimal number fails its split: {@code FocusStep#raised} knows it by these words. */
    public static final String NOT_A_NUMBER = "which is not a decimal number of at most 26 digits before the point";

    /** How a date that is neither ISO nor US month/day/year fails its split (see {@link #NOT_A_NUMBER}). */
    public static final String NOT_A_DATE = "which is not a date as year-month-day or month/day/year";

    /**
     * The SQL that converts the export's column {@code name} ({@code c}: its reference) to this type. A decimal or a
     * date that does not convert fails, naming the column and the value (DuckDB's cast error names neither, and a
     * date read with try_strptime would be null: a row counted in no period, silently), and where the row was read.
     *
     * @param origin the text of where the row was read (an SQL expression), or null when not known
     */
    public String convert(String c, String name, String origin) {
        String why = switch (this) {
            case DECIMAL -> NOT_A_NUMBER;
            case DATE -> NOT_A_DATE;
            default -> null;
        };
        if (why == null) return convert(c);
        String text = "NULLIF(trim(CAST(" + c + " AS VARCHAR)), '')";
        String converted = this == DECIMAL ? "TRY_CAST(" + text + " AS DECIMAL(38,12))" : convert(c);
        return "COALESCE(" + converted + ", CASE WHEN " + text + " IS NOT NULL THEN error("
                + (origin == null ? "'focus: '" : "'focus: ' || " + origin + " || ': '") + " || "
                + Sql.literal("the export's column \"" + name + "\" holds \"") + " || " + text
                + " || "
                + Sql.literal("\", " + why + "; fix the export, or read the "
                        + "column in a mapping file of your own (see `sluice focus mapping`)")
                + ") END)";
    }

    /** The SQL that converts the column {@code c} (an identifier) to this type. */
    public String convert(String c) {
        return switch (this) {
            case STRING -> "CAST(" + c + " AS VARCHAR)";
            // trimmed: a cell of only spaces is an empty one, as convert(c, name) reads it
            case DECIMAL -> "CAST(NULLIF(trim(CAST(" + c + " AS VARCHAR)), '') AS DECIMAL(38,12))";
            // typeof() picks the branch per input type; every branch must still bind for every type
            case TIMESTAMP ->
                "CASE typeof(" + c + ")"
                        + " WHEN 'TIMESTAMP WITH TIME ZONE' THEN CAST(" + c + " AS TIMESTAMPTZ)"
                        + " WHEN '\"NULL\"' THEN CAST(NULL AS TIMESTAMPTZ)"
                        + " WHEN 'VARCHAR' THEN CASE WHEN CAST(" + c + " AS VARCHAR) LIKE '%Z' OR regexp_matches(CAST("
                        + c + " AS VARCHAR), " + ZONED + ")"
                        + " THEN CAST(CAST(" + c + " AS VARCHAR) AS TIMESTAMPTZ)"
                        + " ELSE timezone('UTC', CAST(NULLIF(trim(CAST(" + c + " AS VARCHAR)), '') AS TIMESTAMP)) END"
                        + " ELSE timezone('UTC', CAST(" + c + " AS TIMESTAMP)) END";
            case DATE ->
                "CASE typeof(" + c + ")"
                        + " WHEN 'DATE' THEN CAST(" + c + " AS DATE)"
                        // the UTC day: the engine's session is UTC (DuckConnections), but a cast alone takes the
                        // session's day, so the explicit zone keeps this right in any session
                        + " WHEN 'TIMESTAMP WITH TIME ZONE' THEN CAST(timezone('UTC', CAST(" + c
                        + " AS TIMESTAMPTZ)) AS DATE)"
                        + " WHEN '\"NULL\"' THEN CAST(NULL AS DATE)"
                        + " WHEN 'VARCHAR' THEN " + date("trim(CAST(" + c + " AS VARCHAR))")
                        + " ELSE CAST(" + c + " AS DATE) END";
            case JSON -> "CAST(" + c + " AS JSON)";
            case ANY -> c;
        };
    }

    /** Azure writes month/day/year; ISO dates are recognised by their leading year. */
    private static String date(String s) {
        return "CASE WHEN regexp_matches(" + s + ", '^\\d{4}-\\d{2}-\\d{2}') THEN CAST(left(" + s + ", 10) AS DATE)"
                + " ELSE CAST(try_strptime(split_part(" + s + ", ' ', 1), '%m/%d/%Y') AS DATE) END";
    }

    public static SourceType of(String text) {
        return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
}
