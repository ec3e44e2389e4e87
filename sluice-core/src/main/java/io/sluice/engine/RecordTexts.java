package io.sluice.engine;

import io.sluice.spi.CsvRecords;
import io.sluice.spi.Sql;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The text of each bad csv record as its file holds it, for its dead letter: DuckDB's {@code csv_line} garbles a record
 * whose bytes are not UTF-8 ({@code Jos??100.00} for {@code José,100.00}, the byte and the comma after it lost), so
 * the record is read from the file's bytes at DuckDB's byte position of it, to the line end that ends it (a quoted
 * value's line ends inside it, and its CRs, kept: the record is its whole lines). A file read as UTF-8 whose record is
 * not UTF-8 has it read as Latin-1, each byte one character, so that the record written back in ISO-8859-1 is the
 * file's bytes.
 *
 * <p>What this may cost is bounded: a record over {@link #MAX_BYTES}, the records past {@link #MAX_SPLIT_BYTES} of
 * texts in a split, and the records not reached by the deadline of naming a record ({@link LocateBudget#time}) keep
 * DuckDB's text. Texts are inserted in batches as they are read, as values of a prepared statement: a record may hold
 * any byte (a NUL, which ends a SQL literal in DuckDB's parser).
 */
final class RecordTexts {
    /** A record's first bytes that are read: one longer is left to DuckDB's text of it. */
    static final int MAX_BYTES = 1 << 20;

    /** The bytes of the texts read for one split: the records after them are left to DuckDB's text. */
    static final long MAX_SPLIT_BYTES = 64L << 20;

    /** The texts (and their bytes) held before they are inserted. */
    private static final int BATCH_ROWS = 1000;

    private static final int BATCH_BYTES = 4 << 20;

    private RecordTexts() {}

    /** Takes the text of the record at an index of the records given. */
    @FunctionalInterface
    interface Texts {
        void take(int record, String text) throws SQLException;
    }

    /**
     * Creates the table {@code name (file_path, line, text)} for the bad records of {@code rejects} (a csv read's, with
     * {@code line_start}: see {@link Reader}), read in {@code latin1} or UTF-8. A record whose end is not found (a quote
     * never closed, or more than {@link #MAX_BYTES}), the records past {@link #MAX_SPLIT_BYTES}, those not reached by
     * {@code deadline} (a {@link System#nanoTime}) and the records of files Java cannot decompress are left out:
     * DuckDB's text names them.
     */
    static void create(Statement s, String rejects, String name, boolean latin1, long deadline)
            throws SQLException, IOException {
        Map<String, List<long[]>> byFile = PhysicalLines.byFile(s, rejects, "line_start");
        s.execute("CREATE OR REPLACE TEMP TABLE " + name + " (file_path VARCHAR, line BIGINT, text VARCHAR)");
        try (PreparedStatement insert =
                s.getConnection().prepareStatement("INSERT INTO " + name + " VALUES (?, ?, ?)")) {
            long[] left = {MAX_SPLIT_BYTES};
            int[] batch = {0, 0}; // rows, bytes
            for (Map.Entry<String, List<long[]>> file : byFile.entrySet()) {
                Path path = Path.of(file.getKey());
                List<long[]> records = file.getValue();
                read(path, records, latin1, dialect(s, path, latin1), deadline, left, (i, text) -> {
                    insert.setString(1, file.getKey());
                    insert.setLong(2, records.get(i)[0]);
                    insert.setString(3, text);
                    insert.addBatch();
                    batch[0]++;
                    batch[1] += text.length();
                    if (batch[0] >= BATCH_ROWS || batch[1] >= BATCH_BYTES) {
                        insert.executeBatch();
                        batch[0] = 0;
                        batch[1] = 0;
                    }
                });
            }
            if (batch[0] > 0) insert.executeBatch();
        }
    }

    /**
     * Where the records of {@code file} end, as the read sees them: the delimiter, quote and escape DuckDB's sniffer
     * finds in it (the read's own, sniffed the same way); null when it finds none that {@link CsvRecords} reads (the
     * header's delimiter then).
     */
    private static CsvRecords dialect(Statement s, Path file, boolean latin1) {
        try (Statement sniff = s.getConnection().createStatement(); // DuckDB closes a statement whose query failed
                ResultSet r = sniff.executeQuery("SELECT Delimiter, Quote, Escape FROM sniff_csv("
                        + Sql.literal(file.toString()) + ", store_rejects = true"
                        + (latin1 ? ", encoding = 'latin-1'" : "") + ")")) {
            if (!r.next()) return null;
            String delimiter = r.getString(1);
            int quote = sniffed(r.getString(2));
            int escape = sniffed(r.getString(3));
            if (delimiter == null || delimiter.length() != 1 || delimiter.charAt(0) > 0x7F || quote < -1 || escape < -1)
                return null;
            return CsvRecords.of((byte) delimiter.charAt(0), quote, escape);
        } catch (SQLException e) {
            return null; // the header's delimiter, as before
        }
    }

    /** A quote or escape as {@code sniff_csv} gives it: -1 none, -2 one {@link CsvRecords} does not read. */
    private static int sniffed(String c) {
        if (c == null || c.equals("(empty)") || c.isEmpty()) return -1;
        return c.length() == 1 && c.charAt(0) <= 0x7F ? c.charAt(0) : -2;
    }

    /**
     * Reads the text of each record, in the order given (ascending {@code line_start}), and gives it to {@code texts};
     * a record whose end is not found is not given, nor those past {@code left[0]} bytes of texts (less each text's
     * bytes) or not reached by {@code deadline}. {@code dialect} null: the records are delimited as the header is.
     */
    static void read(
            Path file,
            List<long[]> records,
            boolean latin1,
            CsvRecords dialect,
            long deadline,
            long[] left,
            Texts texts)
            throws IOException, SQLException {
        try (InputStream in = open(file)) {
            ByteArrayOutputStream header = new ByteArrayOutputStream(); // its delimiter, when no dialect is given
            in.mark(MAX_BYTES + 1);
            for (int h = in.read(); h >= 0 && h != '\n' && header.size() < MAX_BYTES; h = in.read()) header.write(h);
            in.reset(); // read once: a record may be on the first line (no header)
            int b = in.read();
            long offset = 0; // of the byte in b
            long ended = -1; // where the last record read ended: just after its line feed
            for (int i = 0; i < records.size() && left[0] > 0; i++) {
                if (System.nanoTime() - deadline > 0) return; // the rest keep DuckDB's text
                long at = records.get(i)[1] - 1; // 0-based: the record's first byte, or the line feed of a CRLF before
                // the line feed that ended the record before (DuckDB's position after a CRLF) starts this one
                if (at < offset && !(at == offset - 1 && offset == ended)) continue; // inside the record before
                if (b >= 0 && offset < at) { // skipped, not read a byte at a time: the bytes before may be many
                    try {
                        in.skipNBytes(at - 1 - offset);
                        b = in.read();
                    } catch (java.io.EOFException end) {
                        b = -1;
                    }
                    offset = at;
                }
                for (; b == '\r' || b == '\n'; offset++) b = in.read();
                CsvRecords ends = dialect != null ? dialect.fresh() : CsvRecords.delimitedAs(header.toByteArray());
                ByteArrayOutputStream record = new ByteArrayOutputStream();
                boolean end = false;
                for (; b >= 0 && record.size() < MAX_BYTES && !end; offset++) {
                    end = ends.endsRecord((byte) b);
                    if (!end) record.write(b);
                    b = in.read();
                }
                if (end) ended = offset;
                if (!end && (b >= 0 || ends.inQuotedField())) continue; // too long, or a quote never closed
                byte[] bytes = record.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                left[0] -= n;
                if (left[0] < 0) return; // past the split's bytes of texts: this one and the rest keep DuckDB's
                texts.take(i, decoded(ByteBuffer.wrap(bytes, 0, n), latin1));
            }
        }
    }

    /** The bytes read as Latin-1, or as UTF-8 when they are UTF-8. */
    private static String decoded(ByteBuffer bytes, boolean latin1) {
        if (!latin1) {
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes.duplicate())
                        .toString();
            } catch (CharacterCodingException e) {
                // not UTF-8: each byte kept as the Latin-1 character of its value
            }
        }
        return StandardCharsets.ISO_8859_1.decode(bytes).toString();
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        boolean gz = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        return new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16);
    }
}
