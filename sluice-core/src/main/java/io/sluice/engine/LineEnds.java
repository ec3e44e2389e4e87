package io.sluice.engine;

import io.sluice.spi.CsvRecords;
import io.sluice.spi.source.LocalFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * Files whose lines end some in LF, some in CRLF. DuckDB's csv reader takes one line ending for a whole file and stops
 * at the first line with the other ("The CSV Parser state machine reached an invalid state"), the same way at every
 * attempt. Such files are found only once a read failed (a scan of every file for it would cost every read), and are
 * then read from a copy whose CRLF line ends are LF: the same lines, so line numbers stay those of the file.
 *
 * <p>A csv file with quotes is not copied so: a CRLF inside a quoted field is the field's text, and dropping its CR
 * would change a value. Its read fails, not retried, naming the file, the line and what to do. So does a read of a
 * csv file with a CR inside a line (outside quotes), which the reader takes for a line end at every attempt.
 *
 * <p>A text file (a log) with a CR inside a line (a progress bar's redraws) is read from a copy in which each such CR
 * is a byte that occurs in none of the split's files, which the reader turns back into a CR in every line it yields:
 * each LF-ended line stays one record holding its CR bytes, and line numbers stay those of the file.
 */
final class LineEnds {
    private LineEnds() {}

    /** DuckDB's words for a file whose line ends its reader could not follow. */
    private static final List<String> SYMPTOMS =
            List.of("CSV Parser state machine reached an invalid state", "Error when sniffing file");

    /** Whether a failed read may be one of a file with mixed line ends (a csv or text read that DuckDB gave up on). */
    static boolean maybe(Throwable e, LocalFiles input) {
        if (!input.format().equals("csv") && !input.format().equals("text")) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && SYMPTOMS.stream().anyMatch(m::contains)) return true;
        }
        return false;
    }

    /**
     * Where a file first changes its line ending: lines {@code from} to {@code line - 1} end alike ({@code firstCrlf}),
     * line {@code line} otherwise (1-based, in the file a user knows); {@code quoted}: a csv file with a quote in it.
     */
    record Mixed(long from, boolean firstCrlf, long line, boolean quoted) {
        Mixed shifted(long lines) {
            return new Mixed(from + lines, firstCrlf, line + lines, quoted);
        }

        String describe() {
            String first = firstCrlf ? "CRLF" : "LF";
            String other = firstCrlf ? "LF" : "CRLF";
            return (line - 1 > from ? "lines " + from + "-" + (line - 1) + " end" : "line " + from + " ends") + " in "
                    + first + ", line " + line + " in " + other;
        }
    }

    /**
     * The input with each file of mixed line ends replaced by a copy under {@code dir} whose line ends are all LF; empty
     * when no file mixes them (the read failed for another reason).
     *
     * @throws SplitFailure (not retryable) for a file that mixes them and cannot be copied so: a csv file with quotes,
     *     or a zstd file, which Java cannot decompress here
     */
    static Optional<LocalFiles> evened(LocalFiles input, Path dir) throws IOException, SplitFailure {
        List<LocalFiles.Part> parts = new ArrayList<>();
        boolean any = false;
        int n = 0;
        for (LocalFiles.Part p : input.parts()) {
            String name = p.file().getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".zst") || name.endsWith(".zstd")) {
                parts.add(p); // no decoder here; its read names it if it fails
                continue;
            }
            boolean gz = name.endsWith(".gz");
            Optional<Mixed> mixed = scan(p.file(), gz, input.format().equals("csv"));
            if (mixed.isEmpty()) {
                parts.add(p);
                continue;
            }
            if (mixed.get().quoted()) {
                // only here are the lines before a range counted: a range of an object in a store that is copied is
                // not preceded by a download of every byte of the object before it
                String where = p.key() + " mixes line ends: "
                        + mixed.get().shifted(p.shift().lines()).describe();
                throw SplitFailure.of(
                        where + "; a csv file with quoted fields is read with one line ending, since a CRLF inside"
                                + " quotes is part of a value: convert the file to one line ending (`dos2unix`, or"
                                + " `unix2dos`), then `sluice retry` the pipeline",
                        false);
            }
            parts.add(copied(p, dir, n++, 0));
            any = true;
        }
        return any ? Optional.of(input.withParts(parts)) : Optional.empty();
    }

    /**
     * What a failed read is read again from: copies of the files whose line ends DuckDB could not follow, and the byte
     * that stands for a CR inside a line in them ({@code crMark}; 0: none, every CR there ends a line).
     */
    record Copies(LocalFiles input, int crMark) {}

    /**
     * The input of a read that DuckDB gave up on ({@link #maybe}), with its files copied so that it can follow their
     * line ends; empty when no file needs a copy (the read failed for another reason). Text files: see {@link
     * #marked}; csv files: a CR inside a line is refused, mixed line ends are evened out ({@link #evened}).
     *
     * @throws SplitFailure (not retryable) for a file that cannot be read so, naming it and its line
     */
    static Optional<Copies> copies(LocalFiles input, Path dir) throws IOException, SplitFailure {
        if (input.format().equals("text")) return marked(input, dir);
        refuseLoneCr(input);
        return evened(input, dir).map(evened -> new Copies(evened, 0));
    }

    /**
     * The bytes that may stand for a CR inside a text line: control bytes no log line is expected to hold (not NUL,
     * tab, LF, CR, nor the unit separator, which {@link Reader#LINE_ONLY} reads lines by).
     */
    private static final byte[] MARKS = {
        1, 2, 3, 4, 5, 6, 7, 8, 0x0B, 0x0C, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1A, 0x1B, 0x1C, 0x1D, 0x1E
    };

    /**
     * Text files: a copy of each file with a CR in it, its CRLF line ends LF and each CR not followed by a line feed (a
     * last one too) the returned mark, a byte that occurs in none of the split's files; the files without a CR are read
     * as they are. Empty when no file holds a CR.
     *
     * @throws SplitFailure (not retryable) when a CR is inside a line and no byte can stand for it: every candidate
     *     occurs in the files, or a zstd file, which Java cannot read here, may hold it
     */
    static Optional<Copies> marked(LocalFiles input, Path dir) throws IOException, SplitFailure {
        boolean[] seen = new boolean[256];
        boolean lone = false;
        boolean zstd = false;
        List<Boolean> crs = new ArrayList<>(); // per part: whether it holds a CR (a zstd part: false)
        for (LocalFiles.Part p : input.parts()) {
            String name = p.file().getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".zst") || name.endsWith(".zstd")) {
                zstd = true;
                crs.add(false);
                continue;
            }
            boolean[] own = new boolean[256];
            lone |= bytes(p.file(), name.endsWith(".gz"), own);
            crs.add(own['\r']);
            for (int b = 0; b < 256; b++) seen[b] |= own[b];
        }
        if (!seen['\r']) return Optional.empty();
        int mark = 0;
        if (lone) {
            for (byte m : MARKS) {
                if (!seen[m]) {
                    mark = m;
                    break;
                }
            }
            if (mark == 0 || zstd) {
                refuseLoneCr(input); // throws: it finds the CR that made lone true (zstd files aside, as here)
                return Optional.empty(); // not reached
            }
        }
        List<LocalFiles.Part> parts = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < crs.size(); i++) {
            LocalFiles.Part p = input.parts().get(i);
            if (!crs.get(i)) {
                parts.add(p);
                continue;
            }
            parts.add(copied(p, dir, n++, mark));
        }
        return Optional.of(new Copies(input.withParts(parts), mark));
    }

    /** The part read from a copy under {@code dir}, the {@code n}th there: see {@link #copy}. */
    private static LocalFiles.Part copied(LocalFiles.Part p, Path dir, int n, int mark) throws IOException {
        String name = p.file().getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gz = name.endsWith(".gz");
        Files.createDirectories(dir);
        Path copy = dir.resolve(n + "-" + (gz ? name.substring(0, name.length() - 3) : name));
        copy(p.file(), gz, copy, mark);
        // a range keeps its file's head
        return new LocalFiles.Part(copy, p.key(), new Copied(p.shift(), p.file()), p.head());
    }

    /**
     * The lines before a part read from a copy ({@link #copy}), as they are before its file, and the file it was copied
     * from ({@code original}, still on disk while the copy is read): the copy drops the CR of every CRLF, so a byte of
     * the copy is the file's byte only once mapped back ({@link #originalOffsets}).
     */
    record Copied(LocalFiles.LineShift file, Path original) implements LocalFiles.LineShift {
        @Override
        public long lines() throws IOException {
            return file.lines();
        }

        @Override
        public long startByte() {
            return file.startByte();
        }

        @Override
        public boolean remote() {
            return file.remote();
        }
    }

    /**
     * Where each byte of a copy ({@link #copy}) is in the file it was copied from: {@code offsets} (0-based, ascending)
     * of the copy, each mapped to the first byte of the file that is at that offset in the copy (a record's first
     * byte; the CR of an empty CRLF line). One pass over the file, for every offset at once: the copy drops exactly the
     * CR of each CRLF and writes every other byte once. Null when {@code late} says so before the file is read so far
     * (asked every {@value RecordOrigins#CLOCK_EVERY} bytes).
     */
    static long[] originalOffsets(Path original, long[] offsets, BooleanSupplier late) throws IOException {
        String name = original.getFileName().toString().toLowerCase(Locale.ROOT);
        long[] mapped = new long[offsets.length];
        try (InputStream raw = Files.newInputStream(original);
                InputStream in = new BufferedInputStream(
                        name.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            long at = 0; // the file's offset of b
            long copied = 0; // the copy's offset of b: the bytes before it that the copy holds
            int b = in.read();
            for (int i = 0; i < offsets.length; i++) {
                while (b >= 0 && copied < offsets[i]) {
                    if (at % RecordOrigins.CLOCK_EVERY == 0 && at > 0 && late.getAsBoolean()) return null;
                    int next = in.read();
                    if (b != '\r' || next != '\n') copied++; // the CR of a CRLF is not in the copy
                    at++;
                    b = next;
                }
                mapped[i] = at;
            }
        }
        return mapped;
    }

    /**
     * Marks in {@code seen} every byte the file holds; returns whether a CR in it is not followed by a line feed (one
     * ending the file too).
     */
    private static boolean bytes(Path file, boolean gz, boolean[] seen) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            boolean lone = false;
            boolean cr = false;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (cr && b != '\n') lone = true;
                    cr = b == '\r';
                    seen[b & 0xFF] = true;
                }
            }
            return lone || cr;
        }
    }

    /**
     * Refuses the input when a file holds a CR inside a line (not followed by a line feed, outside a csv field's
     * quotes): DuckDB's reader takes it for a line end, cutting the line in two or failing the file, at every attempt.
     *
     * @throws SplitFailure (not retryable) naming the file and the line
     */
    static void refuseLoneCr(LocalFiles input) throws IOException, SplitFailure {
        for (LocalFiles.Part p : input.parts()) {
            String name = p.file().getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".zst") || name.endsWith(".zstd")) continue; // no decoder here
            long line = loneCr(p.file(), name.endsWith(".gz"), input.format().equals("csv"));
            if (line == 0) continue;
            throw SplitFailure.of(
                    p.key() + " line " + (line + p.shift().lines()) + " holds a carriage return (CR) inside the line,"
                            + " not followed by a line feed: the reader would take it for a line end and cut the line"
                            + " in two, so the file is not read. Remove that CR, or replace it (a csv value that"
                            + " holds one must be quoted; convert a file whose lines all end so, an old Mac file, with"
                            + " `mac2unix`), then `sluice retry` the pipeline",
                    false);
        }
    }

    /**
     * The first line (1-based) holding a CR not followed by a line feed, outside a csv field's quotes; 0 when there is
     * none. A CR ending the file counts (its line is the last): after LF line ends, the reader gives up on it too.
     * Quotes are read as RFC 4180 (and DuckDB) read them: a quote opens a quoted field only at a field's start, with
     * the delimiter the first line uses most, so a stray one inside a field ({@code TV 55" screen}) hides no later CR.
     */
    static long loneCr(Path file, boolean gz, boolean csv) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            long line = 1;
            boolean cr = false; // the byte before was a CR outside quotes
            CsvRecords quotes = null; // csv only: where quoted fields are, from the first buffer's first line on
            int n;
            while ((n = in.read(buf)) > 0) {
                if (csv && quotes == null) quotes = CsvRecords.delimitedAs(firstLine(buf, n));
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (cr && b != '\n') return line;
                    boolean quoted = quotes != null && quotes.inQuotedField();
                    if (quotes != null) quotes.endsRecord(b);
                    cr = b == '\r' && !quoted;
                    if (b == '\n') line++;
                }
            }
            return cr ? line : 0;
        }
    }

    private static byte[] firstLine(byte[] buf, int n) {
        int end = 0;
        while (end < n && buf[end] != '\n') end++;
        return java.util.Arrays.copyOf(buf, end);
    }

    /**
     * The first line whose ending differs from the first line's; empty when all end alike. A csv file with a quote
     * anywhere is {@code quoted}: it cannot be copied without knowing which line ends are in quotes.
     */
    static Optional<Mixed> scan(Path file, boolean gz, boolean csv) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            int first = 0; // 0 not known yet, 1 LF, 2 CRLF
            boolean quotes = false;
            long line = 1;
            byte before = 0;
            Mixed found = null;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '"') quotes = true;
                    if (b == '\n') {
                        int kind = before == '\r' ? 2 : 1;
                        if (first == 0) first = kind;
                        else if (kind != first && found == null) found = new Mixed(1, first == 2, line, false);
                        line++;
                    }
                    before = b;
                }
                if (found != null && (!csv || quotes)) break;
            }
            if (found == null) return Optional.empty();
            return Optional.of(new Mixed(1, found.firstCrlf(), found.line(), csv && quotes));
        }
    }

    /**
     * Copies the file (decompressed) with the CR of every CRLF dropped, and every other CR (one ending the file too)
     * written as {@code mark}; 0: kept as it is.
     */
    private static void copy(Path file, boolean gz, Path copy, int mark) throws IOException {
        int inLine = mark == 0 ? '\r' : mark;
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
                OutputStream out =
                        new BufferedOutputStream(Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            boolean cr = false; // a CR ended the previous buffer, not written yet
            int n;
            while ((n = in.read(buf)) > 0) {
                if (cr && buf[0] != '\n') out.write(inLine);
                cr = false;
                int from = 0; // the first byte of buf not written yet
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\r') continue;
                    out.write(buf, from, i - from);
                    from = i + 1;
                    if (i + 1 < n && buf[i + 1] != '\n') out.write(inLine); // a CR inside a line
                    cr = i + 1 == n;
                }
                out.write(buf, from, n - from);
            }
            if (cr) out.write(inLine); // a CR ending the file ends no line here: kept as it was, or marked
        }
    }
}
