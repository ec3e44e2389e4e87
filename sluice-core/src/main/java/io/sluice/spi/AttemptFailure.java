package io.sluice.spi;

/**
 * An attempt at a split that failed, told in the user's words (a step's command that exited non-zero, rows a sink's
 * database refused under {@code on_bad_record: fail}), and whether another attempt could go otherwise: one that cannot
 * leaves the split dead at once instead of retried. Here, not in the engine, so that steps and sinks need only the SPI.
 */
public final class AttemptFailure extends Exception {
    private final boolean retryable;

    /** @param retryable false when another attempt would fail the same way */
    public AttemptFailure(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    /** False when another attempt would fail the same way. */
    public boolean retryable() {
        return retryable;
    }
}
