package io.sluice.sinks.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A CSV stream with one more column, the same value on every record: so {@code COPY} can fill {@code _sluice_split}
 * while it loads the engine's CSV straight into the table. Records end at a line break outside quotes (a quoted field
 * may hold line breaks; {@code ""} inside quotes toggles twice, so it needs no case of its own). UTF-8 multi-byte
 * characters never contain the bytes looked at.
 */
final class AppendedColumn extends InputStream {
    private final InputStream in;
    /** {@code ,"value"}: quoted, so never read as NULL. */
    private final byte[] field;

    private final byte[] chunk = new byte[1 << 16];
    private byte[] out = new byte[1 << 17];
    private int outPos;
    private int outLen;
    private boolean quoted;
    private boolean afterCr;
    private boolean lineOpen;
    private boolean eof;

    AppendedColumn(InputStream in, String value) {
        this.in = in;
        this.field = (",\"" + value.replace("\"", "\"\"") + "\"").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (outPos == outLen) {
            if (!fill()) return -1;
        }
        int n = Math.min(len, outLen - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        return n;
    }

    /**
     * Reads the next chunk into {@code out} with the field before each record's line break; false at the end. Runs
     * between line breaks are copied whole: the loop only looks at each byte.
     */
    private boolean fill() throws IOException {
        if (eof) return false;
        outPos = 0;
        outLen = 0;
        int n = in.read(chunk);
        if (n < 0) {
            eof = true;
            if (lineOpen) put(field, 0, field.length); // a last record without a line break
            return outLen > 0;
        }
        int from = 0;
        for (int i = 0; i < n; i++) {
            byte c = chunk[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\r' || c == '\n')) {
                // the \n of a \r\n had its field put before the \r (the quote state cannot change in between)
                boolean crlf = c == '\n' && (i > 0 ? chunk[i - 1] == '\r' : afterCr);
                if (!crlf) {
                    put(chunk, from, i - from);
                    put(field, 0, field.length);
                    from = i;
                }
            }
        }
        put(chunk, from, n - from);
        byte last = chunk[n - 1];
        afterCr = !quoted && last == '\r';
        lineOpen = quoted || (last != '\r' && last != '\n');
        return true;
    }

    private void put(byte[] bytes, int from, int n) {
        if (outLen + n > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, outLen + n));
        System.arraycopy(bytes, from, out, outLen, n);
        outLen += n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
