package io.sluice.cli;

import io.sluice.runner.Runner;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and SIGTERM: the first stops claiming and lets splits in flight finish and commit, and the command then exits
 * with its code (3 for a {@code once} run, which did not finish its work; 0 for a watching run or a worker, which is
 * stopped that way by design); the second gives the splits back to the ledger and exits at once with 3.
 */
final class Signals implements AutoCloseable {
    private final SignalHandler previousInt;
    private final SignalHandler previousTerm;

    private Signals(SignalHandler handler) {
        previousInt = Signal.handle(new Signal("INT"), handler);
        previousTerm = Signal.handle(new Signal("TERM"), handler);
    }

    static Signals install(Runner runner, PrintWriter err) {
        return new Signals(handler(runner, err, code -> Runtime.getRuntime().halt(code)));
    }

    /**
     * What each signal does; {@code halt} ends the process. The second signal halts whatever giving the splits back
     * did: during a ledger outage a split that cannot be given back waits out its lease, and the process quits anyway.
     */
    static SignalHandler handler(Runner runner, PrintWriter err, IntConsumer halt) {
        AtomicInteger count = new AtomicInteger();
        return sig -> {
            if (count.incrementAndGet() == 1) {
                err.println(
                        "\nsluice: stopping: no new splits are claimed; splits in flight finish (press Ctrl-C again to give them back and quit now)");
                err.flush();
                runner.requestStop();
                return;
            }
            try {
                List<String> kept = runner.releaseAll();
                err.println(
                        kept.isEmpty()
                                ? "sluice: splits in flight given back; they run again next time"
                                : "sluice: splits in flight given back, except " + String.join(", ", kept)
                                        + ": the ledger did not take them back; they run again once their lease runs out");
            } catch (RuntimeException e) {
                err.println("sluice: the splits in flight could not be given back (" + e.getMessage()
                        + "); they run again once their lease runs out");
            } finally {
                err.flush();
                halt.accept(3);
            }
        };
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), previousInt);
        Signal.handle(new Signal("TERM"), previousTerm);
    }
}
