package io.sluice.pipeline;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.ComponentFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The declared shape of a pipeline file, assembled from the core blocks and every discovered component. */
public final class PipelineSchema {
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";

    private PipelineSchema() {}

    static final Field<Long> MAX_RETRIES = Field.optional(
            "max",
            new Type.Int(0, 1000),
            3L,
            "Retries after the first attempt; then the split is dead (see `sluice status`, `sluice retry`). A split"
                    + " whose input is not ready yet (a tailed log's rotation still settling) is tried again once it"
                    + " is, not at the backoff; that attempt counts too.");
    static final Field<Duration> BACKOFF = Field.optional(
            "backoff",
            Type.DURATION,
            Duration.ofSeconds(1),
            "Wait before the first retry; doubles on each further retry, with +-20% jitter.");
    static final Field<Duration> MAX_BACKOFF =
            Field.optional("max_backoff", Type.DURATION, Duration.ofMinutes(5), "Upper bound of the wait.");
    public static final Type.Obj RETRIES =
            Type.Obj.of("How failing splits are retried.", MAX_RETRIES, BACKOFF, MAX_BACKOFF);

    static final Field<String> MEMORY_LIMIT = Field.computed(
            "memory_limit",
            Type.STRING,
            "DuckDB's default (80% of RAM)",
            "Memory DuckDB may use before it spills to disk, e.g. `4GB`.");
    static final Field<Long> THREADS = Field.computed(
            "threads",
            Type.POSITIVE_INT,
            "cores / parallelism (at least 1)",
            "Threads DuckDB uses, shared by all splits.");
    static final Field<Path> SPILL_PATH = Field.computed(
            "spill_path",
            Type.PATH,
            "`.sluice/spill` beside the pipeline",
            "Folder for data that does not fit in memory, and for each process's scratch folder (spools of byte ranges, a sink's staging files).");
    public static final Type.Obj ENGINE =
            Type.Obj.of("DuckDB, the engine every record step runs in.", MEMORY_LIMIT, THREADS, SPILL_PATH);

    static final Field<String> MODE = Field.optional(
            "mode",
            Type.choice("once", "watch"),
            "once",
            "`once`: process what is there now, then exit. `watch`: scan again every `interval` (or at the times of "
                    + "`schedule`) until stopped.");
    static final Field<Duration> INTERVAL = Field.optional(
            "interval",
            Type.DURATION,
            Duration.ofSeconds(10),
            "How often `watch` mode scans the source when it has no `schedule`.");
    static final Field<String> SCHEDULE = Field.computed(
            "schedule",
            Type.STRING,
            "none",
            "When to run, as a cron schedule a Kubernetes CronJob takes (`0 2 * * *`: 02:00 every day). `watch` mode "
                    + "then lists the source at these times instead of every `interval`; `sluice k8s generate` writes "
                    + "a CronJob that starts a `once` run at these times. "
                    + CronSchedule.SYNTAX
                    + ".");
    static final Field<String> TIME_ZONE = Field.computed(
            "time_zone",
            Type.STRING,
            "UTC",
            "The time zone of `schedule`, a tz database name (`Europe/Paris`, `America/New_York`): the same on every "
                    + "machine, and the generated CronJob's `timeZone`.");
    static final Field<Long> PARALLELISM =
            Field.computed("parallelism", Type.POSITIVE_INT, "number of cores", "Splits processed at the same time.");
    static final Field<Options> RETRIES_BLOCK =
            Field.optional("retries", RETRIES, null, "Retry policy for failing splits.");
    static final Field<String> ON_BAD_RECORD = Field.optional(
            "on_bad_record",
            Type.choice("fail", "skip", "dead_letter"),
            "dead_letter",
            "A record that cannot be read (or that a step or the sink's database refuses): `fail` the split (dead at "
                    + "once, not retried: fix the file, then `sluice retry`), `skip` it (counted), or `dead_letter` it "
                    + "(written under the sink's `_dead_letter/` as a JSON line of six fields: `split`, `file`, `line`, "
                    + "`byte`, `reason` and `record`, the raw record; `byte`, where the record starts, names it instead "
                    + "of its line for a byte range of an object in a store or more than 256 MB into a local file, see "
                    + "docs/guide.md \"Bad records and failures\"; the jdbc and bigquery sinks' "
                    + "go to their `_sluice_dead_letter` table, the iceberg sink's under its warehouse's "
                    + "`_sluice_dead_letter/<table>/`).");
    static final Field<Duration> LEASE = Field.optional(
            "lease",
            Type.DURATION,
            Duration.ofSeconds(60),
            "How long a claim lasts without a heartbeat; a crashed worker's splits are taken over after it. "
                    + "Heartbeats renew it every third of this.");
    static final Field<Options> ENGINE_BLOCK = Field.optional("engine", ENGINE, null, "Engine settings.");
    static final Field<Long> METRICS_PORT = Field.optional(
            "port",
            new Type.Int(0, 65535),
            (long) MetricsOptions.DEFAULT_PORT,
            "The port of `/metrics`; 0 takes a free one (the log says which).");
    static final Field<String> METRICS_HOST = Field.optional(
            "host",
            Type.STRING,
            MetricsOptions.DEFAULT_HOST,
            "The address to listen on: `0.0.0.0` every interface (a pod needs it), `127.0.0.1` this machine only.");
    public static final Type.Obj METRICS = Type.Obj.of(
            "Prometheus metrics of `sluice worker` and `sluice run` (docs/metrics.md).", METRICS_PORT, METRICS_HOST);
    // computed: an absent block means no endpoint at all, not one with the defaults
    static final Field<Options> METRICS_BLOCK = Field.computed(
            "metrics",
            METRICS,
            "none",
            "Serve Prometheus metrics on `http://HOST:PORT/metrics` while the run or worker runs (`{}` for the "
                    + "defaults); `sluice k8s generate` then adds a metrics Service (docs/metrics.md).");
    static final String LOCAL_RUNNER = "local";

    /** The {@code run:} block, with {@code runner} choosing among {@code local} and the runners found. */
    public static Type.Obj run(Components c) {
        List<String> kinds = new java.util.ArrayList<>(List.of(LOCAL_RUNNER));
        kinds.addAll(c.runners().keySet());
        List<Field<?>> fields = new java.util.ArrayList<>(List.of(
                MODE,
                INTERVAL,
                SCHEDULE,
                TIME_ZONE,
                PARALLELISM,
                RETRIES_BLOCK,
                ON_BAD_RECORD,
                LEASE,
                ENGINE_BLOCK,
                METRICS_BLOCK));
        fields.add(Field.optional(
                "runner",
                Type.choice(kinds.toArray(String[]::new)),
                LOCAL_RUNNER,
                "What runs the splits: `local` (threads of this process; `sluice worker`s join it through a shared "
                        + "ledger)"
                        + (c.runners().isEmpty()
                                ? "."
                                : ", or " + String.join(", ", c.runners().keySet())
                                        + " (options in the block of that name).")));
        // computed: an absent block is not filled with defaults (its required options would be missing for a local run)
        c.runners()
                .forEach((kind, f) -> fields.add(Field.computed(
                        kind, f.options(), "none", f.description() + " Only with `runner: " + kind + "`.")));
        return Type.Obj.of("How the pipeline runs.", fields.toArray(Field<?>[]::new));
    }

    static final Field<String> NAME = Field.required(
            "pipeline",
            Type.STRING,
            "The pipeline's name: letters, digits, `_`, `.`, `-`. It keys the ledger: renaming it starts afresh.");

    /** The blocks of a pipeline file that depend on the components found. */
    record Blocks(
            Field<Options.Selected> source,
            Field<List<Options.Selected>> steps,
            Field<Options.Selected> sink,
            Field<Options.Selected> state,
            Field<Options> run,
            Type.Obj root) {}

    /** The whole pipeline file, with the kinds the given components provide. */
    public static Type.Obj of(Components c) {
        return blocks(c).root();
    }

    static Blocks blocks(Components c) {
        Field<Options.Selected> source = Field.required(
                "source", variant("Where the data comes from.", c.sources()), "Where the data comes from.");
        Field<List<Options.Selected>> steps = Field.optional(
                "steps",
                Type.listOf(variant("One step.", c.steps())),
                List.of(),
                "Record steps, applied in order; each sees the previous result as `input`.");
        Field<Options.Selected> sink =
                Field.required("sink", variant("Where the results go.", c.sinks()), "Where the results go.");
        Field<Options.Selected> state = Field.computed(
                "state",
                variant("Where the ledger lives.", c.ledgers()),
                "`sqlite: .sluice/<pipeline>.db` beside the pipeline file",
                "The ledger: the durable record of every split (`memory` alone is not durable: tests only).");
        Field<Options> run = Field.optional("run", run(c), null, "How the pipeline runs.");
        return new Blocks(
                source,
                steps,
                sink,
                state,
                run,
                Type.Obj.of(
                        "A pipeline: where the data comes from, what to do with it, where it goes.",
                        NAME,
                        source,
                        steps,
                        sink,
                        state,
                        run));
    }

    private static Type.Variant variant(String doc, Map<String, ? extends ComponentFactory<?>> factories) {
        Map<String, Type<?>> kinds = new LinkedHashMap<>();
        factories.forEach((kind, f) -> kinds.put(kind, f.options()));
        return new Type.Variant(doc, kinds);
    }
}
