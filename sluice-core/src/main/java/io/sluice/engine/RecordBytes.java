package io.sluice.engine;

import io.sluice.spi.Sql;
import java.io.BufferedInputStream;
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
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The byte where each bad record starts in the file a range was copied to (its spool), for the ranges whose records are
 * named by byte ({@link LocateBudget#countsLines}): only the range's own bytes are read, never those before it. A csv
 * record's byte comes from DuckDB's byte position of it, a JSON or text line's from the spool's line ends before it.
 */
final class RecordBytes {
    private RecordBytes() {}

    /**
     * Creates the table {@code name (file_path, line, start)}: the 0-based byte {@code start} in its spool of each bad
     * record of {@code rejects} (a csv read's: with {@code line_start}, see {@link Reader}) whose spool is one of
     * {@code spools}. Files Java cannot decompress are left out: their records have no byte.
     */
    static void create(Statement s, String rejects, String name, Set<String> spools, boolean csv)
            throws SQLException, IOException {
        Map<String, List<long[]>> byFile = new LinkedHashMap<>();
        String at = csv ? "line_start" : "line";
        try (ResultSet r = s.executeQuery("SELECT DISTINCT file_path, line, " + at + " FROM " + rejects + " WHERE " + at
                + " IS NOT NULL ORDER BY file_path, " + at)) {
            while (r.next()) {
                if (!spools.contains(r.getString(1))) continue;
                byFile.computeIfAbsent(r.getString(1), f -> new ArrayList<>())
                        .add(new long[] {r.getLong(2), r.getLong(3)});
            }
        }
        s.execute("CREATE OR REPLACE TEMP TABLE " + name + " (file_path VARCHAR, line BIGINT, start BIGINT)");
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, List<long[]>> file : byFile.entrySet()) {
            Path path = Path.of(file.getKey());
            String lower = path.getFileName().toString().toLowerCase(Locale.ROOT);
            if (lower.endsWith(".zst") || lower.endsWith(".zstd")) continue; // no decoder here
            long[] starts = starts(path, lower.endsWith(".gz"), csv, file.getValue());
            for (int i = 0; i < starts.length; i++) {
                values.add("(" + Sql.literal(file.getKey()) + ", "
                        + file.getValue().get(i)[0] + ", " + starts[i] + ")");
                if (values.size() == 1000) PhysicalLines.insert(s, name, values);
            }
        }
        if (!values.isEmpty()) PhysicalLines.insert(s, name, values);
    }

    /**
     * The 0-based byte where each record starts, in the order given (ascending): a csv record at DuckDB's 1-based
     * position, which is its first byte or (after a CRLF) the line feed before it, so line ends there are passed over;
     * else the record on the given 1-based line.
     */
    static long[] starts(Path file, boolean gz, boolean csv, List<long[]> records) throws IOException {
        long[] starts = new long[records.size()];
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            long offset = 0; // of the byte in b
            long line = 1; // of the byte in b
            int b = in.read();
            for (int i = 0; i < starts.length; i++) {
                long at = records.get(i)[1];
                if (csv) {
                    for (; b >= 0 && offset < at - 1; offset++) b = in.read();
                    for (; b == '\r' || b == '\n'; offset++) b = in.read();
                } else {
                    for (; b >= 0 && line < at; offset++) {
                        if (b == '\n') line++;
                        b = in.read();
                    }
                }
                starts[i] = offset;
            }
        }
        return starts;
    }
}
