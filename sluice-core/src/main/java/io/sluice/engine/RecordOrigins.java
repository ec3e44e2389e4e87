package io.sluice.engine;

import io.sluice.spi.CsvRecords;
import io.sluice.spi.source.LocalFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * its value, which may read like a mark and is left as it is.
     */
    static String named(String message, LocalFiles input) throws IOException {
        Matcher m = MARK.matcher(message);
        StringBuilder out = new StringBuilder();
        if (m.find()) {
            LocalFiles.Part part = input.parts().get(Integer.parseInt(m.group(1)));
            long record = Long.parseLong(m.group(2));
            m.appendReplacement(out, Matcher.quoteReplacement(place(input, part, record)));
        }
        return m.appendTail(out).toString();
    }

    private static String place(LocalFiles input, LocalFiles.Part part, long record) throws IOException {
        if (input.format().equals("parquet")) return part.key() + " row " + record;
        String name = part.file().getFileName().toString().toLowerCase(Locale.ROOT);
        boolean csv = input.format().equals("csv");
        // a header is the file's first record
        long nth = csv && input.header() ? record + 1 : record;
        if (name.endsWith(".zst") || name.endsWith(".zstd")) // no decoder here
        return part.key() + " record " + nth + (csv && input.header() ? " (the header is record 1)" : "");
        return part.key() + " line "
                + (line(part.file(), name.endsWith(".gz"), csv, nth)
                        + part.shift().lines());
    }

    /**
     * The 1-based line where the {@code nth} record of {@code file} starts: blank lines hold no record, and in a csv
     * file a record ends where the files source cuts records ({@link CsvRecords}, with the delimiter of its first line),
     * so a line end inside a quoted value does not end one and a quote inside an unquoted value ({@code 27" Monitor})
     * opens none.
     */
    static long line(Path file, boolean gz, boolean csv, long nth) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            // the first record is read with any of DuckDB's delimiters, the others with the one it uses most
            CsvRecords ends = csv ? CsvRecords.anyDelimiter() : null;
            ByteArrayOutputStream first = csv ? new ByteArrayOutputStream() : null;
            long line = 1;
            long records = 0;
            boolean atStart = true;
            int b;
            while ((b = in.read()) >= 0) {
                if (atStart && b != '\n' && b != '\r') {
                    if (++records == nth) return line;
                    atStart = false;
                }
                if (first != null && records > 0) first.write(b);
                boolean end = ends == null ? b == '\n' : ends.endsRecord((byte) b);
                if (b == '\n') line++;
                if (end && !atStart) {
                    atStart = true;
                    if (first != null) {
                        ends = CsvRecords.delimitedAs(first.toByteArray());
                        first = null;
                    }
                }
            }
            return line;
        }
    }
}
