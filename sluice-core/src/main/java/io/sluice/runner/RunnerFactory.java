package io.sluice.runner;

import io.sluice.config.Options;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.spi.RunnerKind;
import java.time.Clock;

/**
 * A runner selected by {@code run.runner: KIND}, found with {@link java.util.ServiceLoader} so that the core does not
 * depend on the module that brings it (the {@code kubernetes} runner lives in sluice-kubernetes). Its options are the
 * block {@code run.KIND}. {@code local} (the {@link LocalRunner}) is built in and has no factory.
 *
 * @param <O> the Java type of the validated {@code run.KIND} block
 */
public interface RunnerFactory<O> extends RunnerKind<O> {

    /** The runner of this pipeline run, which plans as {@code owner} and reports to {@code listener}. */
    Runner create(O options, Assembly assembly, Clock clock, String owner, RunListener listener);

    /** The runner chosen by {@code run.runner} (not {@code local}), with its validated {@code run.KIND} block. */
    @SuppressWarnings("unchecked") // a runner's kind is found as its factory; its block was validated by its options
    static Runner create(
            Components components,
            Options.Selected chosen,
            Assembly assembly,
            Clock clock,
            String owner,
            RunListener listener) {
        RunnerFactory<Object> f = (RunnerFactory<Object>) components.runners().get(chosen.kind());
        return f.create(chosen.value(), assembly, clock, owner, listener);
    }
}
