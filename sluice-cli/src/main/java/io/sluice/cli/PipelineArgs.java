package io.sluice.cli;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The pipeline file argument every command takes. */
final class PipelineArgs {
    @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline file (YAML or JSON).")
    Path file;

    private final PipelineLoader loader = new PipelineLoader(Components.discover(), System::getenv);

    Pipeline load() {
        return loader.load(file);
    }

    Components components() {
        return loader.components();
    }
}
