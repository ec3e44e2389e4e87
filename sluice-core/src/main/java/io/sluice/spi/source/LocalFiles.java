package io.sluice.spi.source;

import io.sluice.spi.LineParse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Records as local files in a format the engine reads natively: the fast path. DuckDB reading a local file runs at
 * 0.85-0.91 of raw DuckDB on benchmark B1 ({@code docs/benchmarks.md}), so a connector whose data is bytes (files,
 * objects) hands over local files: read in place, or downloaded once into the split's scratch.
 *
 * @param parts  each file with the name a user knows it by (for dead letters and errors)
 * @param format csv | jsonl | parquet | text
 * @param header csv only: the files start with a header line
 * @param parse  text only: how lines become columns; null for one column {@code line}
 * @param columns csv only: every column of the files, in order, with its DuckDB type ({@code BIGINT},
 *                {@code DECIMAL(12,2)}, {@code TIMESTAMP WITH TIME ZONE}), for a spool whose writer knows the types
 *                (a database's result set): the engine then reads it as written, nothing sniffed. An unquoted empty
 *                field is NULL, a quoted one ({@code ""}) the empty string, as PostgreSQL's {@code COPY ... CSV}
 *                writes them. Empty: the engine detects the columns and types from the files
 * @param textColumns csv only, without {@code columns}: every column is read as text, exactly as written (no type is
 *                detected: {@code 01234}, {@code f} and {@code 1e5} stay as they are; {@code ""} is the empty string)
 * @param encoding csv and text: the files' character encoding, {@code utf-8} or {@code latin-1}
 * @param fix what a user does about a bad record of these files, for the error of a split that fails on one
 *     ({@code run.on_bad_record: fail}): {@link #FIX_THE_FILE}, or for a spool of a database's rows, what to select
 *     instead (there is no file to fix)
 * @param declared without {@code columns} (a split of other files than csv fails on them): types the user declared for some columns ({@code
 *     source.files.types}), DuckDB type names by column name; they hold in every file and range, the other columns are
 *     detected (or text, with {@code textColumns})
 */
public record LocalFiles(
        List<Part> parts,
        String format,
        boolean header,
        LineParse parse,
        Map<String, String> columns,
        boolean textColumns,
        String encoding,
        String fix,
        Map<String, String> declared) {
    /** What to do about a bad record of a file a user gave. */
    public static final String FIX_THE_FILE = "fix the file";

    /** What to do about a bad row of a query's result, when the source says nothing more precise. */
    public static final String FIX_THE_QUERY = "it is a row of the query's result, not a file: select the column so "
            + "that its values can be read (a cast in the query)";

    /** The encodings the engine reads besides UTF-8: ASCII-compatible, so lines and quotes are found as in UTF-8. */
    public static final List<String> ENCODINGS = List.of("utf-8", "latin-1");

    public LocalFiles {
        if (!ENCODINGS.contains(encoding)) {
            throw new IllegalArgumentException("encoding " + encoding + " is not one of " + ENCODINGS);
        }
        parts = List.copyOf(parts);
        columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
        if (!columns.isEmpty() && !format.equals("csv")) {
            throw new IllegalArgumentException("typed columns are for csv files, not " + format);
        }
        java.util.Objects.requireNonNull(fix);
        declared = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(declared));
        // a user's declared types beside typed columns (a database's): a bug. Beside files of another format: the
        // user's, which the engine refuses for the split (a file named .jsonl among csv files)
        if (!declared.isEmpty() && !columns.isEmpty()) {
            throw new IllegalArgumentException("declared types are for csv files a user gave, not typed columns");
        }
    }

    /** Files whose columns the engine detects. */
    public LocalFiles(List<Part> parts, String format, boolean header, LineParse parse) {
        this(parts, format, header, parse, Map.of(), false, "utf-8", FIX_THE_FILE, Map.of());
    }

    /** CSV files with a header line, written with these columns and types (see {@link #columns}). */
    public static LocalFiles typedCsv(List<Part> parts, Map<String, String> columns) {
        return new LocalFiles(parts, "csv", true, null, columns, false, "utf-8", FIX_THE_QUERY, Map.of());
    }

    /** The same files, with this advice about a bad record ({@link #fix}). */
    public LocalFiles withFix(String advice) {
        return new LocalFiles(parts, format, header, parse, columns, textColumns, encoding, advice, declared);
    }

    /** The same files but these parts. */
    public LocalFiles withParts(List<Part> other) {
        return new LocalFiles(other, format, header, parse, columns, textColumns, encoding, fix, declared);
    }

    /** The same files, csv ones read with every column as text ({@link #textColumns}) when {@code text}. */
    public LocalFiles withTextColumns(boolean text) {
        return new LocalFiles(
                parts,
                format,
                header,
                parse,
                columns,
                text && format.equals("csv") && columns.isEmpty(),
                encoding,
                fix,
                declared);
    }

    /** The same files, read in {@code charset} (one of {@link #ENCODINGS}). */
    public LocalFiles withEncoding(String charset) {
        return new LocalFiles(parts, format, header, parse, columns, textColumns, charset, fix, declared);
    }

    /**
     * The same files with these columns' types declared ({@link #declared}): a csv file's columns take them; a file of
     * another format (read so by its extension) cannot, and its split fails saying so rather than ignore them.
     */
    public LocalFiles withDeclared(Map<String, String> types) {
        return columns.isEmpty()
                ? new LocalFiles(parts, format, header, parse, columns, textColumns, encoding, fix, types)
                : this;
    }

    /**
     * A readable local file.
     *
     * @param file  what the engine reads (the input itself, or a spool of it)
     * @param key   the name the user knows the input by
     * @param shift how many lines of the input come before the file's first line of data, so that a dead letter
     *              names the line of the input (a spool of a byte range, its header line copied in front)
     * @param head  a csv or JSON lines byte range of its input: a spool of the input's head (a csv file's header
     *              line and first records, of the same version as the range), from whose sniff a csv range takes its
     *              columns' types, and from whose records with its own a JSON lines range takes its columns, so that
     *              every range of one input is typed alike; null: the file's own
     */
    public record Part(Path file, String key, LineShift shift, Path head) {
        public Part(Path file, String key, LineShift shift) {
            this(file, key, shift, null);
        }

        public static Part whole(Path file, String key) {
            return new Part(file, key, LineShift.NONE);
        }
    }

    /** Lines of the input before a part's first line; computed only when a dead letter needs it. */
    @FunctionalInterface
    public interface LineShift {
        LineShift NONE = () -> 0;

        long lines() throws IOException;

        /**
         * The byte of the input (of its uncompressed content) where the part's own bytes start: 0 for a whole input. A
         * csv range with a header has the input's header line copied in front of them.
         */
        default long startByte() {
            return 0;
        }

        /** Whether {@link #lines} reads the bytes before the part over a network (an object store), not from a disk. */
        default boolean remote() {
            return false;
        }
    }
}
