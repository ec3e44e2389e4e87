package io.sluice.spi.source;

import io.sluice.spi.LineParse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Records as local files in a format the engine reads natively: the fast path. DuckDB reading a local file runs at
 * 0.85-0.91 of raw DuckDB on benchmark B1 ({@code docs/benchmarks.md}), so a connector whose data is bytes (files,
 * objects) hands over local files: read in place, or downloaded once into the split's scratch.
 *
 * @param parts  each file with the name a user knows it by (for dead letters and errors)
 * @param format csv | jsonl | parquet | text
 * @param header csv only: the files start with a header line
 * @param parse  text only: how lines become columns; null for one column {@code line}
 */
public record LocalFiles(List<Part> parts, String format, boolean header, LineParse parse) {
    public LocalFiles {
        parts = List.copyOf(parts);
    }

    /** The same files but these parts. */
    public LocalFiles withParts(List<Part> other) {
        return new LocalFiles(other, format, header, parse);
    }

    /**
     * A readable local file.
     *
     * @param file  what the engine reads (the input itself, or a spool of it)
     * @param key   the name the user knows the input by
     * @param shift how many lines of the input come before the file's first line of data, so that a dead letter
     *              names the line of the input (a spool of a byte range, its header line copied in front)
     */
    public record Part(Path file, String key, LineShift shift) {
        public static Part whole(Path file, String key) {
            return new Part(file, key, LineShift.NONE);
        }
    }

    /** Lines of the input before a part's first line; computed only when a dead letter needs it. */
    @FunctionalInterface
    public interface LineShift {
        LineShift NONE = () -> 0;

        long lines() throws IOException;
    }
}
