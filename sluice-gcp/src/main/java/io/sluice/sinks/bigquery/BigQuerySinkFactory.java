package io.sluice.sinks.bigquery;

import com.google.cloud.bigquery.TableId;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.gcp.bigquery.BigQueryAccess;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import java.util.List;

/** Declares the {@code bigquery} sink. */
public final class BigQuerySinkFactory implements SinkFactory<Options> {
    static final Field<String> PROJECT = Field.required(
            "project", Type.STRING, "The Google Cloud project the dataset is in; jobs run and are billed there.");
    static final Field<String> DATASET = Field.required(
            "dataset", Type.STRING, "The dataset of the table (it must exist: `bq mk --dataset PROJECT:DATASET`).");
    static final Field<String> TABLE = Field.required(
            "table",
            Type.STRING,
            "The table; created from the output's columns when missing (type mapping: docs/sinks/bigquery.md).");
    static final Field<String> MODE = Field.optional(
            "mode",
            Type.choice("append", "merge"),
            "append",
            "`append` adds the split's rows (a replay replaces them); `merge` writes them over the rows with the same "
                    + "`keys` (`MERGE`), adding the others.");
    static final Field<List<String>> KEYS = Field.optional(
            "keys",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "Columns that identify a row: what `merge` matches on (needed for `merge`).");
    static final Type.Obj OPTIONS = Type.Obj.of(
            "A BigQuery table, loaded through load jobs from Parquet.",
            PROJECT,
            DATASET,
            TABLE,
            MODE,
            KEYS,
            BigQueryAccess.LOCATION,
            BigQueryAccess.CREDENTIALS,
            BigQueryAccess.ENDPOINT);

    @Override
    public String kind() {
        return "bigquery";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Writes each split's rows to a BigQuery table exactly once: the rows go up as Parquet in a load job "
                + "whose id is made of the split id and the claim's fencing token (so BigQuery itself refuses a second "
                + "load of one attempt), into a staging table; then one multi-statement transaction refuses a stale "
                + "claim, deletes the rows the split committed before, inserts (`append`) or merges on `keys` "
                + "(`merge`), and records the split and its token in `_sluice_commits`. See docs/sinks/bigquery.md.";
    }

    @Override
    public Sink create(Options o, PipelineContext context) {
        String mode = o.get(MODE);
        List<String> keys = o.get(KEYS);
        if (keys.stream().distinct().count() != keys.size()) throw o.problem(KEYS, "a column is named twice");
        if (mode.equals("merge") && keys.isEmpty()) {
            throw o.problem(KEYS, "mode merge matches rows on keys; name the columns that identify a row (keys: [id])");
        }
        BigQueryAccess access = BigQueryAccess.of(o, PROJECT);
        return new BigQuerySink(
                access, TableId.of(o.get(PROJECT), o.get(DATASET), o.get(TABLE)), mode, keys, o, context);
    }
}
