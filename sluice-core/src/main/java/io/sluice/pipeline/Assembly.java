package io.sluice.pipeline;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigProblem;
import io.sluice.config.Options;
import io.sluice.spi.FileStep;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Step;
import io.sluice.spi.sink.FileOutputs;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.source.Source;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The running components of a pipeline, created from its validated blocks. */
public record Assembly(Pipeline pipeline, Source source, List<Step> steps, Sink sink, Ledger ledger, String ledgerName)
        implements AutoCloseable {

    public static Assembly of(Pipeline p, Components c, Clock clock) {
        Assembly parts = withoutLedger(p, c, clock);
        return new Assembly(
                p, parts.source(), parts.steps(), parts.sink(), openLedger(p, c, clock), parts.ledgerName());
    }

    /**
     * The source, steps and sink, for {@code sluice validate}, which changes nothing: the runner's block is checked
     * ({@link io.sluice.spi.RunnerKind#check}), the ledger is checked ({@link LedgerFactory#check}) but not kept
     * open, and {@link #ledger()} is null.
     */
    public static Assembly forChecking(Pipeline p, Components c, Clock clock) {
        Assembly parts = withoutLedger(p, c, clock);
        // what the runner refuses at its start, run.kubernetes' file server too
        p.run()
                .runner()
                .ifPresent(r ->
                        c.checkRunner(r, new io.sluice.spi.RunnerKind.Pipeline(p.file(), p.source(), parts.steps())));
        c.checkLedger(p.state(), context(p, clock));
        return parts;
    }

    private static Assembly withoutLedger(Pipeline p, Components c, Clock clock) {
        PipelineContext ctx = context(p, clock);
        // the sink first: a source of files leaves out the folder the sink writes in, so no run reads its own output
        Sink sink = openSink(p, c, clock);
        Source source = c.source(
                p.source(),
                ctx.withWholeFiles(c.readsWholeFiles(p.steps()))
                        .withSinkFolder(sink.outputFolder().orElse(null)));
        List<Step> steps = new ArrayList<>();
        for (Options.Selected step : p.steps()) {
            Step created;
            try {
                created = c.step(step, ctx);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(new ConfigProblem(step.location(), step.path(), e.getMessage()));
            }
            if (!steps.isEmpty() && steps.getLast() instanceof io.sluice.spi.MergingStep) {
                throw new ConfigException(
                        new ConfigProblem(
                                step.location(),
                                step.path(),
                                "no step may follow an aggregate: it merges results across splits, so it must be the last step"));
            }
            if (!steps.isEmpty() && steps.getLast().rejectColumn() != null) {
                // the engine sends to on_bad_record only the rows the last step rejects
                throw new ConfigException(new ConfigProblem(
                        step.location(),
                        step.path(),
                        "no step may follow a step that rejects rows (focus with validate: true): make it the last "
                                + "step, or run the later steps in a second pipeline over its output"));
            }
            steps.add(created);
        }
        checkFileStep(p, steps, sink);
        return new Assembly(p, source, steps, sink, null, c.describeLedger(p.state()));
    }

    /**
     * A step that turns files into files ({@code exec}) is the only step (the others turn records into records), and
     * its sink takes files.
     */
    private static void checkFileStep(Pipeline p, List<Step> steps, Sink sink) {
        int at = -1;
        for (int i = 0; i < steps.size(); i++) if (steps.get(i) instanceof FileStep) at = i;
        if (at < 0) return;
        if (steps.size() > 1) {
            Options.Selected other = p.steps().get(at == 0 ? 1 : 0);
            throw new ConfigException(new ConfigProblem(
                    other.location(),
                    other.path(),
                    "an " + p.steps().get(at).kind() + " step must be the only step: it turns each input file into "
                            + "files, while " + other.kind() + " turns records into records; run " + other.kind()
                            + " in a second pipeline over its output"));
        }
        Options.Selected declared = p.sink();
        FileOutputs files = sink.fileOutputs()
                .orElseThrow(() -> new ConfigException(new ConfigProblem(
                        declared.location(),
                        declared.path(),
                        "the " + declared.kind() + " sink cannot take the files an "
                                + p.steps().getFirst().kind()
                                + " step writes: use the files sink (a folder or an object store's prefix)")));
        files.checkFiles();
    }

    /** What the pipeline's components may know of it. */
    public static PipelineContext context(Pipeline p, Clock clock) {
        return new PipelineContext(
                p.name(), p.file(), p.run().parallelism(), p.run().onBadRecord(), clock);
    }

    /** Only the ledger: for status, retry and reset, which must work even when the source folder is gone. */
    public static Ledger openLedger(Pipeline p, Components c, Clock clock) {
        return c.openLedger(p.state(), context(p, clock));
    }

    /** The ledger when it exists, for validate, which creates none: empty before the first run. */
    public static java.util.Optional<Ledger> existingLedger(Pipeline p, Components c, Clock clock) {
        return c.openExistingLedger(p.state(), context(p, clock));
    }

    /** Only the sink: for reset, which removes its output when asked. */
    public static Sink openSink(Pipeline p, Components c, Clock clock) {
        return c.sink(p.sink(), context(p, clock));
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (java.io.IOException e) {
            // its connections are gone with the process; nothing was left half done
        } finally {
            if (ledger != null) ledger.close();
        }
    }
}
