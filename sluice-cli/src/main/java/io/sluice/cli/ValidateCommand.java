package io.sluice.cli;

import io.sluice.engine.StepCheck;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.planning.Planner;
import io.sluice.planning.SourceKinds;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "validate",
        footer = {"%nExamples:", "  sluice validate pipeline.yaml"},
        description = "Check a pipeline without running it: options, types, folders, the sink, and the steps against a "
                + "sample of the input. Changes nothing.")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        try (Assembly a = Assembly.forChecking(p, args.components(), Clock.systemUTC())) {
            Optional<String> source;
            // the ledger of earlier runs: a plan's refusal that depends on it is found here too
            try (EarlierRuns known =
                    new EarlierRuns(() -> Assembly.existingLedger(p, args.components(), Clock.systemUTC()))) {
                source = a.source().check(known);
                // a run's plan refuses a ledger whose splits are another source kind's: so does validate
                SourceKinds.of(args.components()).check(known, p.source());
            }
            a.sink().check();
            StepCheck.Outcome steps = StepCheck.standalone(a);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                    "%s: valid (pipeline %s, %d step(s), %s)%n",
                    args.file, p.name(), p.steps().size(), a.ledgerName());
            source.ifPresent(note -> out.println("  the source was not checked against its input: " + note));
            out.println(
                    steps == StepCheck.FILES
                            ? "  the exec step's files go to the sink as they are"
                            : steps.checked()
                                    ? "  checked against a sample of the input: the sink receives "
                                            + String.join(", ", steps.columns())
                                    : "  the steps were not checked against the input: " + steps.skipped());
            a.source().notes().forEach(n -> out.println("  note: " + n));
            p.run().schedule().ifPresent(s -> out.println("  next run at " + s.nextRun(Instant.now())));
        }
        return 0;
    }

    /**
     * The ledger of earlier runs, opened at the first question: the jdbc source's (whether an earlier definition of it
     * read), and the source-kind check's (which kind registered the newest split). Before the first run there is none,
     * and nothing is created: it answers as an empty ledger.
     */
    private static final class EarlierRuns implements KnownSplits, AutoCloseable {
        private final Supplier<Optional<Ledger>> open;
        private Optional<Ledger> ledger;
        private KnownSplits view;

        EarlierRuns(Supplier<Optional<Ledger>> open) {
            this.open = open;
        }

        private KnownSplits view() {
            if (view == null) {
                ledger = open.get();
                view = ledger.map(Planner::view).orElse(KnownSplits.NONE);
            }
            return view;
        }

        @Override
        public Map<String, KnownMember> members(Collection<String> keys) {
            return view().members(keys);
        }

        @Override
        public Map<String, KnownMember> latestDone(Collection<String> keys) {
            return view().latestDone(keys);
        }

        @Override
        public Optional<String> digestOwner(String digest) {
            return view().digestOwner(digest);
        }

        @Override
        public Optional<Split> split(String splitId) {
            return view().split(splitId);
        }

        @Override
        public Optional<String> newestSplit() {
            return view().newestSplit();
        }

        @Override
        public void close() {
            if (ledger != null) ledger.ifPresent(Ledger::close);
        }
    }
}
