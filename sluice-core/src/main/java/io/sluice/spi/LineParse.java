package io.sluice.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns text lines into columns: a regular expression with named groups, or a delimiter with column names.
 * {@code types} casts columns (DuckDB type names); a line that does not match, has the wrong number of fields, or
 * has a value that does not cast is a bad record.
 *
 * @param regex     RE2 syntax with {@code (?P<name>...)} groups (null when {@code delimiter} is used)
 * @param delimiter the field separator (null when {@code regex} is used)
 * @param columns   the group names in order, or the names of the delimited fields
 */
public record LineParse(String regex, String delimiter, List<String> columns, Map<String, String> types) {
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?P?<([A-Za-z_][A-Za-z0-9_]*)>");
    private static final Pattern ANY_GROUP = Pattern.compile("(?<!\\\\)\\((?!\\?)");

    public LineParse {
        if ((regex == null) == (delimiter == null)) throw new IllegalArgumentException("give regex or delimiter");
        columns = List.copyOf(columns);
        types = Map.copyOf(types);
        Objects.requireNonNull(columns);
    }

    /**
     * From a regular expression in Java or RE2 style: {@code (?<name>...)} is rewritten to RE2's
     * {@code (?P<name>...)}. Every capturing group must be named (use {@code (?:...)} for the others), so that
     * group numbers and names agree.
     */
    public static LineParse ofRegex(String regex, Map<String, String> types) {
        Matcher m = NAMED_GROUP.matcher(regex);
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) names.add(m.group(1));
        if (names.isEmpty()) throw new IllegalArgumentException("the regex has no named group (?<name>...)");
        String stripped = NAMED_GROUP.matcher(regex).replaceAll("(?:");
        if (ANY_GROUP.matcher(stripped).find()) {
            throw new IllegalArgumentException("every capturing group must be named: write (?:...) for a group that "
                    + "only groups, or (?<name>...) for a column");
        }
        return new LineParse(NAMED_GROUP.matcher(regex).replaceAll("(?P<$1>"), null, names, types);
    }

    public static LineParse ofDelimiter(String delimiter, List<String> columns, Map<String, String> types) {
        if (columns.isEmpty()) throw new IllegalArgumentException("a delimiter needs column names");
        return new LineParse(null, delimiter, columns, types);
    }
}
