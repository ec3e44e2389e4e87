package io.sluice.pipeline;

import io.sluice.config.Options;
import io.sluice.spi.BadRecordPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a pipeline runs: the {@code run:} block, after command-line overrides.
 *
 * @param schedule {@code run.schedule}: when a {@code watch} run plans (instead of every {@code interval}), and when
 *     a generated CronJob starts a {@code once} run
 * @param runner {@code run.runner} and its {@code run.KIND} block; empty for {@code local} (threads in this process)
 * @param metrics {@code run.metrics}: the Prometheus endpoint of workers and runs; empty: none (the default)
 */
public record RunOptions(
        Mode mode,
        Duration interval,
        Optional<CronSchedule> schedule,
        int parallelism,
        RetryPolicy retries,
        BadRecordPolicy onBadRecord,
        Duration lease,
        EngineOptions engine,
        Optional<Options.Selected> runner,
        Optional<MetricsOptions> metrics) {

    public enum Mode {
        ONCE,
        WATCH
    }

    public RunOptions {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(schedule, "schedule (empty: none)");
        Objects.requireNonNull(retries);
        Objects.requireNonNull(onBadRecord);
        Objects.requireNonNull(runner, "runner (empty: the local runner)");
        Objects.requireNonNull(metrics, "metrics (empty: none)");
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    public RunOptions withMode(Mode m) {
        return new RunOptions(m, interval, schedule, parallelism, retries, onBadRecord, lease, engine, runner, metrics);
    }

    public RunOptions withParallelism(int p) {
        return new RunOptions(mode, interval, schedule, p, retries, onBadRecord, lease, engine, runner, metrics);
    }
}
