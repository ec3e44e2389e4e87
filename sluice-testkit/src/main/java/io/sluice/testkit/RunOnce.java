package io.sluice.testkit;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A child process for crash tests: runs the pipeline file given once, as {@code sluice run} does, with the connectors
 * of the test's class path (a module's own tests need no built CLI), and exits with the run's exit code.
 */
public final class RunOnce {
    private RunOnce() {}

    public static void main(String[] args) throws Exception {
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(Path.of(args[0]));
        RunSummary summary;
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            summary = new LocalRunner(a, Clock.systemUTC(), "crash-test", new RunListener() {}).run();
        }
        System.exit(summary.exitCode());
    }
}
