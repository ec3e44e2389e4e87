package io.sluice.spi;

/**
 * A step's failure on one input, told in the user's words (a command that exited non-zero, say); the engine fails the
 * split with it. Here, not in the engine, so that a step needs only the SPI.
 */
public final class StepFailure extends Exception {
    private final boolean retryable;

    /** @param retryable false when another attempt would fail the same way */
    public StepFailure(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    /** False when another attempt would fail the same way. */
    public boolean retryable() {
        return retryable;
    }
}
