package io.sluice.spi;

/**
 * An attempt at a split that failed, told in the user's words (a step's command that exited non-zero, rows a sink's
 * database refused under {@code on_bad_record: fail}), and whether another attempt could go otherwise: one that cannot
 * leaves the split dead at once instead of retried. Here, not in the engine, so that steps and sinks need only the SPI.
 */
public final class AttemptFailure extends Exception {
    private final boolean retryable;

    /** A value of the split's rows refused for what it is (see {@link #refusedValue(String)}). */
    private final boolean refusedValue;

    /** @param retryable false when another attempt would fail the same way */
    public AttemptFailure(String message, boolean retryable) {
        this(message, retryable, false);
    }

    private AttemptFailure(String message, boolean retryable, boolean refusedValue) {
        super(message);
        this.retryable = retryable;
        this.refusedValue = refusedValue;
    }

    /**
     * A value of the rows that a sink refuses at every attempt, found by {@link io.sluice.spi.sink.Sink#checkValues}
     * without writing (a {@code partition_by} value too long for a folder name): not retryable.
     */
    public static AttemptFailure refusedValue(String message) {
        return new AttemptFailure(message, false, true);
    }

    /** Whether a value the sink refuses failed the attempt ({@link #refusedValue(String)}). */
    public boolean refusedValue() {
        return refusedValue;
    }

    /** False when another attempt would fail the same way. */
    public boolean retryable() {
        return retryable;
    }
}
