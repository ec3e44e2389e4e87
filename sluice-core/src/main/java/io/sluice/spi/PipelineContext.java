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
 * @param sinkFolder  where the pipeline's own sink writes files ({@link io.sluice.spi.sink.Sink#outputFolder}), so a
 *                    source listing that place leaves it out; null when the sink writes no files, or is not known yet
 */
public record PipelineContext(
        String pipeline,
        Path pipelineFile,
        int parallelism,
        BadRecordPolicy onBadRecord,
        Clock clock,
        boolean wholeFiles,
        String sinkFolder) {
    public PipelineContext {
        Objects.requireNonNull(onBadRecord);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    /** Steps that read records. */
    public PipelineContext(
            String pipeline, Path pipelineFile, int parallelism, BadRecordPolicy onBadRecord, Clock clock) {
        this(pipeline, pipelineFile, parallelism, onBadRecord, clock, false, null);
    }

    /** The same, for steps that read each input file whole when {@code whole}. */
    public PipelineContext withWholeFiles(boolean whole) {
        return new PipelineContext(pipeline, pipelineFile, parallelism, onBadRecord, clock, whole, sinkFolder);
    }

    /** The same, knowing where the pipeline's sink writes files ({@code folder}: null when it writes none). */
    public PipelineContext withSinkFolder(String folder) {
        return new PipelineContext(pipeline, pipelineFile, parallelism, onBadRecord, clock, wholeFiles, folder);
    }

    /** The folder relative paths are resolved against. */
    public Path baseDir() {
        return pipelineFile.toAbsolutePath().getParent();
    }
}
