package io.sluice.runner;

import io.sluice.spi.LedgerException;
import java.time.Clock;

/**
 * Whether a pool member's ledger answers. The first failed call reports the outage and the first call that succeeds
 * after it reports the end, so a worker's log says each once, not once per call and thread.
 */
final class Outage {
    private static final long FIRST_PAUSE_MS = 200;
    private static final long MAX_PAUSE_MS = 5_000;

    private final RunListener listener;
    private final Clock clock;
    private volatile boolean down;
    private long since;

    Outage(RunListener listener, Clock clock) {
        this.listener = listener;
        this.clock = clock;
    }

    synchronized void failed(LedgerException e) {
        if (down) return;
        down = true;
        since = clock.millis();
        listener.info("ledger unreachable; claiming nothing until it answers again, retrying with backoff (up to "
                + MAX_PAUSE_MS / 1000 + "s): " + e.getMessage());
    }

    void answered() {
        if (!down) return; // the usual case: no lock
        synchronized (this) {
            if (!down) return;
            down = false;
            listener.info("ledger reachable again after " + (clock.millis() - since) / 1000 + "s; claiming again");
        }
    }

    /** Doubles from 200 ms up to 5 s: a pool of workers does not hammer a ledger that is coming back. */
    static long pause(int failures) {
        return Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS << Math.min(Math.max(failures - 1, 0), 5));
    }
}
