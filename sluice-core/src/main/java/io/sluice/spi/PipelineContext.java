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
 * @param wholeFiles  the steps read each input file whole, as bytes ({@link StepFactory#readsWholeFiles}): a source
 *                    of files hands them as they are
 */
public record PipelineContext(
        String pipeline,
        Path pipelineFile,
        int parallelism,
        BadRecordPolicy onBadRecord,
        Clock clock,
        boolean wholeFiles) {
    public PipelineContext {
        Objects.requireNonNull(onBadRecord);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    /** Steps that read records. */
    public PipelineContext(
            String pipeline, Path pipelineFile, int parallelism, BadRecordPolicy onBadRecord, Clock clock) {
        this(pipeline, pipelineFile, parallelism, onBadRecord, clock, false);
    }

    /** The same, for steps that read each input file whole when {@code whole}. */
    public PipelineContext withWholeFiles(boolean whole) {
        return new PipelineContext(pipeline, pipelineFile, parallelism, onBadRecord, clock, whole);
    }

    /** The folder relative paths are resolved against. */
    public Path baseDir() {
        return pipelineFile.toAbsolutePath().getParent();
    }
}
