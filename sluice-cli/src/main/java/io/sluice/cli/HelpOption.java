package io.sluice.cli;

import picocli.CommandLine.Option;

/** {@code -h} and {@code --help} on a subcommand: its usage, options and examples, even when its arguments are missing. */
final class HelpOption {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help (usage, options, examples) and exit.")
    boolean help;
}
