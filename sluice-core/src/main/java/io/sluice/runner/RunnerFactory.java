package io.sluice.runner;

import io.sluice.pipeline.Assembly;
import io.sluice.spi.ComponentFactory;
import java.time.Clock;

/**
 * A runner selected by {@code run.runner: KIND}, found with {@link java.util.ServiceLoader} so that the core does not
 * depend on the module that brings it (the {@code kubernetes} runner lives in sluice-kubernetes). Its options are the
 * block {@code run.KIND}. {@code local} (the {@link LocalRunner}) is built in and has no factory.
 *
 * @param <O> the Java type of the validated {@code run.KIND} block
 */
public interface RunnerFactory<O> extends ComponentFactory<O> {

    /** The runner of this pipeline run, which plans as {@code owner} and reports to {@code listener}. */
    Runner create(O options, Assembly assembly, Clock clock, String owner, RunListener listener);
}
