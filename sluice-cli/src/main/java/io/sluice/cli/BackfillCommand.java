package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.Windowed;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "backfill",
        footer = {
            "%nExamples:",
            "  sluice backfill pipeline.yaml --from 2026-11-01 --to 2026-11-08 --dry-run",
            "  sluice backfill pipeline.yaml --from 2026-11-01 --to 2026-11-08",
            "  sluice run pipeline.yaml        # reads them again, replacing their output"
        },
        description = "Read a window of an incremental source again: the splits whose ranges meet it go back to "
                + "pending, the next run reads those ranges as the rows stand then, and each split's new output "
                + "replaces what it wrote before (no row twice).")
final class BackfillCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "VALUE",
            description = "The window's start (included), a value of the source's cursor column, e.g. 2026-11-01 or "
                    + "2026-11-01T06:00:00Z (UTC when no offset is given).")
    String from;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "VALUE",
            description = "The window's end (left out), in the same form.")
    String to;

    @Option(names = "--dry-run", description = "List the splits that would be read again and change nothing.")
    boolean dryRun;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Pipeline p = args.load();
        args.requireSharedLedger(p, "`sluice backfill` runs in a process of its own and cannot reach it");
        PrintWriter out = spec.commandLine().getOut();
        Components c = args.components();
        try (Source source = c.source(p.source(), Assembly.context(p, Clock.systemUTC()));
                Ledger ledger = Assembly.openLedger(p, c, Clock.systemUTC())) {
            if (!(source instanceof Windowed windowed)) {
                throw new UserError(
                        "pipeline " + p.name() + ": its source (" + p.source().kind() + ") has no ranges of a column "
                                + "to read again; backfill works on a source that reads in ranges, such as jdbc with "
                                + "incremental. To process every input again: sluice reset " + args.file + " --yes",
                        RunSummary.INVALID);
            }
            Map<String, SplitInfo> infos = new HashMap<>();
            List<Split> registered = new ArrayList<>();
            for (SplitInfo info : ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE)) {
                infos.put(info.id(), info);
                ledger.split(info.id()).ifPresent(registered::add);
            }
            Windowed.Window window;
            try {
                window = windowed.window(registered, from, to);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), RunSummary.INVALID);
            } catch (IOException e) {
                throw new UserError("pipeline " + p.name() + ": " + e.getMessage(), RunSummary.INVALID);
            }
            List<String> done = new ArrayList<>();
            List<String> stopped = new ArrayList<>();
            List<String> reading = new ArrayList<>();
            for (Split s : window.splits()) {
                SplitInfo info = infos.get(s.id());
                SplitState state = info.state();
                String verb = switch (state) {
                    case DONE -> {
                        done.add(s.id());
                        yield dryRun ? "would read again" : "read again";
                    }
                    case FAILED, DEAD -> {
                        stopped.add(s.id());
                        yield dryRun ? "would retry (" + state.label() + ")" : "retried (was " + state.label() + ")";
                    }
                    case CLAIMED -> { // its worker may have read the rows before they changed: not to be trusted
                        reading.add(s.id());
                        yield "being read now by " + info.owner();
                    }
                    default -> "already to be read (" + state.label() + ")";
                };
                out.println("  " + verb + ": " + s.id() + "  " + source.describe(s));
            }
            window.notes().forEach(n -> out.println(n));
            if (window.splits().isEmpty()) {
                out.println("no split of pipeline " + p.name() + " read rows of that window; nothing to do");
                return RunSummary.OK;
            }
            if (dryRun) {
                out.println((done.size() + stopped.size()) + " split(s) would go back to pending; nothing changed");
                return RunSummary.OK;
            }
            int sent = ledger.replay(done) + (stopped.isEmpty() ? 0 : ledger.retry(stopped));
            out.println(sent + " split(s) sent back to pending; run the pipeline to read them again (sluice run "
                    + args.file + "): each one's new output replaces what it wrote before");
            if (reading.isEmpty()) return RunSummary.OK;
            out.println(reading.size() + " split(s) of the window are being read now and were left as they are ("
                    + String.join(", ", reading) + "): their workers may have read the rows before they changed; "
                    + "run this backfill again once they are done (sluice status " + args.file + " --all)");
            return RunSummary.SOME_DEAD;
        }
    }
}
