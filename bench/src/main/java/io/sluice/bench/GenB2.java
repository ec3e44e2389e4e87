package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * B2 input: FILES small CSV files of about 1 KB (a header and 7 rows), 1,000 per sub-folder, deterministic.
 * Prints "rows=N bytes=M files=F".
 *
 * <p>Usage: {@code GenB2 OUT_DIR [FILES]}
 */
public final class GenB2 {
    private static final int ROWS_PER_FILE = 7;

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Rows r = new Rows(2_000L, 64 * 1024);
        byte[] header = Rows.HEADER.getBytes();
        long bytes = 0;
        long t0 = System.nanoTime();
        for (int f = 0; f < files; f++) {
            Path dir = out.resolve("d%02d".formatted(f / 1000));
            if (f % 1000 == 0) {
                Files.createDirectories(dir);
            }
            r.pos = 0;
            r.put(header);
            for (int i = 0; i < ROWS_PER_FILE; i++) {
                r.row((long) f * ROWS_PER_FILE + i);
            }
            Files.write(dir.resolve("f%05d.csv".formatted(f)), Arrays.copyOf(r.buf, r.pos));
            bytes += r.pos;
        }
        System.err.printf("GenB2: %d files, %.1f MB in %.1f s%n", files, bytes / 1e6, (System.nanoTime() - t0) / 1e9);
        System.out.printf("rows=%d bytes=%d files=%d%n", (long) files * ROWS_PER_FILE, bytes, files);
    }
}
