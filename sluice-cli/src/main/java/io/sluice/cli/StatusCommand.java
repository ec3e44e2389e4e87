package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.planning.Superseded;
import io.sluice.runner.Lease;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.Totals;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import io.sluice.spi.ledger.LedgerAdmin;
import io.sluice.spi.ledger.WorkerPool;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        footer = {"%nExamples:", "  sluice status pipeline.yaml", "  sluice status pipeline.yaml --all --json"},
        description =
                "Show the pipeline's splits by state, the error and attempts of failed and dead ones, and the workers of its pool.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(names = "--all", description = "List every split, not only the failed and dead ones.")
    boolean all;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "50",
            description = "Most splits to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        args.requireSharedLedger(p, "`sluice status` runs in a process of its own and would only see an empty one");
        Components c = args.components();
        PrintWriter out = spec.commandLine().getOut();
        try (Ledger ledger = args.recordedLedger(p, Clock.systemUTC())) {
            return print(p, c, ledger, ledger, Superseded.of(ledger), () -> sourceStatus(p, c, ledger), out);
        }
    }

    /**
     * The report, from the two roles of the ledger it reads: the splits' admin view and the pool's members. Failed and
     * dead splits that a newer version of their inputs replaced ({@code replaced}, by the done splits that replace
     * them) are counted and listed apart: nothing is left to do for them.
     */
    private int print(
            Pipeline p,
            Components c,
            LedgerAdmin ledger,
            WorkerPool pool,
            List<Superseded.Replaced> replaced,
            java.util.function.Supplier<List<String>> sourceStatus,
            PrintWriter out)
            throws java.io.IOException {
        Map<SplitState, Long> counts = new java.util.EnumMap<>(SplitState.class);
        counts.putAll(ledger.counts());
        Totals totals = ledger.totals();
        EnumSet<SplitState> listed =
                all ? EnumSet.allOf(SplitState.class) : EnumSet.of(SplitState.FAILED, SplitState.DEAD);
        Map<String, List<String>> replacedBy = new LinkedHashMap<>();
        replaced.forEach(r -> replacedBy.put(r.split().id(), r.by()));
        // counted apart from their state: nothing is left to do for a replaced split, which a dead one stands for
        replaced.forEach(r -> counts.merge(r.split().state(), -1L, Long::sum));
        // a worker beats every third of a lease: one not seen for three leases is gone (its claims expire)
        Duration seenWithin = p.run().lease().multipliedBy(3);
        List<WorkerStatus> workers = pool.workers(seenWithin);
        Map<String, Long> byVersion = ledger.doneByVersion();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("pipeline", p.name());
            doc.put("ledger", c.describeLedger(p.state()));
            Map<String, Long> byState = new LinkedHashMap<>();
            for (SplitState s : SplitState.values()) byState.put(s.label(), counts.getOrDefault(s, 0L));
            byState.put("replaced", (long) replaced.size());
            doc.put("counts", byState);
            doc.put("version", p.version());
            doc.put(
                    "next_run",
                    p.run()
                            .schedule()
                            .map(s -> s.next(Instant.now()).toString())
                            .orElse(null));
            doc.put("done_by_version", byVersion);
            doc.put(
                    "totals",
                    Json.map(
                            "rows_in",
                            totals.rowsIn(),
                            "rows_out",
                            totals.rowsOut(),
                            "bad_records",
                            totals.rejected(),
                            "last_done",
                            totals.lastDone() == null ? null : totals.lastDone().toString()));
            Instant at = Instant.now();
            doc.put(
                    "workers",
                    workers.stream()
                            .map(w -> asMap(w, stopped(w, at, p.run().lease())))
                            .toList());
            // the source's lines as text: what it says differs by source (a tailed log's progress, a warning)
            doc.put("source", sourceStatus.get());
            List<SplitInfo> listedSplits = ledger.splits(listed, limit);
            doc.put(
                    "splits",
                    listedSplits.stream()
                            .map(i -> {
                                Map<String, Object> m = asMap(i);
                                m.put("replaced_by", replacedBy.get(i.id()));
                                return m;
                            })
                            .toList());
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return 0;
        }
        out.printf("pipeline %s (%s)%n", p.name(), c.describeLedger(p.state()));
        for (SplitState s : SplitState.values()) out.printf("  %-8s %d%n", s.label(), counts.getOrDefault(s, 0L));
        if (!replaced.isEmpty())
            out.printf(
                    "  %-8s %d (failed or dead; a newer version of their inputs is done)%n",
                    "replaced", replaced.size());
        out.println(totalsLine(totals, Instant.now()));
        // the ledger keeps every split done, also one whose output a later version of its input replaced: a user who
        // adds up the input files' rows must not read the difference as rows written twice
        if (counts.getOrDefault(SplitState.DONE, 0L) > 0)
            out.println("(totals of the work done: a split whose output a newer version of its input replaced counts"
                    + " too)");
        out.printf("  version  %s (of the steps and sink)%n", p.version());
        p.run().schedule().ifPresent(s -> out.println("  next run " + s.nextRun(Instant.now())));
        Text.outdated(byVersion, p.version(), p.file()).forEach(line -> out.println("  " + line));
        if (!workers.isEmpty()) {
            out.println();
            out.printf("workers (seen within %s):%n", Text.millis(seenWithin.toMillis()));
            Instant now = Instant.now();
            for (WorkerStatus w : workers)
                out.println(workerLine(w, now, p.run().lease()));
        }
        List<String> source = sourceStatus.get();
        // in text, a replaced split is listed apart, with what replaced it
        List<SplitInfo> splits = ledger.splits(listed, limit + replacedBy.size()).stream()
                .filter(i -> !replacedBy.containsKey(i.id()))
                .limit(limit)
                .toList();
        if (!source.isEmpty()) {
            out.println();
            out.println("source:");
            source.forEach(line -> out.println("  " + line));
        }
        if (!splits.isEmpty()) {
            out.println();
            out.println(all ? "splits:" : "failed and dead splits (`sluice retry` sends them back to pending):");
            for (SplitInfo s : splits) out.println(Text.splitLine(s));
        }
        if (!replaced.isEmpty()) {
            out.println();
            out.println("replaced splits (a newer version of their inputs is done: nothing to retry):");
            for (Superseded.Replaced r : replaced.stream().limit(limit).toList())
                out.println(Text.splitLine(r.split()) + "\n           replaced by: " + String.join(", ", r.by()));
        }
        long shown = splits.size();
        long total = listed.stream().mapToLong(s -> counts.getOrDefault(s, 0L)).sum();
        if (total > shown) out.printf("  ... and %d more (--limit)%n", total - shown);
        return 0;
    }

    /** What the done splits add up to, and when the last one was done (how long ago a run last did something). */
    private static String totalsLine(Totals t, Instant now) {
        String last = t.lastDone() == null
                ? "no split done yet"
                : "last split done " + t.lastDone().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " ("
                        + Text.millis(
                                Math.max(0, Duration.between(t.lastDone(), now).toMillis())) + " ago)";
        return String.format(
                Locale.ROOT, "rows %d in, %d out, %d bad record(s); %s", t.rowsIn(), t.rowsOut(), t.rejected(), last);
    }

    /** What the source says about itself; nothing when it cannot be opened (its folder is gone, say). */
    private static List<String> sourceStatus(Pipeline p, Components c, Ledger ledger) {
        try {
            var ctx = Assembly.context(p, Clock.systemUTC());
            try (io.sluice.spi.source.Source source = c.source(p.source(), ctx)) {
                return new io.sluice.planning.Planner(source, ledger).status();
            }
        } catch (Exception e) {
            return List.of("(cannot read the source: " + e.getMessage() + ")");
        }
    }

    private static String workerLine(WorkerStatus w, Instant now, Duration lease) {
        WorkerInfo i = w.worker();
        String held = w.held().isEmpty()
                ? "holds nothing"
                : "holds " + w.held().size() + ": "
                        + String.join(", ", w.held().stream().limit(5).toList())
                        + (w.held().size() > 5 ? ", ..." : "");
        return String.format(
                Locale.ROOT,
                "  %s%s%s  [host %s, pid %d, %d thread(s), last heartbeat %s ago] %s",
                i.id(),
                w.leader() ? " (leader)" : "",
                stopped(w, now, lease).map(why -> " (" + why + ")").orElse(""),
                i.host(),
                i.pid(),
                i.threads(),
                Text.millis(Math.max(0, Duration.between(w.lastSeen(), now).toMillis())),
                held);
    }

    /**
     * Why a listed worker no longer works, when status can tell: it was a process of this machine that no longer runs
     * (killed; an id Sluice made, see {@link Lease#holderGone}), or it has not announced itself for longer than a lease
     * while it beats every third of one (stopped, or cut off from the ledger). Its claims are then taken over once
     * their leases run out (at once by a process of this machine). Empty for a worker that beats.
     */
    static Optional<String> stopped(WorkerStatus w, Instant now, Duration lease) {
        // a worker's heartbeat is its lease on its place in the pool
        Lease held = new Lease(w.worker().id(), w.lastSeen().plus(lease));
        if (held.live(now)) return Optional.empty();
        if (held.holderGone()) return Optional.of("gone: its process no longer runs");
        return Optional.of("silent for longer than the lease, " + Text.millis(lease.toMillis())
                + ": stopped or cut off from the ledger");
    }

    private static Map<String, Object> asMap(WorkerStatus w, Optional<String> stopped) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.worker().id());
        m.put("host", w.worker().host());
        m.put("pid", w.worker().pid());
        m.put("started", w.worker().started().toString());
        m.put("threads", w.worker().threads());
        m.put("last_seen", w.lastSeen().toString());
        m.put("leader", w.leader());
        m.put("held", w.held());
        m.put("stopped", stopped.orElse(null));
        return m;
    }

    private static Map<String, Object> asMap(SplitInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("state", s.state().label());
        m.put("attempts", s.attempts());
        m.put("last_error", s.lastError());
        m.put("owner", s.owner());
        m.put("lease_until", s.leaseUntil() == null ? null : s.leaseUntil().toString());
        m.put("next_retry", s.nextRetry() == null ? null : s.nextRetry().toString());
        m.put("bytes", s.bytes());
        m.put("members", s.members());
        m.put("rows_in", s.rowsIn());
        m.put("rows_out", s.rowsOut());
        m.put("pipeline_version", s.pipelineVersion());
        m.put("updated", s.updated() == null ? null : s.updated().toString());
        return m;
    }
}
