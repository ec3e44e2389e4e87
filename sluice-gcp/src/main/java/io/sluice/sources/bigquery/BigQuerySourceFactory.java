package io.sluice.sources.bigquery;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.gcp.bigquery.BigQueryAccess;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SourceFactory;

/** Declares the {@code bigquery} source: the result of a query. */
public final class BigQuerySourceFactory implements SourceFactory<Options> {
    static final Field<String> PROJECT =
            Field.required("project", Type.STRING, "The Google Cloud project the query runs (and is billed) in.");
    static final Field<String> QUERY = Field.required(
            "query", Type.STRING, "A GoogleSQL SELECT; tables written `project.dataset.table` or `dataset.table`.");
    static final Field<String> AFTER_CHANGE = Field.optional(
            "after_change",
            Type.choice("fail", "add"),
            "fail",
            "What an edited query does: fail stops the plan until you choose (reset, or put the earlier query back); "
                    + "add reads it as new work beside what earlier queries wrote, for a query per range (each range "
                    + "read once, an edit that reads rows again doubles them).");
    static final Field<Long> PAGE_SIZE =
            Field.optional("page_size", Type.POSITIVE_INT, 10_000L, "Rows fetched per request of the result.");

    static final Type.Obj OPTIONS = Type.Obj.of(
            "The result of a BigQuery query.",
            PROJECT,
            QUERY,
            BigQueryAccess.LOCATION,
            BigQueryAccess.CREDENTIALS,
            BigQueryAccess.ENDPOINT,
            PAGE_SIZE,
            AFTER_CHANGE);

    @Override
    public String kind() {
        return "bigquery";
    }

    /** A member key with its hash, then the part ({@code #all}, a key range, an incremental range). */
    @Override
    public java.util.Optional<java.util.regex.Pattern> splitIds() {
        return java.util.Optional.of(BigQuerySource.SPLIT_ID);
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Reads the result of a BigQuery query: one split, read once per ledger (like a full read of the jdbc "
                + "source); a changed query stops the plan until the ledger is reset or the query put back (or, with "
                + "after_change: add, is read beside the earlier output). Column "
                + "types are kept (docs/sources/bigquery.md); a column of a type Sluice cannot map fails the read with "
                + "the cast to use.";
    }

    @Override
    public Source create(Options o, PipelineContext context) {
        String query = o.get(QUERY).strip().replaceFirst(";\\s*$", "");
        if (query.isEmpty()) throw o.problem(QUERY, "the query is empty");
        return new BigQuerySource(
                BigQueryAccess.of(o, PROJECT),
                query,
                Math.toIntExact(o.get(PAGE_SIZE)),
                o.get(AFTER_CHANGE).equals("add"),
                o,
                context.pipelineFile().toString());
    }
}
