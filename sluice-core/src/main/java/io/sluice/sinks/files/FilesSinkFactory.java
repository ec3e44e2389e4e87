package io.sluice.sinks.files;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Sink;
import io.sluice.spi.SinkFactory;
import java.util.List;

/** Declares the {@code files} sink. */
public final class FilesSinkFactory implements SinkFactory<Options> {
    static final Field<java.nio.file.Path> PATH = Field.required("path", Type.PATH, "Output folder; a run creates it when missing, with its missing parent folders "
                    + "only inside the pipeline file's folder (elsewhere a missing parent is reported as a likely typo).");
    static final Field<String> FORMAT = Field.optional("format", Type.choice("parquet", "csv", "jsonl"), "parquet", "File format of the output.");
    static final Field<String> COMPRESSION = Field.computed("compression", Type.choice("none", "zstd", "gzip", "snappy"),
                    "`zstd` for parquet, `none` for csv and jsonl",
                    "Compression of the output files (csv and jsonl: `none`, `gzip` or `zstd`).");
    static final Field<List<String>> PARTITION_BY = Field.optional("partition_by", Type.oneOrMany(Type.STRING), List.of(),
                    "Columns to partition by, as hive-style folders (`region=eu/part-....parquet`).");
    static final Type.Obj OPTIONS = Type.Obj.of("Files in a local folder.", PATH, FORMAT, COMPRESSION, PARTITION_BY);

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
        return "Writes each split's records to files named after the split id, first under `_sluice/staging/`, "
                + "then moved into place with an atomic rename: a replayed split replaces its own files and never "
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
        return new FilesSink(o.get(PATH), format, compression, o.get(PARTITION_BY), o, context.baseDir());
    }
}
