package io.sluice.spi.sink;

import java.nio.file.Path;
import java.util.List;

/**
 * The rows the engine hands a sink, in a form no connector is tied to: a sink either has the engine write them as
 * local files of a format it names ({@link #writeFiles}: DuckDB's COPY, the fast path for file and object-store sinks,
 * measured at the speed of DuckDB itself), or reads them one by one ({@link #cursor}: for row sinks, a database or a
 * topic). Rows are computed when asked, once per call; ask one of the two once.
 */
public interface Rows {

    /**
     * No rows and no columns: what a split whose inputs hold neither (csv files of 0 bytes) hands the sink, so that its
     * commit still replaces the output of the inputs' earlier versions with nothing. {@link #writeFiles} writes no
     * file. A sink creates no table or column for it.
     */
    Rows NONE = new Rows() {
        @Override
        public List<String> columns() {
            return List.of();
        }

        @Override
        public List<String> columnTypes() {
            return List.of();
        }

        @Override
        public long writeFiles(Path target, FileSpec spec) {
            return 0;
        }

        @Override
        public RowCursor cursor() {
            return new RowCursor() {
                @Override
                public boolean next() {
                    return false;
                }

                @Override
                public Object get(int index) {
                    throw new IndexOutOfBoundsException("no rows");
                }

                @Override
                public void close() {}
            };
        }
    };

    /** The columns' names, in order. */
    List<String> columns() throws Exception;

    /**
     * The columns' SQL types as the engine names them ({@code INTEGER}, {@code DECIMAL(18,3)}, {@code VARCHAR},
     * {@code TIMESTAMP WITH TIME ZONE}: DuckDB's names), in the order of {@link #columns}: what a sink creating a
     * table maps to its own types.
     */
    default List<String> columnTypes() throws Exception {
        throw new UnsupportedOperationException("these rows do not know their column types");
    }

    /**
     * Whether a type of {@link #columnTypes} is nested: a LIST or fixed-size array ({@code INTEGER[]},
     * {@code INTEGER[3]}), a STRUCT, a MAP or a UNION, whose values {@link #nestedAsJson} turns into JSON text.
     */
    static boolean nested(String engineType) {
        String t = engineType.toUpperCase(java.util.Locale.ROOT).trim();
        return t.endsWith("]") || t.startsWith("STRUCT(") || t.startsWith("MAP(") || t.startsWith("UNION(");
    }

    /**
     * The same rows with each value of a nested type (a STRUCT, a LIST or fixed-size array, a MAP, a UNION) as its
     * JSON text, in a text column: what a row sink writes into an existing JSON or text column, the same whichever way
     * it reads the rows ({@link #cursor}'s Java values are no JSON; {@link #writeFiles} writes them as JSON in csv files
     * too). These rows themselves when no column is nested.
     */
    default Rows nestedAsJson() throws Exception {
        return this;
    }

    /**
     * The same rows with each BLOB value as the hex digits of its bytes, in a text column: text that no way of reading
     * the rows changes (CSV printed a BLOB's bytes past ASCII as {@code \xC3}, the cursor gave a driver's object), for
     * a sink to turn back into bytes. These rows themselves when no column is a BLOB.
     */
    default Rows blobsAsHex() throws Exception {
        return this;
    }

    /**
     * Writes every row as local files in {@code spec}'s format: one file at {@code target}, or, when the spec
     * partitions, hive-style folders under {@code target} (a folder).
     *
     * @return the rows written
     */
    long writeFiles(Path target, FileSpec spec) throws Exception;

    /** The rows one by one. Close the cursor. */
    RowCursor cursor() throws Exception;

    /** Rows read one by one, as a row sink writes them. */
    interface RowCursor extends AutoCloseable {
        /** Moves to the next row; false after the last. */
        boolean next() throws Exception;

        /** The value of the column at {@code index} (0-based) in the current row, as a Java value; null for SQL NULL. */
        Object get(int index) throws Exception;

        @Override
        void close() throws Exception;
    }
}
