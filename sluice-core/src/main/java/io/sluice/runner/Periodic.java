package io.sluice.runner;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A daemon thread that runs a task at a fixed rate until closed: the beat of {@link Heartbeats} and {@link PoolMembership}. */
final class Periodic implements AutoCloseable {
    private final ScheduledExecutorService executor;

    private Periodic(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /**
     * Runs {@code task} every {@code every}, the first time one period from now. A run that throws is handed to
     * {@code failed} and the next run comes as planned: a scheduled task that throws is otherwise never run again, and
     * its error stays in a future nobody reads (a beat that stopped so would let the leases run out unseen).
     */
    static Periodic start(String name, Duration every, Runnable task, Consumer<RuntimeException> failed) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true); // a beat never keeps the JVM alive
            return t;
        });
        long millis = Math.max(1, every.toMillis());
        executor.scheduleAtFixedRate(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        failed.accept(e);
                    }
                },
                millis,
                millis,
                TimeUnit.MILLISECONDS);
        return new Periodic(executor);
    }

    @Override
    public void close() {
        executor.shutdownNow(); // drops the scheduled beat and interrupts a running one
    }
}
