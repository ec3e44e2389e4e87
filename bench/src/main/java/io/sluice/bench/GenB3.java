package io.sluice.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * B3 data: usage lines {@code <ts> <consumer> <resource> <amount>} (e.g. {@code 2026-11-20T00:00:00 c017 r03 512}),
 * FILES files of about FILE_BYTES bytes each, CONSUMERS x RESOURCES groups, integer amounts 1..1000.
 * Also writes the exact expected totals (sorted "consumer resource total" lines) to EXPECTED_FILE.
 *
 * <p>Usage: {@code GenB3 OUT_DIR FILES FILE_BYTES CONSUMERS RESOURCES EXPECTED_FILE}; prints {@code rows=N bytes=M}.
 */
public final class GenB3 {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        long fileBytes = Long.parseLong(args[2]);
        int consumers = Integer.parseInt(args[3]);
        int resources = Integer.parseInt(args[4]);
        Path expected = Path.of(args[5]);
        Files.createDirectories(out);
        byte[][] cons = names("c", consumers);
        byte[][] res = names("r", resources);
        byte[][] amounts = new byte[1001][];
        for (int a = 0; a <= 1000; a++) amounts[a] = (a + "\n").getBytes(StandardCharsets.US_ASCII);
        long[][] sums = new long[files][];
        long[] rows = new long[files];
        long[] bytes = new long[files];
        IntStream.range(0, files).parallel().forEach(f -> {
            long[] s = new long[consumers * resources];
            SplittableRandom rnd = new SplittableRandom(1000 + f);
            Path p = out.resolve(String.format("usage-%02d.log", f));
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
                long n = 0, b = 0, sec = -1;
                byte[] ts = null;
                while (b < fileBytes) {
                    long second = f * 3600L + n / 100; // 100 lines per second, each file its own hour
                    if (second != sec) {
                        sec = second;
                        ts = String.format("2026-11-20T%02d:%02d:%02d ", (second / 3600) % 24, (second / 60) % 60,
                                second % 60).getBytes(StandardCharsets.US_ASCII);
                    }
                    int c = rnd.nextInt(consumers), r = rnd.nextInt(resources), a = 1 + rnd.nextInt(1000);
                    o.write(ts);
                    o.write(cons[c]);
                    o.write(res[r]);
                    o.write(amounts[a]);
                    b += ts.length + cons[c].length + res[r].length + amounts[a].length;
                    s[c * resources + r] += a;
                    n++;
                }
                rows[f] = n;
                bytes[f] = b;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sums[f] = s;
        });
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(expected))) {
            // Sorted as `LC_ALL=C sort` sorts "cNNN rNN total": fixed-width names, so index order.
            for (int c = 0; c < consumers; c++) {
                for (int r = 0; r < resources; r++) {
                    long t = 0;
                    for (long[] s : sums) t += s[c * resources + r];
                    w.printf("%s %s %d%n", name("c", c, consumers), name("r", r, resources), t);
                }
            }
        }
        long n = 0, b = 0;
        for (int f = 0; f < files; f++) {
            n += rows[f];
            b += bytes[f];
        }
        System.out.printf("rows=%d bytes=%d%n", n, b);
    }

    static String name(String prefix, int i, int count) {
        int width = Math.max(2, String.valueOf(count - 1).length());
        return prefix + String.format("%0" + width + "d", i);
    }

    static byte[][] names(String prefix, int count) {
        byte[][] n = new byte[count][];
        for (int i = 0; i < count; i++) n[i] = (name(prefix, i, count) + " ").getBytes(StandardCharsets.US_ASCII);
        return n;
    }
}
