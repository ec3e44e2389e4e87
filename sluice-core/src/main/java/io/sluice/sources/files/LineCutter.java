package io.sluice.sources.files;

import io.sluice.spi.CsvRecords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds where to cut a line-format file into ranges of about {@code target} bytes: right after a newline that ends a
 * record. CSV records are followed from the start of the file ({@link CsvRecords}), so a newline inside a quoted field
 * never becomes a cut point, and a quote inside an unquoted field ({@code 55" screen}) does not turn the reading
 * inside out.
 */
final class LineCutter {
    private LineCutter() {}

    /**
     * @return range boundaries {@code [from, c1, c2, ..., to]}; just {@code [from, to]} when the range should stay
     *     whole (small, or quotes unbalanced so cut points cannot be trusted)
     */
    static List<Long> cuts(Path file, long from, long to, long target, boolean quotes) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            return cuts(ch, from, to, target, quotes);
        }
    }

    /** Like {@link #cuts(Path, long, long, long, boolean)}, on a file already open (its position is moved). */
    static List<Long> cuts(java.nio.channels.FileChannel ch, long from, long to, long target, boolean quotes)
            throws IOException {
        if (to - from <= target) return List.of(from, to);
        ch.position(from);
        // not closed: the caller owns the channel
        return cuts(java.nio.channels.Channels.newInputStream(ch), from, to, target, quotes);
    }

    /**
     * Like {@link #cuts(Path, long, long, long, boolean)}, on the bytes from {@code from} on (an object read by one
     * GET, say); reads at most {@code to - from} bytes of {@code in}.
     */
    static List<Long> cuts(InputStream in, long from, long to, long target, boolean quotes) throws IOException {
        if (to - from <= target) return List.of(from, to);
        byte[] buf = new byte[1 << 20];
        int[] firstEnd = new int[1];
        int n = firstLine(in, buf, (int) Math.min(buf.length, to - from), firstEnd);
        // the first line tells the delimiter: a quote opens a field only after one
        byte[] firstLine = quotes ? java.util.Arrays.copyOf(buf, firstEnd[0]) : null;
        return cuts(in, buf, n, from, to, target, firstLine);
    }

    /**
     * Cuts {@code [from, to)} of a csv log at record ends, {@code from} being one (where the reading of the log
     * stopped): its records are followed from there, with the delimiter of the log's first line ({@code header}).
     */
    static List<Long> csvCuts(java.nio.channels.FileChannel ch, byte[] header, long from, long to, long target)
            throws IOException {
        if (to - from <= target) return List.of(from, to);
        ch.position(from);
        InputStream in = java.nio.channels.Channels.newInputStream(ch); // not closed: the caller owns the channel
        byte[] buf = new byte[1 << 20];
        int n = Math.max(0, in.read(buf, 0, (int) Math.min(buf.length, to - from)));
        return cuts(in, buf, n, from, to, target, header);
    }

    /** The cuts of the bytes {@code buf[0, n)} and the rest of {@code in}, by csv records when {@code firstLine} is given. */
    private static List<Long> cuts(InputStream in, byte[] buf, int n, long from, long to, long target, byte[] firstLine)
            throws IOException {
        // the escape inside quoted fields is told by the file as a whole: the doubled quote's reading, unless the
        // file does not parse so
        List<Cutter> readings = new ArrayList<>();
        if (firstLine != null) {
            CsvRecords rfc = CsvRecords.delimitedAs(firstLine);
            readings.add(new Cutter(rfc, from, to, target));
            readings.add(new Cutter(rfc.backslashEscapes(), from, to, target));
        } else {
            readings.add(new Cutter(null, from, to, target));
        }
        long pos = from;
        while (n > 0) {
            for (Cutter c : readings) c.take(buf, n, pos);
            pos += n;
            n = pos < to ? Math.max(0, in.read(buf, 0, (int) Math.min(buf.length, to - pos))) : 0;
        }
        for (Cutter c : readings) {
            if (c.trusted()) return c.cuts();
        }
        // a quoted field that never closes, or quoting of another kind: no cut point can be trusted
        return List.of(from, to);
    }

    /**
     * One past the last record end in {@code [from, size)} of a csv log that is still being written, {@code from}
     * being a record end: a record whose last newline so far is inside a quoted field is not complete. Its records
     * are followed with the delimiter of the log's first line ({@code header}), the doubled quote's reading unless the
     * bytes do not parse so, then the backslash's; -1 when neither does (quoted some other way).
     */
    static long endOfLastRecord(java.nio.channels.FileChannel ch, byte[] header, long from, long size)
            throws IOException {
        CsvRecords rfc = CsvRecords.delimitedAs(header);
        List<CsvRecords> readings = List.of(rfc, rfc.backslashEscapes());
        long[] ends = {from, from};
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        for (long pos = from; pos < size; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), size - pos));
            int n = ch.read(buf, pos);
            if (n <= 0) break;
            for (int r = 0; r < readings.size(); r++) {
                CsvRecords reading = readings.get(r);
                for (int i = 0; (i = reading.nextRecordEnd(buf.array(), i, n)) >= 0; ) ends[r] = pos + i;
            }
            pos += n;
        }
        for (int r = 0; r < readings.size(); r++) if (!readings.get(r).malformed()) return ends[r];
        return -1;
    }

    /**
     * How many bytes of {@code head} (the first bytes of a csv file) hold its first line and up to {@code records}
     * records after it, cut at a record end; 0 when no record end can be trusted (quoted some other way). Records are
     * followed as {@link #cuts} follows them: the doubled quote's reading, unless the bytes do not parse so, then the
     * backslash's.
     */
    static int headLength(byte[] head, int records) {
        int firstEnd = Math.max(0, CsvRecords.anyDelimiter().nextRecordEnd(head, 0, head.length));
        CsvRecords rfc = CsvRecords.delimitedAs(java.util.Arrays.copyOf(head, firstEnd));
        for (CsvRecords reading : List.of(rfc, rfc.backslashEscapes())) {
            int end = 0;
            for (int i = 0, n = 0; n <= records && (i = reading.nextRecordEnd(head, i, head.length)) >= 0; n++) end = i;
            if (!reading.malformed()) return end;
        }
        return 0;
    }

    /**
     * How many bytes of {@code head} (the first bytes of a file of JSON lines) hold up to {@code lines} lines, cut at a
     * line end; 0 when it holds none. A JSON value holds no raw line end, so every one is a record's.
     */
    static int linesLength(byte[] head, int lines) {
        int end = 0;
        for (int i = 0, n = 0; n < lines && i < head.length; i++) {
            if (head[i] == '\n') {
                end = i + 1;
                n++;
            }
        }
        return end;
    }

    /**
     * The spool of the head of the file a byte range is cut from: its first records, from whose columns the engine
     * types the range, so that every range of one file is typed alike.
     *
     * @param file where the head is written
     * @param csv  the file is csv (its header line, then records, which {@link #headLength} follows); else JSON lines
     */
    record HeadSpool(Path file, boolean csv) {
        /**
         * Writes the head held in a file's first bytes to {@code file}: up to {@code records} records after the header
         * line of a csv file, up to {@code records} lines of JSON lines; false, writing nothing, when no record end
         * in them can be trusted.
         */
        boolean write(byte[] first, int records) throws IOException {
            int length = csv ? headLength(first, records) : linesLength(first, records);
            if (length == 0) return false;
            try (java.io.OutputStream out = Files.newOutputStream(file)) {
                out.write(first, 0, length);
            }
            return true;
        }
    }

    /** The cut points of one reading of the records: after the first record end past each {@code target} bytes. */
    private static final class Cutter {
        private final CsvRecords records;
        private final long to;
        private final long target;
        private final List<Long> cuts = new ArrayList<>();
        private long next;

        /** @param records null: every newline ends a record */
        Cutter(CsvRecords records, long from, long to, long target) {
            this.records = records;
            this.to = to;
            this.target = target;
            this.next = from + target;
            cuts.add(from);
        }

        void take(byte[] buf, int n, long pos) {
            int i = 0;
            while (i < n) {
                int end = records == null ? lineEnd(buf, i, n) : records.nextRecordEnd(buf, i, n);
                if (end < 0) return;
                if (pos + end >= next && pos + end < to) {
                    cuts.add(pos + end);
                    next = pos + end + target;
                }
                i = end;
            }
        }

        /** The index after the next newline in {@code buf[from, n)}; -1 when there is none. */
        private static int lineEnd(byte[] buf, int from, int n) {
            for (int i = from; i < n; i++) if (buf[i] == '\n') return i + 1;
            return -1;
        }

        boolean trusted() {
            return records == null || !records.inQuotedField() && !records.malformed();
        }

        List<Long> cuts() {
            cuts.add(to);
            return cuts;
        }
    }

    /**
     * Reads into {@code buf} until it holds the first record, {@code max} bytes or the end; returns the bytes read, and
     * the first record's length in {@code end[0]} (all the bytes read when it does not end there). Each byte is looked
     * at once, however the stream hands them over.
     */
    private static int firstLine(InputStream in, byte[] buf, int max, int[] end) throws IOException {
        CsvRecords records = CsvRecords.anyDelimiter();
        int n = 0;
        int r;
        while (n < max && (r = in.read(buf, n, max - n)) > 0) {
            for (int i = n; i < n + r; i++) {
                if (records.endsRecord(buf[i])) {
                    end[0] = i + 1;
                    return n + r;
                }
            }
            n += r;
        }
        end[0] = n;
        return n;
    }

    /** The first line (the CSV header), newline included; newlines inside its quoted fields are respected. */
    static byte[] headerLine(Path file) throws IOException {
        return headerLine(file, false);
    }

    static byte[] headerLine(Path file, boolean gz) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            return headerLine(raw, gz);
        }
    }

    /** The first line of an open file, read where it is (the channel's position is not moved). */
    static byte[] headerLine(java.nio.channels.FileChannel ch) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        CsvRecords records = CsvRecords.anyDelimiter();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
        for (long pos = 0; ch.read(buf.clear(), pos) > 0; pos += buf.position()) {
            for (int i = 0; i < buf.position(); i++) {
                if (records.endsRecord(buf.get(i))) {
                    out.write(buf.array(), 0, i + 1);
                    return out.toByteArray();
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
        return out.toByteArray();
    }

    /** The first line of the stream (gunzipped when {@code gz}); reads no further. */
    static byte[] headerLine(InputStream raw, boolean gz) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(gz ? new java.util.zip.GZIPInputStream(raw) : raw)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            CsvRecords records = CsvRecords.anyDelimiter();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (records.endsRecord((byte) b)) break;
            }
            return out.toByteArray();
        }
    }
}
