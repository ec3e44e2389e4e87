package io.sluice.engine;

import io.sluice.spi.CsvRecords;
import io.sluice.spi.source.LocalFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Where a record is, as a user finds it: its input's name and the line where it starts (csv, jsonl: as an editor
 * numbers lines, a csv header line 1) or its row (Parquet). A step's own check names the failing record by a mark
 * ({@link #mark}) read with the records ({@link Reader#numbered}); the mark is turned into these words afterwards, by
 * reading the file up to that record.
 */
final class RecordOrigins {
    private static final Pattern MARK = Pattern.compile("<<sluice-record (\\d+):(\\d+)>>");

    private RecordOrigins() {}

    /** The SQL of a record's mark: the index of its file in the split's parts, and {@code record}, its number there. */
    static String mark(int part, String record) {
        return "'<<sluice-record " + part + ":' || " + record + " || '>>'";
    }

    /** Whether {@code message} names a record by its mark. */
    static boolean marked(String message) {
        return MARK.matcher(message).find();
    }

    /**
     * {@code message} with its first mark turned into the record's input and line (or row): a step names the row before
     * its value, which may read like a mark and is left as it is. A byte range of an input is named by the byte where
     * the record starts when counting the lines before the range would read more than {@code budget.countBytes()} of
     * a local file, or any of an object in a store; a record whose line is not counted by {@code deadline} (a {@link
     * System#nanoTime}) is named by its number.
     */
    static String named(String message, LocalFiles input, LocateBudget budget, long deadline) throws IOException {
        Matcher m = MARK.matcher(message);
        StringBuilder out = new StringBuilder();
        if (m.find()) {
            LocalFiles.Part part = input.parts().get(Integer.parseInt(m.group(1)));
            long record = Long.parseLong(m.group(2));
            m.appendReplacement(out, Matcher.quoteReplacement(place(input, part, record, budget, deadline)));
        }
        return m.appendTail(out).toString();
    }

    private static String place(LocalFiles input, LocalFiles.Part part, long record, LocateBudget budget, long deadline)
            throws IOException {
        if (input.format().equals("parquet")) return part.key() + " row " + record;
        String name = part.file().getFileName().toString().toLowerCase(Locale.ROOT);
        boolean csv = input.format().equals("csv");
        boolean headed = csv && input.header();
        // a header is the file's first record (a csv range's: the input's header line, copied in front of its bytes)
        long nth = headed ? record + 1 : record;
        LocalFiles.LineShift shift = part.shift();
        long start = shift.startByte();
        Position at = name.endsWith(".zst") || name.endsWith(".zstd") // no decoder here
                ? null
                : position(part.file(), name.endsWith(".gz"), csv, nth, deadline);
        if (at != null && budget.countsLines(shift)) return part.key() + " line " + (at.line() + shift.lines());
        // a copy has no CR before its line feeds: its bytes are mapped back to those of the file it was copied from
        if (at != null && shift instanceof LineEnds.Copied copied) at = original(at, copied.original(), deadline);
        if (at != null) return part.key() + " record at byte " + (start + at.offset() - (headed ? at.headerEnd() : 0));
        return part.key() + " record " + (start == 0 ? nth : record + " of the range from byte " + start)
                + (headed && start == 0 ? " (the header is record 1)" : "");
    }

    /**
     * {@code at}, a place in a copy ({@link LineEnds#copies}), as the same place in the file it was copied from; null
     * when that file is not read so far by {@code deadline}.
     */
    static Position original(Position at, Path original, long deadline) throws IOException {
        long[] offsets = at.headerEnd() < 0 ? new long[] {at.offset()} : new long[] {at.headerEnd(), at.offset()};
        long[] mapped = LineEnds.originalOffsets(original, offsets, () -> System.nanoTime() - deadline > 0);
        if (mapped == null) return null;
        return new Position(at.line(), mapped[mapped.length - 1], at.headerEnd() < 0 ? -1 : mapped[0]);
    }

    /**
     * Where a record starts in a file: its 1-based line, its byte, and the byte after the file's first record (a csv
     * header's line end).
     */
    record Position(long line, long offset, long headerEnd) {}

    /** Bytes read between looks at the clock. */
    static final int CLOCK_EVERY = 1 << 20;

    /**
     * Where the {@code nth} record of {@code file} starts, null when it is not reached by {@code deadline}: blank lines
     * hold no record, and in a csv file a record ends where the files source cuts records ({@link CsvRecords}, with the
     * delimiter of its first line), so a line end inside a quoted value does not end one and a quote inside an unquoted
     * value ({@code 27" Monitor}) opens none. As the files source, a value's quote is escaped by doubling it, unless the
     * file does not read so before the record (a {@code \"} inside a quoted value), then by a backslash.
     */
    static Position position(Path file, boolean gz, boolean csv, long nth, long deadline) throws IOException {
        Position[] at = positions(file, gz, csv, new long[] {nth}, deadline);
        return at == null ? null : at[0];
    }

    /**
     * Where each of the {@code nths} records of {@code file} (ascending) starts, read as {@link #position} reads them,
     * in one read of the file; null when they are not all reached by {@code deadline}. A record past the file's end
     * is placed at its end.
     */
    static Position[] positions(Path file, boolean gz, boolean csv, long[] nths, long deadline) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            List<Records> readings =
                    csv ? List.of(new Records(false, nths), new Records(true, nths)) : List.of(new Records(null, nths));
            long line = 1;
            long offset = 0;
            int b;
            for (; (b = in.read()) >= 0; offset++) {
                if (offset % CLOCK_EVERY == 0 && offset > 0 && System.nanoTime() - deadline > 0) return null;
                for (Records r : readings) r.take((byte) b, line, offset);
                if (b == '\n') line++;
                if (chosen(readings).done()) return chosen(readings).found;
            }
            Records last = chosen(readings);
            for (int i = 0; i < nths.length; i++)
                if (last.found[i] == null) last.found[i] = new Position(line, offset, last.headerEnd);
            return last.found;
        }
    }

    /** The first reading the file does not contradict so far (else the first). */
    private static Records chosen(List<Records> readings) {
        for (Records r : readings) if (!r.malformed()) return r;
        return readings.getFirst();
    }

    /** One reading of a file's records, the {@code nth} one's place once it is reached. */
    private static final class Records {
        /** null: a record is a line; else whether a quote is escaped by a backslash (by doubling it otherwise). */
        private final Boolean backslash;
        // the first record is read with any of DuckDB's delimiters, the others with the one it uses most
        private CsvRecords ends;
        private ByteArrayOutputStream first;
        private long records;
        private long headerEnd = -1;
        private boolean atStart = true;
        private final long[] nths;
        private final Position[] found;
        private int next; // the index of the next record of nths to find

        Records(Boolean backslash, long[] nths) {
            this.backslash = backslash;
            this.nths = nths;
            this.found = new Position[nths.length];
            this.ends = backslash == null ? null : CsvRecords.anyDelimiter();
            this.first = backslash == null ? null : new ByteArrayOutputStream();
        }

        boolean done() {
            return next == nths.length;
        }

        void take(byte b, long line, long offset) {
            if (done()) return;
            // a JSON line of spaces and tabs holds no record (DuckDB skips it), a csv one does
            boolean blank = b == '\n' || b == '\r' || (backslash == null && (b == ' ' || b == '\t'));
            if (atStart && !blank) {
                ++records;
                while (next < nths.length && nths[next] == records)
                    found[next++] = new Position(line, offset, headerEnd);
                if (done()) return;
                atStart = false;
            }
            if (first != null && records > 0) first.write(b);
            boolean end = ends == null ? b == '\n' : ends.endsRecord(b);
            if (end && !atStart) {
                atStart = true;
                if (headerEnd < 0) headerEnd = offset + 1;
                if (first != null) {
                    CsvRecords delimited = CsvRecords.delimitedAs(first.toByteArray());
                    ends = backslash ? delimited.backslashEscapes() : delimited;
                    first = null;
                }
            }
        }

        boolean malformed() {
            return ends != null && ends.malformed();
        }
    }
}
