package io.sluice.pipeline;

import io.sluice.config.Field;
import io.sluice.config.Type;
import io.sluice.spi.ComponentFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The declared shape of a pipeline file, assembled from the core blocks and every discovered component. */
public final class PipelineSchema {
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";

    private PipelineSchema() {
    }

    public static Type.Obj RETRIES = Type.Obj.of("How failing splits are retried.",
            Field.optional("max", new Type.Int(0, 1000), 3L,
                    "Retries after the first attempt; then the split is dead (see `sluice status`, `sluice retry`)."),
            Field.optional("backoff", Type.DURATION, Duration.ofSeconds(1),
                    "Wait before the first retry; doubles on each further retry, with +-20% jitter."),
            Field.optional("max_backoff", Type.DURATION, Duration.ofMinutes(5), "Upper bound of the wait."));

    public static Type.Obj ENGINE = Type.Obj.of("DuckDB, the engine every record step runs in.",
            Field.computed("memory_limit", Type.STRING, "DuckDB's default (80% of RAM)",
                    "Memory DuckDB may use before it spills to disk, e.g. `4GB`."),
            Field.computed("threads", Type.POSITIVE_INT, "cores / parallelism (at least 1)",
                    "Threads DuckDB uses, shared by all splits."),
            Field.computed("spill_path", Type.PATH, "`.sluice/spill` beside the pipeline",
                    "Folder for data that does not fit in memory."));

    public static Type.Obj RUN = Type.Obj.of("How the pipeline runs.",
            Field.optional("mode", Type.choice("once", "watch"), "once",
                    "`once`: process what is there now, then exit. `watch`: scan again every `interval` until stopped."),
            Field.optional("interval", Type.DURATION, Duration.ofSeconds(10), "How often `watch` mode scans the source."),
            Field.computed("parallelism", Type.POSITIVE_INT, "number of cores", "Splits processed at the same time."),
            Field.optional("retries", RETRIES, null, "Retry policy for failing splits."),
            Field.optional("on_bad_record", Type.choice("fail", "skip", "dead_letter"), "dead_letter",
                    "A record that cannot be read: `fail` the split, `skip` it (counted), or `dead_letter` it "
                            + "(written under the sink's `_dead_letter/` with reason, file and line)."),
            Field.optional("lease", Type.DURATION, Duration.ofSeconds(60),
                    "How long a claim lasts without a heartbeat; a crashed worker's splits are taken over after it. "
                            + "Heartbeats renew it every third of this."),
            Field.optional("engine", ENGINE, null, "Engine settings."));

    /** The whole pipeline file, with the kinds the given components provide. */
    public static Type.Obj of(Components c) {
        return Type.Obj.of("A pipeline: where the data comes from, what to do with it, where it goes.",
                Field.required("pipeline", Type.STRING,
                        "The pipeline's name: letters, digits, `_`, `.`, `-`. It keys the ledger: renaming it starts afresh."),
                Field.required("source", variant("Where the data comes from.", c.sources()), "Where the data comes from."),
                Field.optional("steps", Type.listOf(variant("One step.", c.steps())), java.util.List.of(),
                        "Record steps, applied in order; each sees the previous result as `input`."),
                Field.required("sink", variant("Where the results go.", c.sinks()), "Where the results go."),
                Field.computed("state", variant("Where the ledger lives.", c.ledgers()),
                        "`sqlite: .sluice/<pipeline>.db` beside the pipeline file",
                        "The ledger: the durable record of every split (`memory` alone is not durable: tests only)."),
                Field.optional("run", RUN, null, "How the pipeline runs."));
    }

    private static Type.Variant variant(String doc, Map<String, ? extends ComponentFactory> factories) {
        Map<String, Type> kinds = new LinkedHashMap<>();
        factories.forEach((kind, f) -> kinds.put(kind, f.options()));
        return new Type.Variant(doc, kinds);
    }
}
