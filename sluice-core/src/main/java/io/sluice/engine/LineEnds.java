package io.sluice.engine;

import io.sluice.spi.source.LocalFiles;
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
import java.util.zip.GZIPInputStream;

/**
 * Files whose lines end some in LF, some in CRLF. DuckDB's csv reader takes one line ending for a whole file and stops
 * at the first line with the other ("The CSV Parser state machine reached an invalid state"), the same way at every
 * attempt. Such files are found only once a read failed (a scan of every file for it would cost every read), and are
 * then read from a copy whose CRLF line ends are LF: the same lines, so line numbers stay those of the file.
 *
 * <p>A csv file with quotes is not copied so: a CRLF inside a quoted field is the field's text, and dropping its CR
 * would change a value. Its read fails, not retried, naming the file, the line and what to do. So does a read of a
 * file with a CR inside a line (outside quotes), which the reader takes for a line end at every attempt.
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
            long shift = p.shift().lines();
            String where =
                    p.key() + " mixes line ends: " + mixed.get().shifted(shift).describe();
            if (mixed.get().quoted()) {
                throw SplitFailure.of(
                        where + "; a csv file with quoted fields is read with one line ending, since a CRLF inside"
                                + " quotes is part of a value: convert the file to one line ending (`dos2unix`, or"
                                + " `unix2dos`), then `sluice retry` the pipeline",
                        false);
            }
            Files.createDirectories(dir);
            Path copy = dir.resolve((n++) + "-" + (gz ? name.substring(0, name.length() - 3) : name));
            copy(p.file(), gz, copy);
            parts.add(new LocalFiles.Part(copy, p.key(), p.shift()));
            any = true;
        }
        return any ? Optional.of(input.withParts(parts)) : Optional.empty();
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
     * none. A CR ending the file counts as none: the reader takes it for the last line's end, which it is.
     */
    static long loneCr(Path file, boolean gz, boolean csv) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            long line = 1;
            boolean cr = false; // the byte before was a CR outside quotes
            boolean quoted = false; // a doubled quote inside quotes toggles twice: still inside
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (cr && b != '\n') return line;
                    cr = b == '\r' && !quoted;
                    if (csv && b == '"') quoted = !quoted;
                    if (b == '\n') line++;
                }
            }
            return 0;
        }
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

    /** Copies the file (decompressed) with the CR of every CRLF dropped. */
    private static void copy(Path file, boolean gz, Path copy) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
                OutputStream out =
                        new BufferedOutputStream(Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            boolean cr = false; // a CR ended the previous buffer, not written yet
            int n;
            while ((n = in.read(buf)) > 0) {
                if (cr && buf[0] != '\n') out.write('\r');
                cr = false;
                int from = 0; // the first byte of buf not written yet
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\r') continue;
                    if (i + 1 < n && buf[i + 1] != '\n') continue; // a CR inside a line stays
                    out.write(buf, from, i - from);
                    from = i + 1;
                    cr = i + 1 == n;
                }
                out.write(buf, from, n - from);
            }
            if (cr) out.write('\r'); // a CR ending the file ends no line here: kept as it was
        }
    }
}
