package io.sluice.sources.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds where to cut a line-format file into ranges of about {@code target} bytes: right after a newline that is
 * not inside a quoted CSV field. Quote parity is tracked from the start of the file (RFC 4180: a doubled quote
 * toggles twice), so quoted newlines never become cut points.
 */
final class LineCutter {
    private LineCutter() {}

    /**
     * @return range boundaries {@code [from, c1, c2, ..., to]}; just {@code [from, to]} when the range should stay
     *     whole (small, or quotes unbalanced so cut points cannot be trusted)
     */
    static List<Long> cuts(Path file, long from, long to, long target, boolean quotes) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            return cuts(ch, from, to, target, quotes);
        }
    }

    /** Like {@link #cuts(Path, long, long, long, boolean)}, on a file already open (its position is moved). */
    static List<Long> cuts(java.nio.channels.FileChannel ch, long from, long to, long target, boolean quotes)
            throws IOException {
        if (to - from <= target) return List.of(from, to);
        ch.position(from);
        // not closed: the caller owns the channel
        return cuts(java.nio.channels.Channels.newInputStream(ch), from, to, target, quotes);
    }

    /**
     * Like {@link #cuts(Path, long, long, long, boolean)}, on the bytes from {@code from} on (an object read by one
     * GET, say); reads at most {@code to - from} bytes of {@code in}.
     */
    static List<Long> cuts(InputStream in, long from, long to, long target, boolean quotes) throws IOException {
        List<Long> cuts = new ArrayList<>();
        cuts.add(from);
        if (to - from <= target) {
            cuts.add(to);
            return cuts;
        }
        boolean inQuotes = false;
        long next = from + target;
        long pos = from;
        byte[] buf = new byte[1 << 20];
        int n;
        while (pos < to && (n = in.read(buf, 0, (int) Math.min(buf.length, to - pos))) > 0) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (quotes && b == '"') {
                    inQuotes = !inQuotes;
                } else if (b == '\n' && !inQuotes && pos + i + 1 >= next && pos + i + 1 < to) {
                    cuts.add(pos + i + 1);
                    next = pos + i + 1 + target;
                }
            }
            pos += n;
        }
        if (inQuotes) return List.of(from, to);
        cuts.add(to);
        return cuts;
    }

    /** The first line (the CSV header), newline included; quoted newlines inside it are respected. */
    static byte[] headerLine(Path file) throws IOException {
        return headerLine(file, false);
    }

    static byte[] headerLine(Path file, boolean gz) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            return headerLine(raw, gz);
        }
    }

    /** The first line of the stream (gunzipped when {@code gz}); reads no further. */
    static byte[] headerLine(InputStream raw, boolean gz) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(gz ? new java.util.zip.GZIPInputStream(raw) : raw)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            boolean inQuotes = false;
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (b == '"') inQuotes = !inQuotes;
                if (b == '\n' && !inQuotes) break;
            }
            return out.toByteArray();
        }
    }
}
