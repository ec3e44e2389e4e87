package io.sluice.sinks.files;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoreSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Declares the {@code files} sink. */
public final class FilesSinkFactory implements SinkFactory<Options> {
    static final Field<String> PATH = Field.required(
            "path",
            Type.LOCATION,
            "Output folder (relative to the pipeline "
                    + "file), or an object store's URL (`s3://bucket/prefix/`, module sluice-aws; `gs://`, `az://` where their "
                    + "store is on the class path; see docs/sinks/files.md). A run creates a local folder when missing, with its "
                    + "missing parent folders only inside the pipeline file's folder (elsewhere a missing parent is reported as "
                    + "a likely typo).");
    static final Field<String> FORMAT =
            Field.optional("format", Type.choice("parquet", "csv", "jsonl"), "parquet", "File format of the output.");
    static final Field<String> COMPRESSION = Field.computed(
            "compression",
            Type.choice("none", "zstd", "gzip", "snappy"),
            "`zstd` for parquet, `none` for csv and jsonl",
            "Compression of the output files (csv and jsonl: `none`, `gzip` or `zstd`).");
    static final Field<List<String>> PARTITION_BY = Field.optional(
            "partition_by",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "Columns to partition by, as hive-style folders (`region=eu/part-....parquet`).");
    /** A block beside {@code path} for each object store on the class path that takes settings, by block name. */
    static final Map<String, Field<Options>> STORE_BLOCKS = StoreSettings.fields();

    static final Type.Obj OPTIONS = declared();

    private static Type.Obj declared() {
        List<Field<?>> fields = new java.util.ArrayList<>(List.of(PATH));
        fields.addAll(STORE_BLOCKS.values());
        fields.addAll(List.of(FORMAT, COMPRESSION, PARTITION_BY));
        return Type.Obj.of("Files in a local folder or an object store's prefix.", fields.toArray(Field<?>[]::new));
    }

    @Override
    public String kind() {
        return "files";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Writes each split's records to files named after the input they hold (every version of an input, and every replay, writes the same keys): staged locally, then each file "
                + "written whole to its key (an atomic rename on local disk, one PUT or a multipart upload on an object "
                + "store), and a manifest per split written last: a replayed split replaces its own files and never "
                + "duplicates them. Bad records go to `_dead_letter/` as JSON lines. Readers should ignore folders "
                + "starting with `_`: Spark and Hive do; DuckDB's `**` glob does not, so read `out/*.parquet` (or "
                + "`out/*/*.parquet` with one `partition_by` column) rather than `out/**/*.parquet`.";
    }

    @Override
    public Sink create(Options o, PipelineContext context) {
        String format = o.get(FORMAT);
        String compression = o.find(COMPRESSION).orElse(format.equals("parquet") ? "zstd" : "none");
        if (compression.equals("snappy") && !format.equals("parquet")) {
            throw o.problem(COMPRESSION, "snappy is only for parquet; use none, gzip or zstd for " + format);
        }
        String path = o.get(PATH);
        Path local = ObjectStores.isUrl(path) ? null : Path.of(path);
        ObjectStore store;
        try {
            store = ObjectStores.open(path, StoreSettings.given(o, STORE_BLOCKS));
        } catch (IOException | IllegalArgumentException e) {
            throw o.problem(PATH, "cannot open " + path + ": " + e.getMessage());
        }
        return new FilesSink(
                store, local, format, compression, o.get(PARTITION_BY), o, context.baseDir(), context.pipeline());
    }
}
