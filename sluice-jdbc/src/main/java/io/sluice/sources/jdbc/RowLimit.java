package io.sluice.sources.jdbc;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a query limits its own rows ({@code LIMIT}, {@code OFFSET}, {@code FETCH FIRST|NEXT}) at its top level: not
 * inside parentheses (a subquery), strings, quoted names or comments.
 */
final class RowLimit {
    private RowLimit() {}

    /**
     * The clause at the query's top level ({@code LIMIT}, {@code OFFSET}, {@code FETCH FIRST}); empty when none.
     *
     * @param backslashEscapes a backslash escapes the next character in a string (MariaDB, MySQL), not in PostgreSQL's
     */
    static Optional<String> of(String sql, boolean backslashEscapes) {
        int depth = 0;
        String previous = "";
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = closing(sql, i + 1, c, backslashEscapes && c != '`');
            } else if (c == '-' && sql.startsWith("--", i)) {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '$' && dollarTag(sql, i) != null) { // PostgreSQL's $$...$$ and $tag$...$tag$
                String tag = dollarTag(sql, i);
                int end = sql.indexOf(tag, i + tag.length());
                i = end < 0 ? n : end + tag.length();
            } else if (c == '(') {
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) i++;
                String word = sql.substring(start, i).toUpperCase(Locale.ROOT);
                if (depth == 0) {
                    if (word.equals("LIMIT") || word.equals("OFFSET")) return Optional.of(word);
                    if (previous.equals("FETCH") && (word.equals("FIRST") || word.equals("NEXT"))) {
                        return Optional.of("FETCH " + word);
                    }
                }
                previous = word;
            } else {
                i++;
            }
        }
        return Optional.empty();
    }

    /** The index after the quote that closes one opened before {@code from} (a doubled quote is one character). */
    private static int closing(String sql, int from, char quote, boolean backslashEscapes) {
        int i = from;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\' && backslashEscapes) {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) i += 2;
                else return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /** The dollar-quote tag ({@code $$}, {@code $body$}) starting at {@code i}, or null. */
    private static String dollarTag(String sql, int i) {
        int j = i + 1;
        while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) j++;
        if (j < sql.length() && sql.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(sql.charAt(i + 1)))) {
            return sql.substring(i, j + 1);
        }
        return null;
    }
}
