package io.sluice.steps.sql;

/**
 * A {@code sql} step's text as the one query Sluice wraps in its own SQL ({@code SELECT * FROM (query)}). DuckDB's
 * lexical rules are followed far enough to see, outside strings, quoted names and comments, each {@code ;} and each
 * {@code )} that no {@code (} of the query opened: either would end the wrapping early, and what follows it would run as
 * statements of its own (a {@code COPY} writing a file at {@code sluice validate}).
 */
final class OneQuery {
    private OneQuery() {}

    /**
     * @return the query without the {@code ;} that end it, nor the comments after them ({@code ...; -- note})
     * @throws IllegalArgumentException when a statement follows a {@code ;}, or a {@code )} closes the wrapping
     */
    static String of(String sql) {
        int depth = 0;
        int end = -1; // the first ;
        for (int i = 0; i < sql.length(); ) {
            char ch = sql.charAt(i);
            int next = i + 1;
            if (sql.startsWith("--", i)) {
                int line = sql.indexOf('\n', i);
                next = line < 0 ? sql.length() : line + 1;
            } else if (sql.startsWith("/*", i)) {
                next = commentEnd(sql, i);
            } else if (Character.isWhitespace(ch)) {
                // nothing to see
            } else if (end >= 0 && ch != ';') {
                throw new IllegalArgumentException("a step is one query, and a second statement follows the `;` at "
                        + where(sql, end) + ": put it in a step of its own (each step reads the previous one's "
                        + "result as `input`)");
            } else if (ch == '\'') {
                next = quoteEnd(sql, i, '\'', backslashEscapes(sql, i));
            } else if (ch == '"') {
                next = quoteEnd(sql, i, '"', false);
            } else if (ch == '$' && (i == 0 || !namePart(sql.charAt(i - 1)))) {
                next = dollarQuoteEnd(sql, i);
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')' && --depth < 0) {
                throw new IllegalArgumentException("the `)` at " + where(sql, i) + " closes a parenthesis it does not "
                        + "open: a step is one query, which Sluice reads inside parentheses of its own");
            } else if (ch == ';' && end < 0) {
                end = i;
            }
            i = next;
        }
        return end < 0 ? sql : sql.substring(0, end).strip();
    }

    /** An E'...' string, where a backslash escapes the next character. */
    private static boolean backslashEscapes(String sql, int quote) {
        return quote > 0
                && Character.toLowerCase(sql.charAt(quote - 1)) == 'e'
                && (quote == 1 || !namePart(sql.charAt(quote - 2)));
    }

    /** Just past the closing quote ({@code ''} or {@code ""} inside stands for one); the end of the text if none. */
    private static int quoteEnd(String sql, int open, char quote, boolean backslashEscapes) {
        for (int i = open + 1; i < sql.length(); i++) {
            char ch = sql.charAt(i);
            if (backslashEscapes && ch == '\\') i++;
            else if (ch == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) i++;
                else return i + 1;
            }
        }
        return sql.length();
    }

    /** Just past a block comment, which may hold others. */
    private static int commentEnd(String sql, int open) {
        int depth = 0;
        for (int i = open; i < sql.length() - 1; i++) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i++;
            } else if (sql.startsWith("*/", i)) {
                i++;
                if (--depth == 0) return i + 1;
            }
        }
        return sql.length();
    }

    /** Just past a {@code $tag$...$tag$} string; past the {@code $} alone when none starts there ({@code $1}). */
    private static int dollarQuoteEnd(String sql, int open) {
        int i = open + 1;
        while (i < sql.length() && namePart(sql.charAt(i)) && sql.charAt(i) != '$') i++;
        if (i >= sql.length() || sql.charAt(i) != '$' || (i > open + 1 && Character.isDigit(sql.charAt(open + 1))))
            return open + 1;
        String tag = sql.substring(open, i + 1);
        int close = sql.indexOf(tag, i + 1);
        return close < 0 ? sql.length() : close + tag.length();
    }

    private static boolean namePart(char ch) {
        return Character.isLetterOrDigit(ch) || ch == '_' || ch == '$';
    }

    /** "line 2, column 7 of the step's SQL", as DuckDB's syntax errors are placed in it. */
    private static String where(String sql, int at) {
        String before = sql.substring(0, at);
        int line = (int) before.chars().filter(ch -> ch == '\n').count() + 1;
        return "line " + line + ", column " + (at - before.lastIndexOf('\n')) + " of the step's SQL";
    }
}
