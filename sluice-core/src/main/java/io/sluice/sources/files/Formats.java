package io.sluice.sources.files;

import java.util.Locale;
import java.util.Optional;

/** File formats and compression, from the file name. */
final class Formats {
    /** Files handed whole, as bytes, to a step that reads them so (exec): never parsed, never cut. */
    static final String WHOLE = "file";

    private Formats() {}

    static boolean compressed(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".gz") || n.endsWith(".zst") || n.endsWith(".zstd");
    }

    static Optional<String> fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT).replaceFirst("\\.(gz|zst|zstd)$", "");
        int dot = n.lastIndexOf('.');
        String ext = dot < 0 ? "" : n.substring(dot + 1);
        return Optional.ofNullable(
                switch (ext) {
                    case "csv", "tsv" -> "csv";
                    case "jsonl", "ndjson", "json" -> "jsonl";
                    case "parquet" -> "parquet";
                    case "txt", "log", "text" -> "text";
                    default -> null;
                });
    }

    /** Line formats can be cut into byte ranges at newlines (when not compressed). */
    static boolean lineFormat(String format) {
        return !format.equals("parquet") && !format.equals(WHOLE);
    }
}
