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

    /**
     * Orders keys by their UTF-8 bytes, as S3, GCS and Azure list them, without encoding them: by code points, which is
     * the same order. {@link String#compareTo} differs for characters outside the BMP (a surrogate pair, from U+D800)
     * against U+E000..U+FFFF, so a listing resumed after such a key would skip or repeat keys. A lone surrogate sorts by
     * its value.
     */
    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) return Integer.compare(x, y);
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Bytes of a code point in UTF-8 (a lone surrogate counts as the 3 bytes of its replacement). */
    private static int size(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /**
     * The longest prefix all {@code keys} share, never ending inside a character (a store compares a listing's prefix
     * as UTF-8 bytes, so half a surrogate pair would match nothing).
     */
    public static String commonPrefix(java.util.Collection<String> keys) {
        String common = keys.iterator().next();
        for (String k : keys) {
            int n = 0;
            while (n < common.length() && n < k.length() && common.charAt(n) == k.charAt(n)) n++;
            common = common.substring(0, n);
        }
        if (!common.isEmpty() && Character.isHighSurrogate(common.charAt(common.length() - 1))) {
            common = common.substring(0, common.length() - 1);
        }
        return common;
    }
}
