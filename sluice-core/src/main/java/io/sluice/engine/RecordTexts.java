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
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The text of each bad csv record as its file holds it, for its dead letter: DuckDB's {@code csv_line} garbles a record
 * whose bytes are not UTF-8 ({@code Jos??100.00} for {@code José,100.00}, the byte and the comma after it lost), so
 * the record is read from the file's bytes at DuckDB's byte position of it, to the line end that ends it (a quoted
 * value's line ends inside it, and its CRs, kept: the record is its whole lines). A file read as UTF-8 whose record is
 * not UTF-8 has it read as Latin-1, each byte one character, so that the record written back in ISO-8859-1 is the
 * file's bytes.
 */
final class RecordTexts {
    /** A record's first bytes that are read: one longer is left to DuckDB's text of it. */
    private static final int MAX_BYTES = 1 << 20;

    private RecordTexts() {}

    /**
     * Creates the table {@code name (file_path, line, text)} for the bad records of {@code rejects} (a csv read's, with
     * {@code line_start}: see {@link Reader}), read in {@code latin1} or UTF-8. A record whose end is not found (a quote
     * never closed, or more than {@link #MAX_BYTES}) and the records of files Java cannot decompress are left out:
     * DuckDB's text names them.
     */
    static void create(Statement s, String rejects, String name, boolean latin1) throws SQLException, IOException {
        PhysicalLines.valued(s, rejects, "line_start", name, "text VARCHAR", (file, records) -> {
            String[] texts = texts(file, records, latin1);
            String[] values = new String[texts.length];
            for (int i = 0; i < texts.length; i++) values[i] = texts[i] == null ? "NULL" : Sql.literal(texts[i]);
            return values;
        });
    }

    /** Each record's text, in the order given (ascending {@code line_start}); null where its end is not found. */
    static String[] texts(Path file, List<long[]> records, boolean latin1) throws IOException {
        String[] texts = new String[records.size()];
        byte[] first = firstLine(file);
        try (InputStream in = open(file)) {
            long offset = 0; // of the byte in b
            int b = in.read();
            for (int i = 0; i < texts.length; i++) {
                long at = records.get(i)[1]; // 1-based: the record's first byte, or the line feed of a CRLF before it
                if (at - 1 < offset) continue; // inside the record before: not one of its own
                if (b >= 0 && offset < at - 1) { // skipped, not read a byte at a time: the bytes before may be many
                    try {
                        in.skipNBytes(at - 2 - offset);
                        b = in.read();
                    } catch (java.io.EOFException end) {
                        b = -1;
                    }
                    offset = at - 1;
                }
                for (; b == '\r' || b == '\n'; offset++) b = in.read();
                CsvRecords ends = CsvRecords.delimitedAs(first);
                ByteArrayOutputStream record = new ByteArrayOutputStream();
                boolean ended = false;
                for (; b >= 0 && record.size() < MAX_BYTES && !ended; offset++) {
                    ended = ends.endsRecord((byte) b);
                    if (!ended) record.write(b);
                    b = in.read();
                }
                if (!ended && (b >= 0 || ends.inQuotedField())) continue; // too long, or a quote never closed
                byte[] bytes = record.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                texts[i] = decoded(ByteBuffer.wrap(bytes, 0, n), latin1);
            }
        }
        return texts;
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

    /** The file's first line (its header, whose delimiter the records use), up to {@link #MAX_BYTES}. */
    private static byte[] firstLine(Path file) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = open(file)) {
            for (int b = in.read(); b >= 0 && b != '\n' && line.size() < MAX_BYTES; b = in.read()) line.write(b);
        }
        return line.toByteArray();
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        boolean gz = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        return new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16);
    }
}
