package io.sluice.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * B4 writer: usage logs that grow at a steady rate, with marker lines whose arrival in the committed totals is
 * timed.
 *
 * <p>{@code WriterB4 init DIR FILES}: creates FILES logs of 20 lines each (over 256 bytes, each with a distinct
 * start, so a tailing reader can tell them apart); prints {@code lines=N sum=S}.
 *
 * <p>{@code WriterB4 run DIR FILES LINES_PER_SEC SECONDS MARKER_MS TOTALS_CSV}: every 100 ms appends
 * LINES_PER_SEC/10 complete lines to each log (one write per log); every MARKER_MS, one marker line with a
 * consumer never used before ({@code m0001}, ...) to the next log in turn, noting the time its write returned.
 * A poller reads TOTALS_CSV whenever its modification time or size changes (checked every 10 ms) and notes
 * when each marker's consumer first appears in it. After SECONDS a last marker is written; then it waits (at
 * most 120 s) for every marker. Prints one line per marker and
 * {@code lines=N sum=S markers=K seen=J median_ms=... p95_ms=... min_ms=... max_ms=...}.
 */
public final class WriterB4 {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        int files = Integer.parseInt(args[2]);
        if (args[0].equals("init")) {
            init(dir, files);
        } else {
            run(dir, files, Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    Path.of(args[6]));
        }
    }

    static Path log(Path dir, int f) {
        return dir.resolve(String.format("svc-%02d.log", f));
    }

    static void init(Path dir, int files) throws IOException {
        Files.createDirectories(dir);
        long lines = 0, sum = 0;
        for (int f = 0; f < files; f++) {
            SplittableRandom rnd = new SplittableRandom(f);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                int a = 1 + rnd.nextInt(1000);
                b.append(String.format("2026-11-20T%02d:00:%02d c%03d r%02d %d%n", f % 24, i, rnd.nextInt(200),
                        rnd.nextInt(20), a));
                lines++;
                sum += a;
            }
            Files.writeString(log(dir, f), b.toString());
        }
        System.out.printf("lines=%d sum=%d%n", lines, sum);
    }

    static void run(Path dir, int files, int perSecond, int seconds, int markerMs, Path totals) throws Exception {
        FileOutputStream[] out = new FileOutputStream[files];
        for (int f = 0; f < files; f++) out[f] = new FileOutputStream(log(dir, f).toFile(), true);
        Map<String, Long> seen = new ConcurrentHashMap<>();
        Thread poller = Thread.ofPlatform().daemon().start(() -> poll(totals, seen));
        List<long[]> written = new ArrayList<>(); // {marker number, write time ms}
        SplittableRandom rnd = new SplittableRandom(42);
        int perTick = Math.max(1, perSecond / 10);
        long lines = 0, sum = 0;
        long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
        long nextMarker = start + markerMs * 1_000_000L;
        int marker = 0;
        for (long tick = start; tick < end; tick += 100_000_000L) {
            LockSupport.parkNanos(tick - System.nanoTime());
            String ts = LocalDateTime.now().format(TS);
            for (int f = 0; f < files; f++) {
                StringBuilder b = new StringBuilder(perTick * 32);
                for (int i = 0; i < perTick; i++) {
                    int a = 1 + rnd.nextInt(1000);
                    b.append(ts).append(String.format(" c%03d r%02d %d\n", rnd.nextInt(200), rnd.nextInt(20), a));
                    lines++;
                    sum += a;
                }
                out[f].write(b.toString().getBytes(StandardCharsets.US_ASCII));
            }
            if (System.nanoTime() >= nextMarker) {
                marker++;
                written.add(new long[] {marker, writeMarker(out[marker % files], ts, marker)});
                lines++;
                sum++;
                nextMarker += markerMs * 1_000_000L;
            }
        }
        marker++;
        written.add(new long[] {marker, writeMarker(out[marker % files], LocalDateTime.now().format(TS), marker)});
        lines++;
        sum++;
        for (FileOutputStream o : out) o.close();
        long deadline = System.currentTimeMillis() + 120_000;
        while (seen.size() < written.size() && System.currentTimeMillis() < deadline) Thread.sleep(20);
        List<Long> lags = new ArrayList<>();
        for (long[] w : written) {
            Long t = seen.get(name(w[0]));
            System.out.printf("marker %s written %d lag_ms %s%n", name(w[0]), w[1], t == null ? "never" : t - w[1]);
            if (t != null) lags.add(t - w[1]);
        }
        long[] l = lags.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("lines=%d sum=%d markers=%d seen=%d median_ms=%d p95_ms=%d min_ms=%d max_ms=%d%n", lines,
                sum, written.size(), l.length, pct(l, 50), pct(l, 95), l.length == 0 ? -1 : l[0],
                l.length == 0 ? -1 : l[l.length - 1]);
    }

    static String name(long marker) {
        return String.format("m%04d", marker);
    }

    static long writeMarker(FileOutputStream o, String ts, int marker) throws IOException {
        o.write((ts + " " + name(marker) + " r00 1\n").getBytes(StandardCharsets.US_ASCII));
        return System.currentTimeMillis();
    }

    /** Nearest-rank percentile; -1 when empty. */
    static long pct(long[] sorted, int p) {
        if (sorted.length == 0) return -1;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    static void poll(Path totals, Map<String, Long> seen) {
        long lastMtime = -1, lastSize = -1;
        while (true) {
            try {
                long m = Files.getLastModifiedTime(totals).toMillis(), s = Files.size(totals);
                if (m != lastMtime || s != lastSize) {
                    long now = System.currentTimeMillis();
                    for (String line : Files.readAllLines(totals)) {
                        if (line.startsWith("m")) seen.putIfAbsent(line.substring(0, line.indexOf(',')), now);
                    }
                    lastMtime = m;
                    lastSize = s;
                }
            } catch (NoSuchFileException e) {
                // replaced atomically; read it at the next check
            } catch (IOException e) {
                // read during a replace: try again
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }
}
