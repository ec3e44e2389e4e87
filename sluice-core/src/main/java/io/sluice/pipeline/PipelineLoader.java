package io.sluice.pipeline;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigNode;
import io.sluice.config.Connections;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.BadRecordPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Reads and validates a pipeline file (YAML or JSON) into a {@link Pipeline}. */
public final class PipelineLoader {
    private final Components components;
    private final Function<String, String> env;
    private final Path connectionsFile;

    public PipelineLoader(Components components, Function<String, String> env) {
        this(components, env, null);
    }

    /** @param connectionsFile the connections file ({@code --connections}); null: {@code connections.yaml} beside each pipeline */
    public PipelineLoader(Components components, Function<String, String> env, Path connectionsFile) {
        this.components = components;
        this.env = env;
        this.connectionsFile = connectionsFile;
    }

    /** The same loader, reading connections from this file (null: beside each pipeline). */
    public PipelineLoader withConnections(Path file) {
        return new PipelineLoader(components, env, file);
    }

    /** The connections a pipeline in this folder may name. */
    public Connections connections(Path pipelineFolder) {
        return Connections.find(pipelineFolder, connectionsFile, env);
    }

    public static PipelineLoader withSystemEnv() {
        return new PipelineLoader(Components.discover(), System::getenv);
    }

    public Components components() {
        return components;
    }

    /** @throws ConfigException with every problem, each naming file, line, column and option */
    public Pipeline load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        ConfigNode root = YamlReader.read(absolute);
        Path base = absolute.getParent();
        Validator validator = new Validator(base, env, connections(base));
        PipelineSchema.Blocks blocks = PipelineSchema.blocks(components);
        Options o = validator.validate(root, blocks.root());

        String name = o.get(PipelineSchema.NAME);
        if (!name.matches(PipelineSchema.NAME_PATTERN)) {
            throw o.problem(
                    PipelineSchema.NAME, "'" + name + "' is not a valid name: use letters, digits, '_', '.', '-'");
        }
        Options.Selected state = o.find(blocks.state()).orElseGet(() -> defaultState(name, base, o));
        List<Options.Selected> steps = o.get(blocks.steps());
        Options.Selected sink = o.get(blocks.sink());
        return new Pipeline(
                name,
                absolute,
                o.get(blocks.source()),
                steps,
                sink,
                state,
                runOptions(o.get(blocks.run()), base, components.runners().keySet()),
                PipelineVersion.of(o.get(blocks.source()), steps, sink, components, base),
                validator.warnings(),
                validator.connectionsUsed().values().stream()
                        .map(io.sluice.config.Connection::file)
                        .findFirst());
    }

    private static Options.Selected defaultState(String name, Path base, Options root) {
        return new Options.Selected(
                "sqlite", base.resolve(".sluice").resolve(name + ".db"), "state.sqlite", root.location());
    }

    private static RunOptions runOptions(Options run, Path base, java.util.Set<String> runners) {
        Options retries = run.get(PipelineSchema.RETRIES_BLOCK);
        Options engine = run.get(PipelineSchema.ENGINE_BLOCK);
        int cores = Runtime.getRuntime().availableProcessors();
        Duration lease = run.get(PipelineSchema.LEASE);
        if (lease.toMillis() < 1000) {
            throw run.problem(PipelineSchema.LEASE, "must be at least 1s, so heartbeats can renew it");
        }
        return new RunOptions(
                RunOptions.Mode.valueOf(run.get(PipelineSchema.MODE).toUpperCase(java.util.Locale.ROOT)),
                run.get(PipelineSchema.INTERVAL),
                schedule(run),
                run.find(PipelineSchema.PARALLELISM).map(Long::intValue).orElse(cores),
                new RetryPolicy(
                        Math.toIntExact(retries.get(PipelineSchema.MAX_RETRIES)),
                        retries.get(PipelineSchema.BACKOFF),
                        retries.get(PipelineSchema.MAX_BACKOFF)),
                BadRecordPolicy.of(run.get(PipelineSchema.ON_BAD_RECORD)),
                lease,
                new EngineOptions(
                        engine.get(PipelineSchema.MEMORY_LIMIT),
                        engine.find(PipelineSchema.THREADS).map(Long::intValue).orElse(null),
                        engine.find(PipelineSchema.SPILL_PATH)
                                .orElse(base.resolve(".sluice").resolve("spill")),
                        base),
                runner(run, runners),
                metrics(run));
    }

    /** {@code run.metrics}; absent: no endpoint. */
    private static Optional<MetricsOptions> metrics(Options run) {
        return run.find(PipelineSchema.METRICS_BLOCK).map(m -> {
            String host = m.get(PipelineSchema.METRICS_HOST).strip();
            if (host.isEmpty()) {
                throw m.problem(
                        PipelineSchema.METRICS_HOST,
                        "must not be empty: write 0.0.0.0 (every interface) or an address");
            }
            return new MetricsOptions(host, Math.toIntExact(m.get(PipelineSchema.METRICS_PORT)));
        });
    }

    /** {@code run.schedule} in {@code run.time_zone}; a mistake names the option, the field and what it allows. */
    private static Optional<CronSchedule> schedule(Options run) {
        Optional<String> zoneName = run.find(PipelineSchema.TIME_ZONE);
        Optional<String> expression = run.find(PipelineSchema.SCHEDULE);
        if (expression.isEmpty()) {
            if (zoneName.isPresent()) {
                throw run.problem(
                        PipelineSchema.TIME_ZONE, "is set, but run.schedule is not: add the schedule it is for");
            }
            return Optional.empty();
        }
        ZoneId zone = run.zone(PipelineSchema.TIME_ZONE, " (as a Kubernetes CronJob's timeZone takes)");
        try {
            return Optional.of(CronSchedule.parse(expression.get(), zone));
        } catch (IllegalArgumentException e) {
            throw run.problem(
                    PipelineSchema.SCHEDULE, "`" + expression.get() + "` is not a cron schedule: " + e.getMessage());
        }
    }

    /** {@code run.runner} with its block; empty for the local runner. A block of a runner not chosen is a mistake. */
    private static Optional<Options.Selected> runner(Options run, java.util.Set<String> runners) {
        String kind = (String) run.values().get("runner");
        for (String other : runners) {
            if (!other.equals(kind) && run.locations().containsKey(other)) {
                throw run.problem(
                        other,
                        "is set, but run.runner is `" + kind + "`: add `runner: " + other
                                + "` to use it, or remove the block");
            }
        }
        if (PipelineSchema.LOCAL_RUNNER.equals(kind)) return Optional.empty();
        if (run.values().get(kind) == null) {
            throw run.problem(
                    "runner",
                    "is `" + kind + "`, but run." + kind + " is missing: add its block (`sluice "
                            + "docs` lists its options)");
        }
        return Optional.of(new Options.Selected(kind, run.values().get(kind), run.pathOf(kind), run.locationOf(kind)));
    }
}
