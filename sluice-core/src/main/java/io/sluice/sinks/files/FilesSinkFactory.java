package io.sluice.sinks.files;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Declares the {@code files} sink. */
public final class FilesSinkFactory implements SinkFactory {
    static final Type.Obj OPTIONS = Type.Obj.of("Files in a local folder or an object store's prefix.",
            Field.required("path", Type.LOCATION, "Output folder (relative to the pipeline file), or an object store's "
                    + "URL (`s3://bucket/prefix/`, module sluice-aws; see docs/sinks/files.md). A run creates a local folder when missing, with "
                    + "its missing parent folders only inside the pipeline file's folder (elsewhere a missing parent is "
                    + "reported as a likely typo)."),
            Field.optional("format", Type.choice("parquet", "csv", "jsonl"), "parquet", "File format of the output."),
            Field.computed("compression", Type.choice("none", "zstd", "gzip", "snappy"),
                    "`zstd` for parquet, `none` for csv and jsonl",
                    "Compression of the output files (csv and jsonl: `none`, `gzip` or `zstd`)."),
            Field.optional("partition_by", Type.oneOrMany(Type.STRING), List.of(),
                    "Columns to partition by, as hive-style folders (`region=eu/part-....parquet`)."),
            Field.optional("s3", new Type.MapOf(Type.STRING), Map.of(), "Settings of an `s3://` path: `endpoint`, "
                    + "`region`, `path_style`, `profile`, `part_size`, ... (docs/storage.md); credentials come from "
                    + "the default chain, never from here."));

    @Override
    public String kind() {
        return "files";
    }

    @Override
    public Type options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Writes each split's records to files named after the split id: staged locally, then each file "
                + "written whole to its key (an atomic rename on local disk, one PUT or a multipart upload on an object "
                + "store), and a manifest per split written last: a replayed split replaces its own files and never "
                + "duplicates them. Bad records go to `_dead_letter/` as JSON lines. Readers should ignore folders "
                + "starting with `_`: Spark and Hive do; DuckDB's `**` glob does not, so read `out/*.parquet` (or "
                + "`out/*/*.parquet` with one `partition_by` column) rather than `out/**/*.parquet`.";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> settings(Options o) {
        Object block = o.values().get("s3");
        return block == null ? Map.of() : (Map<String, Object>) block;
    }

    @Override
    public Sink create(Object options, PipelineContext context) {
        Options o = (Options) options;
        String format = o.string("format");
        String compression = o.optionalString("compression").orElse(format.equals("parquet") ? "zstd" : "none");
        if (compression.equals("snappy") && !format.equals("parquet")) {
            throw o.problem("compression", "snappy is only for parquet; use none, gzip or zstd for " + format);
        }
        String path = o.string("path");
        Path local = ObjectStores.isUrl(path) ? null : Path.of(path);
        ObjectStore store;
        try {
            store = local != null ? new LocalObjectStore(local) : ObjectStores.open(path, Map.of("s3", settings(o)));
        } catch (IOException | IllegalArgumentException e) {
            throw o.problem("path", "cannot open " + path + ": " + e.getMessage());
        }
        return new FilesSink(store, local, format, compression, o.list("partition_by"), o, context.baseDir());
    }
}
