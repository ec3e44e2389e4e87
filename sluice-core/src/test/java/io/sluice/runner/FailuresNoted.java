package io.sluice.runner;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Claim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.UnaryOperator;

/** A local run of a pipeline over one input file that notes each failed attempt's error, for tests that count them. */
final class FailuresNoted {
    private FailuresNoted() {}

    /**
     * Writes {@code in/INPUT} and {@code p.yaml} under {@code dir}, then runs the pipeline as {@code as} assembles it.
     */
    static RunSummary run(Path dir, String input, String yaml, UnaryOperator<Assembly> as, List<String> errors)
            throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in").resolve(input), "input\n");
        Pipeline p = PipelineLoader.withSystemEnv().load(Files.writeString(dir.resolve("p.yaml"), yaml));
        RunListener listener = new RunListener() {
            @Override
            public void failed(Claim claim, String error, long retryInMillis) {
                errors.add(error);
            }
        };
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            return new LocalRunner(as.apply(a), Clock.systemUTC(), OwnerId.forThisProcess(), listener).run();
        }
    }
}
