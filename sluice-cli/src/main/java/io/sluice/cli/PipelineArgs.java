package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.pipeline.RunOptions;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The pipeline file argument every command takes. */
final class PipelineArgs {
    @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline file (YAML or JSON).")
    Path file;

    @Mixin
    ConnectionsFileOption connections;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Made when a command runs: picocli builds every command's arguments at each start, whatever runs. */
    private PipelineLoader loader;

    /** Loads and validates the pipeline; prints its warnings. */
    Pipeline load() {
        Pipeline p = loader().withConnections(connections.file).load(file);
        p.warnings().forEach(w -> command.commandLine().getErr().println("sluice: warning: " + w));
        return p;
    }

    /**
     * The run options with {@code --parallelism} applied (null: not given). How a source cuts and packs its splits
     * depends on it, so {@code plan} takes the flag too and shows what a run with it would do.
     */
    static RunOptions withParallelism(RunOptions run, Integer parallelism) {
        if (parallelism == null) return run;
        if (parallelism < 1) throw new UserError("--parallelism must be at least 1", RunSummary.INVALID);
        return run.withParallelism(parallelism);
    }

    Components components() {
        return loader().components();
    }

    private PipelineLoader loader() {
        if (loader == null) loader = new PipelineLoader(Components.discover(), System::getenv);
        return loader;
    }

    /** True when the pipeline's ledger lives inside the process that opens it: this command would get an empty one. */
    boolean ledgerInProcess(Pipeline p) {
        return components().ledgers().get(p.state().kind()).inProcess();
    }

    /**
     * The pipeline's ledger for a command that only reads or changes what runs recorded ({@code status},
     * {@code retry}): refused when no run has made one yet, and then none is created.
     */
    Ledger recordedLedger(Pipeline p, Clock clock) {
        return Assembly.existingLedger(p, components(), clock)
                .orElseThrow(() -> new UserError(
                        "pipeline " + p.name() + " was never run (no ledger at "
                                + (p.state().value() instanceof Path path
                                        ? path
                                        : components().describeLedger(p.state()))
                                + "); run it first: sluice run " + p.file(),
                        RunSummary.INVALID));
    }

    /** Refuses a ledger that lives inside one process, for commands that need what another process recorded. */
    void requireSharedLedger(Pipeline p, String why) {
        if (ledgerInProcess(p)) {
            throw new UserError(
                    "pipeline " + p.name() + " keeps its ledger in the memory of the process that runs it ("
                            + p.state().path() + "): " + why
                            + "; use a ledger that outlives the process, such as SQLite "
                            + "(the default when `state:` is left out)",
                    RunSummary.INVALID);
        }
    }
}
