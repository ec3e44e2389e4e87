package io.sluice.spi.sink;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the engine writes rows as local files for a sink.
 *
 * @param format       {@code parquet}, {@code csv} (with a header line) or {@code jsonl}
 * @param compression  {@code none}, {@code gzip}, {@code zstd}, {@code snappy} (parquet only)
 * @param partitionBy  columns to partition by as hive-style folders ({@code col=value/}); empty: one file
 * @param baseName     the name of each file without extension; when partitioned, files are named
 *                     {@code <baseName>-<n>.<extension>} in each folder
 * @param appended     text columns added after the rows' own, each with one value in every row (a sink's
 *                     bookkeeping, such as the split that wrote the row), in order
 */
public record FileSpec(
        String format, String compression, List<String> partitionBy, String baseName, Map<String, String> appended) {
    public FileSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(baseName, "baseName");
        partitionBy = List.copyOf(partitionBy);
        appended = Collections.unmodifiableMap(new LinkedHashMap<>(appended));
        if (!List.of("parquet", "csv", "jsonl").contains(format)) {
            throw new IllegalArgumentException("format must be parquet, csv or jsonl, not " + format);
        }
    }

    public FileSpec(String format, String compression, List<String> partitionBy, String baseName) {
        this(format, compression, partitionBy, baseName, Map.of());
    }

    /** The same with a text column of one value added to every row. */
    public FileSpec withColumn(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(appended);
        more.put(name, value);
        return new FileSpec(format, compression, partitionBy, baseName, more);
    }

    /** One Parquet file, as partial results are kept. */
    public static FileSpec parquet(String baseName) {
        return new FileSpec("parquet", "zstd", List.of(), baseName);
    }

    /** The file extension, compression included ({@code .csv.gz}; Parquet compresses inside the file). */
    public String extension() {
        String base = switch (format) {
            case "parquet" -> ".parquet";
            case "csv" -> ".csv";
            default -> ".jsonl";
        };
        if (format.equals("parquet")) return base;
        return switch (compression) {
            case "gzip" -> base + ".gz";
            case "zstd" -> base + ".zst";
            default -> base;
        };
    }
}
