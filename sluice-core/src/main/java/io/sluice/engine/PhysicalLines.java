package io.sluice.engine;

import io.sluice.spi.Sql;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The line of a file where each bad csv record starts, as an editor numbers lines. DuckDB's reject tables number
 * records, not lines: after a quoted field that spans three lines, a bad record on line 6 would read as line 4. Its
 * byte position does not move, so each file with bad records is read once, counting newlines up to each of them.
 */
final class PhysicalLines {
    private PhysicalLines() {}

    /**
     * Creates the table {@code name (file_path, line, physical)} for the bad records of {@code rejects} (a view with
     * {@code file_path, line, line_start}: DuckDB's record number and its 1-based byte position). Files Java cannot
     * decompress are left out: their records keep DuckDB's number.
     */
    static void create(Statement s, String rejects, String name) throws SQLException, IOException {
        table(s, rejects, "line_start", name, "physical", PhysicalLines::lines);
    }

    /** Where the bad records of one file are: a value per record, in the order given; null: the file is left out. */
    @FunctionalInterface
    interface Placer {
        long[] place(Path file, List<long[]> records) throws IOException;
    }

    /**
     * Creates the table {@code name (file_path, line, <column>)}: for each bad record of {@code rejects} (DuckDB's
     * record number {@code line}) the value {@code placer} gives it, the records of a file handed to it at once, in
     * the order of their {@code at} (each record is {@code {line, at}}). Files Java cannot decompress are left out.
     */
    static void table(Statement s, String rejects, String at, String name, String column, Placer placer)
            throws SQLException, IOException {
        Map<String, List<long[]>> byFile = byFile(s, rejects, at);
        s.execute("CREATE OR REPLACE TEMP TABLE " + name + " (file_path VARCHAR, line BIGINT, " + column + " BIGINT)");
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, List<long[]>> file : byFile.entrySet()) {
            long[] placed = placer.place(Path.of(file.getKey()), file.getValue());
            if (placed == null) continue;
            for (int i = 0; i < placed.length; i++) {
                values.add("(" + Sql.literal(file.getKey()) + ", "
                        + file.getValue().get(i)[0] + ", " + placed[i] + ")");
                if (values.size() == 1000) insert(s, name, values);
            }
        }
        if (!values.isEmpty()) insert(s, name, values);
    }

    /**
     * The bad records of {@code rejects} (a view with {@code file_path, line} and the 1-based byte position {@code
     * at}) by file, each {@code {line, at}}, in the order of their {@code at}; files Java cannot decompress (zstd) are
     * left out.
     */
    static Map<String, List<long[]>> byFile(Statement s, String rejects, String at) throws SQLException {
        Map<String, List<long[]>> byFile = new LinkedHashMap<>();
        try (ResultSet r = s.executeQuery("SELECT DISTINCT file_path, line, " + at + " FROM " + rejects + " WHERE " + at
                + " IS NOT NULL ORDER BY file_path, " + at)) {
            while (r.next()) {
                String lower = Path.of(r.getString(1)).getFileName().toString().toLowerCase(Locale.ROOT);
                if (lower.endsWith(".zst") || lower.endsWith(".zstd")) continue; // no decoder here
                byFile.computeIfAbsent(r.getString(1), f -> new ArrayList<>())
                        .add(new long[] {r.getLong(2), r.getLong(3)});
            }
        }
        return byFile;
    }

    private static void insert(Statement s, String name, List<String> values) throws SQLException {
        s.execute("INSERT INTO " + name + " VALUES " + String.join(", ", values));
        values.clear();
    }

    /**
     * The 1-based line of each record start, in the order given (ascending). A record after a CRLF line end starts, in
     * DuckDB's count, at the line feed: that line feed ends the line before it.
     */
    static long[] lines(Path file, List<long[]> records) throws IOException {
        long[] lines = new long[records.size()];
        boolean gz = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            long base = 0; // the file position of buf[0]
            int n = 0;
            int at = 0; // the next byte of buf to count
            long newlines = 0;
            for (int i = 0; i < lines.length; i++) {
                long start = records.get(i)[1] - 1; // 0-based: the record's first byte
                // counts the newlines up to the record's first byte, that byte included: when it is the line feed of
                // a CRLF, it ends the line before
                while (base + at <= start) {
                    if (at == n) {
                        base += n;
                        at = 0;
                        n = Math.max(0, in.read(buf));
                        if (n == 0) break;
                    }
                    long stop = Math.min(n, start - base + 1);
                    for (; at < stop; at++) if (buf[at] == '\n') newlines++;
                }
                lines[i] = newlines + 1;
            }
        }
        return lines;
    }
}
