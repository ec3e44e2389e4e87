package io.sluice.engine;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The byte where each bad record starts in the file a range was copied to (its spool), for the ranges whose records are
 * named by byte ({@link LocateBudget#countsLines}): only the range's own bytes are read, never those before it. A csv
 * record's byte comes from DuckDB's byte position of it, a JSON or text line's from the spool's line ends before it. A
 * spool read from a copy with even line ends ({@link LineEnds#copies}) is mapped back to the spool's bytes, its CRs
 * counted.
 */
final class RecordBytes {
    private RecordBytes() {}

    /**
     * Creates the table {@code name (file_path, line, start)}: the 0-based byte {@code start} in its spool of each bad
     * record of {@code rejects} (a csv read's: with {@code line_start}, see {@link Reader}) read from one of the keys of
     * {@code spools}, each the spool itself or a copy of the spool it maps to. Files Java cannot decompress are left
     * out: their records have no byte; so are a copy's whose spool is not read so far by {@code deadline} (a {@link
     * System#nanoTime}, the budget of naming a record, {@link LocateBudget#time}), as {@link RecordOrigins} leaves a
     * record it does not reach by then.
     */
    static void create(Statement s, String rejects, String name, Map<String, Path> spools, boolean csv, long deadline)
            throws SQLException, IOException {
        PhysicalLines.table(s, rejects, csv ? "line_start" : "line", name, "start", (file, records) -> {
            Path spool = spools.get(file.toString());
            if (spool == null) return null;
            long[] starts = starts(file, csv, records);
            if (spool.equals(file)) return starts;
            // the spool is read once more, as it was for the copy: a huge one, not by the deadline, names no byte
            return LineEnds.originalOffsets(spool, starts, () -> System.nanoTime() - deadline > 0);
        });
    }

    /**
     * The 0-based byte where each record starts, in the order given (ascending): a csv record at DuckDB's 1-based
     * position, which is its first byte or (after a CRLF) the line feed before it, so line ends there are passed over;
     * else the record on the given 1-based line.
     */
    static long[] starts(Path file, boolean csv, List<long[]> records) throws IOException {
        long[] starts = new long[records.size()];
        boolean gz = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
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
