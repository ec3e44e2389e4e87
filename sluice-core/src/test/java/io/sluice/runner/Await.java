package io.sluice.runner;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.BooleanSupplier;

/** Waits for what a part's own thread does; the bound only keeps a broken part from hanging the build. */
final class Await {
    private static final long BOUND_MS = 20_000;

    private Await() {}

    static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + BOUND_MS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("never happened: " + what);
            Thread.sleep(10);
        }
    }
}
