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
     * options that contradict each other), for {@code sluice validate}: it reaches no cluster or server. The default
     * finds nothing.
     *
     * @throws io.sluice.config.ConfigException naming the option
     */
    default void check(O options) {}
}
