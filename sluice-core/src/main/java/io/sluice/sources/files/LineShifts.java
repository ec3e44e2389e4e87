package io.sluice.sources.files;

import io.sluice.spi.source.LocalFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a spool of a byte range starts in its file, in lines, for the line numbers of dead letters. */
final class LineShifts {
    private LineShifts() {
    }

    /**
     * The lines of {@code origin} (gzip: decompressed) before {@code startByte}, less one when the spool starts with
     * the header line copied from the top: its line 2 is then the range's first line. Counted only when asked.
     */
    static LocalFiles.LineShift of(Path origin, long startByte, boolean headerPrepended) {
        if (startByte == 0) return LocalFiles.LineShift.NONE;
        return () -> {
            long newlines = 0;
            boolean gz = origin.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
            try (InputStream raw = Files.newInputStream(origin);
                 InputStream in = gz ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw) {
                byte[] buf = new byte[1 << 16];
                long left = startByte;
                while (left > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (r < 0) break;
                    for (int i = 0; i < r; i++) if (buf[i] == '\n') newlines++;
                    left -= r;
                }
            }
            return newlines - (headerPrepended ? 1 : 0);
        };
    }
}
