package io.sluice.sources.jdbc;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The spool's CSV written as bytes, into a buffer of its own: a value goes in as the driver's bytes, a number's
 * digits or a string's characters, without a {@link java.io.Writer}'s encoder between (the most of the spool's CPU
 * a value when each value was a String written through one).
 */
final class CsvBytes implements AutoCloseable {
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private int n;

    CsvBytes(OutputStream out) {
        this.out = out;
    }

    void put(char ascii) throws IOException {
        if (n == buf.length) flush();
        buf[n++] = (byte) ascii;
    }

    void put(byte[] bytes) throws IOException {
        put(bytes, 0, bytes.length);
    }

    private void put(byte[] bytes, int from, int length) throws IOException {
        if (length > buf.length - n) {
            flush();
            if (length > buf.length) {
                out.write(bytes, from, length);
                return;
            }
        }
        System.arraycopy(bytes, from, buf, n, length);
        n += length;
    }

    /** UTF-8 text in double quotes, each quote in it doubled: a quote (0x22) is never a byte of a longer character. */
    void quoted(byte[] utf8) throws IOException {
        put('"');
        int from = 0;
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] != '"') continue;
            put(utf8, from, i + 1 - from);
            from = i; // the quote starts the next part too: written twice
        }
        put(utf8, from, utf8.length - from);
        put('"');
    }

    /** A string's characters in UTF-8: a byte each while they are ASCII (numbers and dates always are). */
    void text(String s) throws IOException {
        int length = s.length();
        if (length > buf.length - n) flush();
        if (length <= buf.length - n) {
            int start = n;
            for (int i = 0; i < length; i++) {
                char ch = s.charAt(i);
                if (ch >= 0x80) {
                    n = start;
                    put(s.getBytes(StandardCharsets.UTF_8));
                    return;
                }
                buf[n++] = (byte) ch;
            }
            return;
        }
        put(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole number's decimal digits, with a minus sign when negative. */
    void number(long v) throws IOException {
        if (buf.length - n < 20) flush();
        long negative = v; // counted down on the negative side, where Long.MIN_VALUE fits too
        if (v < 0) buf[n++] = '-';
        else negative = -v;
        int end = n;
        for (long rest = negative; rest != 0 || end == n; rest /= 10) end++;
        n = end;
        long rest = negative;
        do {
            buf[--end] = (byte) ('0' - rest % 10);
            rest /= 10;
        } while (rest != 0);
    }

    private void flush() throws IOException {
        out.write(buf, 0, n);
        n = 0;
    }

    @Override
    public void close() throws IOException {
        try (out) {
            flush();
        }
    }
}
