package io.sluice.spi;

import io.sluice.pipeline.RunOptions;
import java.nio.file.Path;
import java.time.Clock;

/** What a component may know about the pipeline it is part of. */
public record PipelineContext(String pipeline, Path pipelineFile, RunOptions run, Clock clock) {
    /** The folder relative paths are resolved against. */
    public Path baseDir() {
        return pipelineFile.toAbsolutePath().getParent();
    }
}
