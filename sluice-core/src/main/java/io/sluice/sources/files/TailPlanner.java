package io.sluice.sources.files;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Source.Skipped;
import io.sluice.spi.Split;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Plans growing files ({@code tail: true}). A log is known by its identity, a hash of its first
 * {@value #IDENTITY_BYTES} bytes, not by its name: after a rotation ({@code app.log} renamed to {@code app.log.1},
 * a new {@code app.log} created) the renamed file continues where its reading stopped, and the new file starts at 0.
 * Each scan registers the bytes appended since the end of the last registered range, up to the last complete line.
 * A file shorter than its registered end was truncated: it is read again from the start as a new generation.
 * A gzipped rotation is read once, from where the plain file's reading stopped to its end.
 */
final class TailPlanner {
    static final int IDENTITY_BYTES = 256;
    private static final String FIRST_GENERATION = "g1";

    /** A listed file and the log it is. */
    record Log(String identity, String key, Path path, long size, boolean compressed) {
    }

    private final Map<String, Path> located = new ConcurrentHashMap<>();

    /** The identities of the listed files; files too short to identify (or unreadable) are reported and left out. */
    List<Log> identify(List<FilesSource.Found> files, List<Skipped> skipped) throws IOException {
        Map<String, Log> plain = new LinkedHashMap<>();
        List<Log> compressed = new ArrayList<>();
        for (FilesSource.Found f : files) {
            boolean gz = f.key().toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
            if (Formats.compressed(f.key()) && !gz) {
                skipped.add(Skipped.because(f.key(), "tail reads rotated logs compressed with gzip only; decompress it or exclude it"));
                continue;
            }
            byte[] head;
            try {
                head = head(f.path(), gz);
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                skipped.add(Skipped.because(f.key(), "not a readable gzip file: " + e.getMessage()));
                continue;
            }
            if (head.length < IDENTITY_BYTES) {
                skipped.add(Skipped.seen(f.key(), "shorter than " + IDENTITY_BYTES + " bytes: too short to tell it apart "
                        + "from other logs; it is read once it has grown"));
                continue;
            }
            Log log = new Log("tail:" + sha256(head).substring(0, 24), f.key(), f.path(), f.size(), gz);
            located.put(log.identity(), f.path());
            Log twin = gz ? null : plain.putIfAbsent(log.identity(), log);
            if (gz) {
                compressed.add(log);
            } else if (twin != null) {
                skipped.add(Skipped.because(f.key(), "its first " + IDENTITY_BYTES + " bytes are the same as " + twin.key()
                        + "'s, so tail cannot tell the two logs apart; only " + twin.key() + " is read (give each log "
                        + "a distinct start, e.g. a timestamp, or exclude one)"));
            }
        }
        List<Log> logs = new ArrayList<>(plain.values());
        for (Log gz : compressed) {
            Log same = plain.get(gz.identity());
            if (same != null) {
                skipped.add(Skipped.seen(gz.key(), "the same log as " + same.key() + ", which is still there uncompressed"));
            } else {
                logs.add(gz);
            }
        }
        return logs;
    }

    /** New byte ranges of each log, cut at line boundaries into ranges of about {@code splitSize}. */
    List<Split> plan(List<Log> logs, Ledger ledger, long splitSize, List<Skipped> skipped, List<String> notices)
            throws IOException {
        Map<String, KnownMember> known = ledger.known(logs.stream().map(Log::identity).toList());
        List<Split> splits = new ArrayList<>();
        for (Log log : logs) {
            KnownMember k = known.get(log.identity());
            if (k != null && k.end() == Member.WHOLE) {
                skipped.add(Skipped.seen(log.key(), "read completely (split " + k.splitId() + ", " + k.state().label() + ")"));
                continue;
            }
            String generation = k == null ? FIRST_GENERATION : k.fingerprint();
            long from = k == null ? 0 : k.end();
            if (log.compressed()) {
                splits.add(new Split(log.key() + "#" + from + "-end" + tag(log, generation),
                        List.of(new Member(log.identity(), generation, from, Member.WHOLE, null)), log.size()));
                continue;
            }
            if (log.size() < from) {
                notices.add(log.key() + " was truncated (" + log.size() + " bytes, read to " + from
                        + "): reading it again from the start");
                generation = nextGeneration(generation);
                from = 0;
            }
            long to = endOfLastLine(log.path(), from, log.size());
            if (to <= from) {
                skipped.add(Skipped.seen(log.key(), "up to date at byte " + from + (log.size() > from
                        ? " (" + (log.size() - from) + " bytes of an unfinished line wait for their newline)" : "")));
                continue;
            }
            List<Long> cuts = LineCutter.cuts(log.path(), from, to, splitSize, false);
            for (int i = 0; i + 1 < cuts.size(); i++) {
                long a = cuts.get(i);
                long b = cuts.get(i + 1);
                splits.add(new Split(log.key() + "#" + a + "-" + b + tag(log, generation),
                        List.of(new Member(log.identity(), generation, a, b, null)), b - a));
            }
        }
        return splits;
    }

    /** Per log: how far it is registered, whether that last range is done, and how many bytes are not read yet. */
    List<String> status(List<Log> logs, Ledger ledger) {
        Map<String, KnownMember> known = ledger.known(logs.stream().map(Log::identity).toList());
        List<String> lines = new ArrayList<>();
        for (Log log : logs) {
            KnownMember k = known.get(log.identity());
            if (k == null) {
                lines.add(log.key() + ": not read yet (" + log.size() + " bytes)");
            } else if (k.end() == Member.WHOLE) {
                lines.add(log.key() + ": compressed rotation, read from byte " + k.start() + " to its end (" + k.state().label() + ")");
            } else {
                long behind = Math.max(0, log.size() - k.end());
                lines.add(log.key() + ": read to byte " + k.end() + " of " + log.size() + " (last range " + k.state().label()
                        + "), " + behind + " byte(s) behind" + (log.size() < k.end() ? " (truncated: read again at the next scan)" : ""));
            }
        }
        return lines;
    }

    /** The file a log identity is in now; null when no listed file has it (removed, or not listed yet). */
    Path locate(String identity) {
        return located.get(identity);
    }

    /** Copies the log's bytes {@code [start, end)} (gzip: of its decompressed content, to its end) into the spool. */
    static void spool(Path file, boolean gz, long start, long end, byte[] header, Path spool) throws IOException {
        try (OutputStream out = Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW)) {
            if (header != null) out.write(header);
            if (!gz) {
                try (var in = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ);
                     var ch = java.nio.channels.Channels.newChannel(out)) {
                    long pos = start;
                    while (pos < end) pos += in.transferTo(pos, end - pos, ch);
                }
                return;
            }
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
                in.skipNBytes(start);
                in.transferTo(out);
            }
        }
    }

    private static byte[] head(Path file, boolean gz) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gz ? new GZIPInputStream(raw, 4096) : raw) {
            return in.readNBytes(IDENTITY_BYTES);
        }
    }

    /** One past the last newline in {@code [from, size)}, or {@code from} when there is none. */
    private static long endOfLastLine(Path file, long from, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] buf = new byte[64 * 1024];
            long end = size;
            while (end > from) {
                int n = (int) Math.min(buf.length, end - from);
                f.seek(end - n);
                f.readFully(buf, 0, n);
                for (int i = n - 1; i >= 0; i--) if (buf[i] == '\n') return end - n + i + 1;
                end -= n;
            }
            return from;
        }
    }

    /** Split ids name the file, the range, the log and (after a truncation) the generation, so none repeats. */
    private static String tag(Log log, String generation) {
        String id = "@" + log.identity().substring(5, 13);
        return generation.equals(FIRST_GENERATION) ? id : id + "." + generation;
    }

    private static String nextGeneration(String generation) {
        return "g" + (Long.parseLong(generation.substring(1)) + 1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
