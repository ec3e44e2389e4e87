package io.sluice.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A service writing usage logs, for {@link TailCrashTest}: appends lines to several files (some lines in two
 * writes, so a reader can see half a line), rotates one file (rename + new file) and later gzips the rotated file.
 * Args: folder, files, seconds.
 */
public final class LogWriterMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        long until = System.currentTimeMillis() + Long.parseLong(args[2]) * 1000;
        Random random = new Random(7);
        long seq = 0;
        int rotations = 0;
        while (System.currentTimeMillis() < until) {
            for (int f = 0; f < files; f++) {
                Path log = dir.resolve("app-" + f + ".log");
                for (int i = 0; i < 20; i++) {
                    seq++;
                    String line = "2026-11-21T10:%02d:%02d.%06d c%d r%d %d\n"
                            .formatted(
                                    (seq / 60) % 60,
                                    seq % 60,
                                    seq,
                                    random.nextInt(5),
                                    random.nextInt(3),
                                    1 + random.nextInt(1000));
                    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                    if (random.nextInt(10) == 0) {
                        int cut = 1 + random.nextInt(bytes.length - 1);
                        append(log, bytes, 0, cut);
                        Thread.sleep(5);
                        append(log, bytes, cut, bytes.length - cut);
                    } else {
                        append(log, bytes, 0, bytes.length);
                    }
                }
            }
            if (seq > 2500 * (rotations + 1) && rotations < 4) rotate(dir, rotations++);
            Thread.sleep(20);
        }
    }

    private static void append(Path log, byte[] bytes, int off, int len) throws IOException {
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.write(bytes, off, len);
        }
    }

    /** app-0.log becomes app-0.log.N and a new app-0.log starts; app-0.log.N is then gzipped like logrotate does. */
    private static void rotate(Path dir, int n) throws Exception {
        Path rotated = dir.resolve("app-0.log." + n);
        Files.move(dir.resolve("app-0.log"), rotated);
        Thread.sleep(300);
        Path tmp = dir.resolve(".app-0.log." + n + ".gz.tmp");
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(tmp))) {
            Files.copy(rotated, gz);
        }
        Files.move(tmp, dir.resolve("app-0.log." + n + ".gz"));
        Thread.sleep(100);
        Files.delete(rotated);
    }
}
