package io.sluice.engine;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stops what a statement runs once {@code time} has passed, until closed: DuckDB interrupts the running query, which
 * fails. A cancel while no query runs does nothing (DuckDB's JDBC cancels only a running one), so it is repeated until
 * closed, for a query that starts late.
 */
final class StatementTimer implements AutoCloseable {
    private static final long REPEAT_MILLIS = 10;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sluice-statement-timer").factory());
    private volatile boolean fired;

    private StatementTimer(Statement s, Duration time) {
        timer.scheduleAtFixedRate(
                () -> {
                    fired = true;
                    try {
                        s.cancel();
                    } catch (SQLException | RuntimeException closed) {
                        // the statement is closed: nothing runs
                    }
                },
                time.toMillis(),
                REPEAT_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    static StatementTimer after(Statement s, Duration time) {
        return new StatementTimer(s, time);
    }

    /** Whether the time has passed: a query that failed since may have been stopped. */
    boolean fired() {
        return fired;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS); // no cancel after the statement is done with
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
