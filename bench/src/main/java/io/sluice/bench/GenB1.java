package io.sluice.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * B1 input: FILES CSV (or JSON lines) files of about BYTES bytes each (default 20 x 100 MB of CSV), one seed
 * per file so the data is the same on every machine. Prints "rows=N bytes=M" for the caller to keep as the
 * expected count.
 *
 * <p>Usage: {@code GenB1 OUT_DIR [FILES] [BYTES_PER_FILE] [csv|jsonl]}
 */
public final class GenB1 {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long target = args.length > 2 ? Long.parseLong(args[2]) : 100_000_000L;
        String format = args.length > 3 ? args[3] : "csv";
        if (!format.equals("csv") && !format.equals("jsonl")) {
            throw new IllegalArgumentException("format must be csv or jsonl: " + format);
        }
        Files.createDirectories(out);
        AtomicLong rows = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors())) {
            List<Future<?>> done = new ArrayList<>();
            for (int f = 0; f < files; f++) {
                int file = f;
                done.add(pool.submit(() -> {
                    write(out.resolve("part-%02d.%s".formatted(file, format)), file, target, format, rows, bytes);
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get();
            }
        }
        System.err.printf("GenB1: %d files, %.0f MB in %.1f s%n", files, bytes.get() / 1e6, (System.nanoTime() - t0) / 1e9);
        System.out.printf("rows=%d bytes=%d%n", rows.get(), bytes.get());
    }

    private static void write(Path path, int file, long target, String format, AtomicLong rows, AtomicLong bytes)
            throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        boolean json = format.equals("jsonl");
        Rows r = new Rows(1_000L + file, 1 << 20, json);
        long written = 0;
        long id = (long) file * 100_000_000L; // ids stay unique across files
        long n = 0;
        try (OutputStream os = Files.newOutputStream(tmp)) {
            if (!json) {
                r.put(Rows.HEADER.getBytes());
            }
            while (written + r.pos < target) {
                r.row(id++);
                n++;
                if (r.pos > r.buf.length - 512) {
                    os.write(r.buf, 0, r.pos);
                    written += r.pos;
                    r.pos = 0;
                }
            }
            os.write(r.buf, 0, r.pos);
            written += r.pos;
        }
        // Renamed only when complete, so a half-written file never looks like input.
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        rows.addAndGet(n);
        bytes.addAndGet(written);
    }
}
