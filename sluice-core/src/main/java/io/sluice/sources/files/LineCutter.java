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
    private LineCutter() {
    }

    /**
     * @return range boundaries {@code [0, c1, c2, ..., size]}; just {@code [0, size]} when the file should stay
     *     whole (small, or quotes unbalanced so cut points cannot be trusted)
     */
    static List<Long> cuts(Path file, long size, long target, boolean quotes) throws IOException {
        List<Long> cuts = new ArrayList<>();
        cuts.add(0L);
        if (size <= target) {
            cuts.add(size);
            return cuts;
        }
        boolean inQuotes = false;
        long next = target;
        long pos = 0;
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (quotes && b == '"') {
                        inQuotes = !inQuotes;
                    } else if (b == '\n' && !inQuotes && pos + i + 1 >= next && pos + i + 1 < size) {
                        cuts.add(pos + i + 1);
                        next = pos + i + 1 + target;
                    }
                }
                pos += n;
            }
        }
        if (inQuotes) return List.of(0L, size);
        cuts.add(size);
        return cuts;
    }

    /** The first line (the CSV header), newline included; quoted newlines inside it are respected. */
    static byte[] headerLine(Path file) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
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
