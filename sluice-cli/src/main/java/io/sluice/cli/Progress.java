package io.sluice.cli;

import io.sluice.planning.Plan;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunStats;
import io.sluice.spi.Claim;
import io.sluice.spi.source.Skipped;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run as it goes: a progress bar (splits, rows, bytes, rate) on a terminal, a log line every few seconds
 * otherwise. Failures are always printed as they happen, to standard error.
 */
abstract class Progress implements RunListener, AutoCloseable {
    protected final String pipeline;
    protected final PrintWriter err;
    protected RunStats stats;
    /** A pool member knows no total: other workers take splits too, and it lists the source only while it leads. */
    protected boolean member;

    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-progress");
        t.setDaemon(true);
        return t;
    });

    Progress(String pipeline, PrintWriter err) {
        this.pipeline = pipeline;
        this.err = err;
    }

    static Progress create(String when, String pipeline, PrintWriter out, PrintWriter err) {
        return switch (when) {
            case "bar" -> new Bar(pipeline, err);
            case "log" -> new Log(pipeline, err);
            case "none" ->
                new Log(pipeline, err) {
                    @Override
                    void tick() {}
                };
            case "auto" -> terminal() ? new Bar(pipeline, err) : new Log(pipeline, err);
            default -> throw new UserError("--progress must be auto, bar, log or none, not '" + when + "'", 2);
        };
    }

    void attach(RunStats stats) {
        this.stats = stats;
        ticker.scheduleAtFixedRate(this::tick, periodMillis(), periodMillis(), TimeUnit.MILLISECONDS);
    }

    /** For a worker of a pool: shows the splits this worker did, with no total. */
    void attachMember(RunStats stats) {
        member = true;
        attach(stats);
    }

    abstract long periodMillis();

    abstract void tick();

    @Override
    public void failed(Claim claim, String error, long retryInMillis) {
        print(retryInMillis < 0 ? "dead: " + error : "failed (retry in " + Text.millis(retryInMillis) + "): " + error);
    }

    @Override
    public void stale(Claim claim, String message) {
        print("lost: " + message);
    }

    @Override
    public void info(String message) {
        print(message);
    }

    @Override
    public void planned(Plan plan) {
        if (!plan.splits().isEmpty() || plan.waiting() > 0) {
            print(String.format(
                    Locale.ROOT,
                    "planned %d new split(s); %d input(s) skipped, %d %s",
                    plan.splits().size(),
                    plan.count(Skipped.Why.SKIPPED),
                    plan.waiting(),
                    Text.stillBeingWritten(plan)));
        }
    }

    void print(String line) {
        synchronized (err) {
            err.println(pipeline + ": " + line);
            err.flush();
        }
    }

    String line() {
        String rows = "rows " + Text.count(stats.rowsIn()) + " in / " + Text.count(stats.rowsOut()) + " out, ";
        String bytes = stats.bytes() > 0 ? Text.bytes(stats.bytes()) + ", " : "";
        return rows + bytes + Text.rate(stats.bytes(), stats.rowsIn(), stats.elapsedMillis());
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    /** A console reports whether it is a terminal only from JDK 22 on; on 21 a console exists only for one. */
    private static boolean terminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String pipeline, PrintWriter err) {
            super(pipeline, err);
            bar = new ProgressBarBuilder()
                    .setTaskName(pipeline)
                    .setInitialMax(0)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .continuousUpdate()
                    .build();
            bar.setExtraMessage("planning");
        }

        @Override
        long periodMillis() {
            return 250;
        }

        @Override
        void tick() {
            bar.maxHint(member ? -1 : Math.max(stats.planned(), stats.splitsDone()));
            bar.stepTo(stats.splitsDone());
            bar.setExtraMessage(line());
        }

        @Override
        void print(String line) {
            // keep messages on their own lines above the bar
            synchronized (err) {
                System.err.print("\r\033[K");
                super.print(line);
            }
        }

        @Override
        public void close() {
            super.close();
            if (stats != null) tick();
            bar.close();
        }
    }

    static class Log extends Progress {
        Log(String pipeline, PrintWriter err) {
            super(pipeline, err);
        }

        @Override
        long periodMillis() {
            return 5000;
        }

        @Override
        void tick() {
            String done = member
                    ? stats.splitsDone() + " split(s) done by this worker"
                    : stats.splitsDone() + "/" + stats.planned() + " split(s) done";
            print(String.format(Locale.ROOT, "%s, %d in flight, %s", done, stats.inFlight(), line()));
        }
    }
}
