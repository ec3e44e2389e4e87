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
public final class AggregateStepFactory implements StepFactory<Options> {
    static final Field<String> WINDOW_COLUMN = Field.required("column", Type.STRING, "A timestamp column.");
    static final Field<Duration> WINDOW_SIZE =
            Field.required("size", Type.DURATION, "Bucket size, e.g. `1h`, `15m`, `1d`.");
    static final Type.Obj WINDOW = Type.Obj.of("Time buckets.", WINDOW_COLUMN, WINDOW_SIZE);

    static final Field<List<String>> GROUP_BY =
            Field.optional("group_by", Type.oneOrMany(Type.STRING), List.of(), "Columns to group by.");
    static final Field<Options> WINDOW_BLOCK = Field.computed(
            "window",
            WINDOW,
            "none",
            "Also group by time bucket of `column`: adds `window_start` and `window_end` columns.");
    static final Field<Map<String, String>> MEASURES = Field.required(
            "measures",
            Type.mapOf(Type.STRING),
            "Output column to measure: `sum(x)`, `count(*)`, `count(x)`, `min(x)`, `max(x)`, `avg(x)`, "
                    + "`count_distinct(x)` (also written `count(distinct x)`); `x` is any SQL expression over the input.");
    static final Field<String> EMIT = Field.optional(
            "emit",
            Type.choice("totals", "changes"),
            "totals",
            "`totals`: the sink receives every group, the whole table replaced atomically after each run or "
                    + "scan. `changes`: only the groups whose values changed, as a new file each time.");

    static final Type.Obj OPTIONS =
            Type.Obj.of("Group and measure, exactly across splits.", GROUP_BY, WINDOW_BLOCK, MEASURES, EMIT);

    @Override
    public String kind() {
        return "aggregate";
    }

    @Override
    public Type<Options> options() {
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
    public Step create(Options o, PipelineContext context) {
        List<Measure> measures = new ArrayList<>();
        for (Map.Entry<String, String> e : o.get(MEASURES).entrySet()) {
            try {
                measures.add(Measure.parse(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw o.problem(MEASURES, e.getKey() + ": " + ex.getMessage());
            }
        }
        if (measures.isEmpty()) throw o.problem(MEASURES, "name at least one measure, e.g. `rows: count(*)`");
        Duration size = null;
        String windowColumn = null;
        if (o.has(WINDOW_BLOCK)) {
            Options w = o.get(WINDOW_BLOCK);
            size = w.get(WINDOW_SIZE);
            windowColumn = w.get(WINDOW_COLUMN);
            if (size.isZero()) throw w.problem(WINDOW_SIZE, "must be more than 0");
        }
        return new AggregateStep(
                o.get(GROUP_BY), windowColumn, size, measures, o.get(EMIT).equals("changes"));
    }
}
