package io.sluice.steps.aggregate;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Step;
import io.sluice.spi.StepFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Declares the {@code aggregate} step. */
public final class AggregateStepFactory implements StepFactory {
    static final Type.Obj WINDOW = Type.Obj.of("Time buckets.",
            Field.required("column", Type.STRING, "A timestamp column."),
            Field.required("size", Type.DURATION, "Bucket size, e.g. `1h`, `15m`, `1d`."));

    static final Type.Obj OPTIONS = Type.Obj.of("Group and measure, exactly across splits.",
            Field.optional("group_by", Type.oneOrMany(Type.STRING), List.of(), "Columns to group by."),
            Field.computed("window", WINDOW, "none",
                    "Also group by time bucket of `column`: adds `window_start` and `window_end` columns."),
            Field.required("measures", new Type.MapOf(Type.STRING),
                    "Output column to measure: `sum(x)`, `count(*)`, `count(x)`, `min(x)`, `max(x)`, `avg(x)`, "
                            + "`count_distinct(x)` (also written `count(distinct x)`); `x` is any SQL expression over the input."),
            Field.optional("emit", Type.choice("totals", "changes"), "totals",
                    "`totals`: the sink receives every group, the whole table replaced atomically after each run or "
                            + "scan. `changes`: only the groups whose values changed, as a new file each time."));

    @Override
    public String kind() {
        return "aggregate";
    }

    @Override
    public Type options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Groups and measures records exactly, however they are split: each split's partial aggregate is "
                + "stored under its split id (a replayed split replaces its partial, it never adds twice), and the "
                + "totals are the merge of every partial, rebuilt after each run or scan; the partials of done splits are "
                + "compacted into one as they pile up. Must be the last step.";
    }

    @Override
    public Step create(Object options, PipelineContext context) {
        Options o = (Options) options;
        List<Measure> measures = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> declared = (Map<String, Object>) o.values().get("measures");
        for (Map.Entry<String, Object> e : declared.entrySet()) {
            try {
                measures.add(Measure.parse(e.getKey(), (String) e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw o.problem("measures", e.getKey() + ": " + ex.getMessage());
            }
        }
        if (measures.isEmpty()) throw o.problem("measures", "name at least one measure, e.g. `rows: count(*)`");
        Duration size = null;
        String windowColumn = null;
        if (o.has("window")) {
            Options w = o.block("window");
            size = w.duration("size");
            windowColumn = w.string("column");
            if (size.isZero()) throw w.problem("size", "must be more than 0");
        }
        return new AggregateStep(o.list("group_by"), windowColumn, size, measures, o.string("emit").equals("changes"));
    }
}
