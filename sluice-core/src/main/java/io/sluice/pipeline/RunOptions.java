package io.sluice.pipeline;

import io.sluice.spi.BadRecordPolicy;
import java.time.Duration;
import java.util.Objects;

/** How a pipeline runs: the {@code run:} block, after command-line overrides. */
public record RunOptions(
        Mode mode,
        Duration interval,
        int parallelism,
        RetryPolicy retries,
        BadRecordPolicy onBadRecord,
        Duration lease,
        EngineOptions engine) {

    public enum Mode {
        ONCE,
        WATCH
    }

    public RunOptions {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(retries);
        Objects.requireNonNull(onBadRecord);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    public RunOptions withMode(Mode m) {
        return new RunOptions(m, interval, parallelism, retries, onBadRecord, lease, engine);
    }

    public RunOptions withParallelism(int p) {
        return new RunOptions(mode, interval, p, retries, onBadRecord, lease, engine);
    }
}
