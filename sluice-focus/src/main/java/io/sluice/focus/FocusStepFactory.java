package io.sluice.focus;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.spec.FocusSpec;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Step;
import io.sluice.spi.StepFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Declares the {@code focus} step. */
public final class FocusStepFactory implements StepFactory<Options> {
    static final Field<String> PROVIDER = Field.required(
            "provider",
            providers(),
            "The export: `aws-cur` (legacy CUR, `lineItem/...` columns), `aws-cur2` (CUR 2.0, or legacy CUR "
                    + "in Parquet with `line_item_...` columns), `gcp` (BigQuery detailed billing export as "
                    + "JSON lines or Parquet), `azure` (EA or MCA cost details, actual or amortized, export or "
                    + "portal download), `oci` (cost reports), or `auto` (each row by its columns).");
    static final Field<String> VERSION =
            Field.optional("version", new Type.Choice(FocusSpec.VERSIONS), "1.2", "FOCUS version to produce.");
    static final Field<Boolean> KEEP_SOURCE_COLUMNS = Field.optional(
            "keep_source_columns",
            Type.BOOL,
            Boolean.FALSE,
            "Also keep every input column, renamed `x_<name>`, after the FOCUS columns (for audit).");
    static final Field<Boolean> VALIDATE = Field.optional(
            "validate",
            Type.BOOL,
            Boolean.FALSE,
            "Check every output row against the FOCUS rules that apply to one row. A failing row follows "
                    + "`run.on_bad_record`: `fail` fails the split, `dead_letter` writes the row (as JSON) and "
                    + "the rules it breaks to the dead letters, `skip` drops and counts it.");
    static final Field<Path> MAPPING = Field.computed(
            "mapping",
            Type.PATH,
            "the built-in mapping of `provider`",
            "A mapping file (YAML) to use instead: a copy of a built-in one, or a file starting with "
                    + "`extends: <provider>` that changes only some entries. See `sluice focus mapping`.");
    static final Type.Obj OPTIONS = Type.Obj.of(
            "Converts a cloud billing export to FOCUS.", PROVIDER, VERSION, KEEP_SOURCE_COLUMNS, VALIDATE, MAPPING);

    @Override
    public String kind() {
        return "focus";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Converts AWS (CUR legacy and 2.0), Google Cloud, Azure and Oracle Cloud billing exports to FOCUS "
                + "(FinOps Open Cost and Usage Specification): exact decimal costs, UTC date-times with exclusive "
                + "ends, the spec's values, Tags as JSON, provider extras as `x_` columns. The conversion is a "
                + "readable mapping file per provider (`sluice focus mapping PROVIDER` prints it); "
                + "`sluice focus validate` checks any FOCUS dataset.";
    }

    @Override
    public Step create(Options o, PipelineContext context) {
        String provider = o.get(PROVIDER);
        Path mapping = o.get(MAPPING);
        if (provider.equals("auto") && mapping != null) {
            throw o.problem(MAPPING, "a mapping file replaces one provider's mapping: set `provider` to it, not auto");
        }
        try {
            return FocusStep.of(
                    provider,
                    o.get(VERSION),
                    mapping,
                    o.get(KEEP_SOURCE_COLUMNS),
                    o.get(VALIDATE),
                    context.onBadRecord());
        } catch (IllegalArgumentException e) {
            throw o.problem(mapping == null ? PROVIDER : MAPPING, e.getMessage());
        }
    }

    private static Type<String> providers() {
        List<String> all = new ArrayList<>(MappingLoader.PROVIDERS);
        all.add("auto");
        return new Type.Choice(all);
    }
}
