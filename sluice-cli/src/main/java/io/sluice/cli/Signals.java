package io.sluice.cli;

import io.sluice.runner.Runner;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
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
        AtomicInteger count = new AtomicInteger();
        return new Signals(sig -> {
            if (count.incrementAndGet() == 1) {
                err.println(
                        "\nsluice: stopping: no new splits are claimed; splits in flight finish (press Ctrl-C again to give them back and quit now)");
                err.flush();
                runner.requestStop();
            } else {
                runner.releaseAll();
                err.println("sluice: splits in flight given back; they run again next time");
                err.flush();
                Runtime.getRuntime().halt(3);
            }
        });
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), previousInt);
        Signal.handle(new Signal("TERM"), previousTerm);
    }
}
