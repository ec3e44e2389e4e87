package io.sluice.spi;

/**
 * A runner as the pipeline's schema sees it ({@code run.runner: KIND} and its {@code run.KIND} block): its kind,
 * options and description. Found with {@link java.util.ServiceLoader}; the runner package's {@code RunnerFactory}
 * adds how to create it, so the pipeline's schema does not depend on the runners.
 *
 * @param <O> the Java type of the validated {@code run.KIND} block
 */
public interface RunnerKind<O> extends ComponentFactory<O> {
    /**
     * Fails, naming the option, on what the runner would refuse when it starts though each option alone is valid (two
     * options that contradict each other, an option the pipeline's source or steps rule out), for {@code sluice
     * validate}: it reaches no cluster or server and starts nothing. The default finds nothing.
     *
     * @param pipeline what of the pipeline the options are checked against
     * @throws io.sluice.config.ConfigException naming the option
     */
    default void check(O options, Pipeline pipeline) {}

    /**
     * What of a pipeline its runner's block is checked against, as the runner sees it when it starts.
     *
     * @param file   the pipeline file
     * @param source the {@code source:} block
     * @param steps  the pipeline's steps, made
     */
    record Pipeline(java.nio.file.Path file, io.sluice.config.Options.Selected source, java.util.List<Step> steps) {
        public Pipeline {
            steps = java.util.List.copyOf(steps);
        }
    }
}
