package io.sluice.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --connections FILE} of every command that loads a pipeline. */
final class ConnectionsFileOption {
    @Option(
            names = "--connections",
            paramLabel = "FILE",
            description = "The connections file that `connection: NAME` options name (default: connections.yaml "
                    + "beside the pipeline).")
    Path file;
}
