package io.sluice.spi;

/**
 * Text cut to a number of bytes in UTF-8, at whole characters: names that a file system (255 bytes), a database (63
 * bytes for a PostgreSQL identifier) or a store limits in bytes, not in characters.
 */
public final class Utf8 {
    private Utf8() {}

    /** The longest start of {@code text} that takes at most {@code bytes} bytes. */
    public static String head(String text, int bytes) {
        int used = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            if (used + size(cp) > bytes) break;
            used += size(cp);
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }

    /** The longest end of {@code text} that takes at most {@code bytes} bytes. */
    public static String tail(String text, int bytes) {
        int used = 0;
        int start = text.length();
        while (start > 0) {
            int cp = text.codePointBefore(start);
            if (used + size(cp) > bytes) break;
            used += size(cp);
            start -= Character.charCount(cp);
        }
        return text.substring(start);
    }

    /** Bytes of a code point in UTF-8 (a lone surrogate counts as the 3 bytes of its replacement). */
    private static int size(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
}
