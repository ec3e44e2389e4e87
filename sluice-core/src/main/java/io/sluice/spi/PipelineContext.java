package io.sluice.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What a component may know about the pipeline it is part of: the few run settings a component acts on, not the
 * whole {@code run:} block (mode, lease and retries are the runner's business).
 *
 * @param parallelism how many splits run at once, so a source can size its splits to keep every worker busy
 * @param onBadRecord what the pipeline does with a record that cannot be read, for a step that finds one
 */
public record PipelineContext(
        String pipeline, Path pipelineFile, int parallelism, BadRecordPolicy onBadRecord, Clock clock) {
    public PipelineContext {
        Objects.requireNonNull(onBadRecord);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    /** The folder relative paths are resolved against. */
    public Path baseDir() {
        return pipelineFile.toAbsolutePath().getParent();
    }
}
