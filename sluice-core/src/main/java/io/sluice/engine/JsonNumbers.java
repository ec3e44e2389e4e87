package io.sluice.engine;

import io.sluice.spi.Sql;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows as JSON lines hold them. DuckDB's JSON writer writes a NaN or an infinite double as {@code NaN} and
 * {@code Infinity}, which JSON has not: the line was refused by every strict reader (jq, JavaScript, Jackson, BigQuery).
 * And it writes a FLOAT widened to a double: {@code 3.14} came out as {@code 3.140000104904175}. Such numbers, at any
 * depth of lists, structs and maps, are written as the strings {@code "NaN"}, {@code "Infinity"} and {@code
 * "-Infinity"} (as Protocol Buffers' JSON mapping and Jackson write them), and a FLOAT with the digits it has.
 */
final class JsonNumbers {
    private JsonNumbers() {}

    /**
     * The JSON of {@code value}, of DuckDB type {@code type}, with its numbers as JSON holds them; null when it need
     * not change. {@code depth} names the lambda variables of nested lists apart.
     */
    static String json(String value, String type, int depth) {
        String t = type.strip();
        if (t.equals("FLOAT")) return number(value, value + "::VARCHAR::JSON");
        if (t.equals("DOUBLE")) return number(value, "to_json(" + value + ")");
        if (t.endsWith("]")) {
            String e = "e" + depth;
            String element = json(e, t.substring(0, t.lastIndexOf('[')), depth + 1);
            return element == null ? null : "list_transform(" + value + ", lambda " + e + ": " + element + ")";
        }
        if (t.startsWith("STRUCT(") && t.endsWith(")")) return struct(value, inside(t, "STRUCT("), depth);
        if (t.startsWith("MAP(") && t.endsWith(")")) {
            List<String> kv = topLevel(inside(t, "MAP("));
            String e = "e" + depth;
            String v = kv.size() == 2 ? json(e + ".value", kv.get(1), depth + 1) : null;
            return v == null
                    ? null
                    : "map_from_entries(list_transform(map_entries(" + value + "), lambda " + e + ": {'key': " + e
                            + ".key, 'value': " + v + "}))";
        }
        return null; // no number JSON lacks (a UNION of doubles is left as DuckDB writes it)
    }

    /** A FLOAT or DOUBLE: its {@code digits}, or the name of a value JSON has no number for, as a string. */
    private static String number(String value, String digits) {
        return "CASE WHEN isnan(" + value + ") THEN '\"NaN\"'::JSON WHEN isinf(" + value + ") AND " + value
                + " > 0 THEN '\"Infinity\"'::JSON WHEN isinf(" + value + ") THEN '\"-Infinity\"'::JSON ELSE " + digits
                + " END";
    }

    /** A struct of the {@code fields} (DuckDB's {@code name TYPE, ...}), rebuilt when one of them changes. */
    private static String struct(String value, String fields, int depth) {
        List<String> packed = new ArrayList<>();
        boolean changed = false;
        for (String field : topLevel(fields)) {
            int end = nameEnd(field);
            if (end < 1) return null; // not a type this reads: left as DuckDB writes it
            String written = field.substring(0, end);
            String name = written.startsWith("\"")
                    ? written.substring(1, written.length() - 1).replace("\"\"", "\"")
                    : written;
            String member = "struct_extract(" + value + ", " + Sql.literal(name) + ")";
            String json = json(member, field.substring(end), depth);
            changed |= json != null;
            packed.add(Sql.identifier(name) + " := " + (json == null ? member : json));
        }
        if (!changed) return null;
        // struct_pack of a NULL struct's members would be a struct of NULLs
        return "CASE WHEN " + value + " IS NULL THEN NULL ELSE struct_pack(" + String.join(", ", packed) + ") END";
    }

    /** Where a struct field's name ends: after its closing quote, or at the first space. */
    private static int nameEnd(String field) {
        if (!field.startsWith("\"")) return field.indexOf(' ');
        int i = 1;
        while (true) {
            int q = field.indexOf('"', i);
            if (q < 0) return -1;
            if (q + 1 < field.length() && field.charAt(q + 1) == '"') {
                i = q + 2; // a doubled quote inside the name
            } else {
                return q + 1;
            }
        }
    }

    private static String inside(String type, String opening) {
        return type.substring(opening.length(), type.length() - 1);
    }

    /** The parts of {@code list} between its top-level commas (not inside parentheses, brackets or quotes). */
    static List<String> topLevel(String list) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        char quote = 0;
        for (int i = 0; i < list.length(); i++) {
            char ch = list.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0; // a doubled quote closes and opens again: the same
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '(' || ch == '[') {
                depth++;
            } else if (ch == ')' || ch == ']') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                parts.add(list.substring(start, i).strip());
                start = i + 1;
            }
        }
        parts.add(list.substring(start).strip());
        return parts;
    }
}
