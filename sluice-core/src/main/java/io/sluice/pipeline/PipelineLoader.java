package io.sluice.pipeline;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigNode;
import io.sluice.config.ConfigProblem;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.BadRecordPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** Reads and validates a pipeline file (YAML or JSON) into a {@link Pipeline}. */
public final class PipelineLoader {
    private final Components components;
    private final Function<String, String> env;

    public PipelineLoader(Components components, Function<String, String> env) {
        this.components = components;
        this.env = env;
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
        Validator validator = new Validator(base, env);
        Options o = validator.validate(root, PipelineSchema.of(components));

        String name = o.string("pipeline");
        if (!name.matches(PipelineSchema.NAME_PATTERN)) {
            throw o.problem("pipeline", "'" + name + "' is not a valid name: use letters, digits, '_', '.', '-'");
        }
        Options.Selected state = o.has("state") ? o.selected("state") : defaultState(name, base, o);
        List<Options.Selected> steps = o.list("steps");
        return new Pipeline(name, absolute, o.selected("source"), steps, o.selected("sink"), state,
                runOptions(o.block("run"), base), PipelineVersion.of(steps, o.selected("sink"), components, base),
                validator.warnings());
    }

    private static Options.Selected defaultState(String name, Path base, Options root) {
        return new Options.Selected("sqlite", base.resolve(".sluice").resolve(name + ".db"), "state.sqlite",
                root.location());
    }

    private static RunOptions runOptions(Options run, Path base) {
        Options retries = run.block("retries");
        Options engine = run.block("engine");
        int cores = Runtime.getRuntime().availableProcessors();
        Duration lease = run.duration("lease");
        if (lease.toMillis() < 1000) {
            throw new ConfigException(List.of(new ConfigProblem(run.locationOf("lease"), run.pathOf("lease"),
                    "must be at least 1s, so heartbeats can renew it")));
        }
        return new RunOptions(
                RunOptions.Mode.valueOf(run.string("mode").toUpperCase(java.util.Locale.ROOT)),
                run.duration("interval"),
                run.optionalInteger("parallelism").map(Long::intValue).orElse(cores),
                new RetryPolicy((int) retries.integer("max"), retries.duration("backoff"), retries.duration("max_backoff")),
                BadRecordPolicy.of(run.string("on_bad_record")),
                lease,
                new EngineOptions(engine.string("memory_limit"),
                        engine.optionalInteger("threads").map(Long::intValue).orElse(null),
                        engine.has("spill_path") ? engine.filePath("spill_path") : base.resolve(".sluice").resolve("spill")));
    }
}
