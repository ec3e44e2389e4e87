package io.sluice.pipeline;

import io.sluice.config.ConfigProblem;
import io.sluice.config.Options;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated pipeline file. The component blocks keep their validated options; {@link Assembly} turns them
 * into running components.
 *
 * @param version  the {@link PipelineVersion} of its steps and sink, recorded with every split it makes
 * @param warnings        what looks wrong without being certainly wrong, for the user to read
 * @param connectionsFile the connections file its {@code connection: NAME} options were read from; empty when it
 *                        names no connection
 */
public record Pipeline(
        String name,
        Path file,
        Options.Selected source,
        List<Options.Selected> steps,
        Options.Selected sink,
        Options.Selected state,
        RunOptions run,
        String version,
        List<ConfigProblem> warnings,
        Optional<Path> connectionsFile) {

    public Pipeline {
        steps = List.copyOf(steps);
        warnings = List.copyOf(warnings);
        java.util.Objects.requireNonNull(connectionsFile, "connectionsFile");
    }

    public Pipeline withRun(RunOptions r) {
        return new Pipeline(name, file, source, steps, sink, state, r, version, warnings, connectionsFile);
    }
}
