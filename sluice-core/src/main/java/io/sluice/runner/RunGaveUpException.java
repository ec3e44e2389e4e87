package io.sluice.runner;

/**
 * A run that ends with an error after it ran (a {@code once} run of the kubernetes runner that gave up on Job creation
 * RBAC keeps refusing): what it did and what it left ({@link #summary}) is printed before the error, as at the end of
 * any run.
 */
public final class RunGaveUpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient RunSummary summary;

    public RunGaveUpException(String message, RunSummary summary) {
        super(message);
        this.summary = summary;
    }

    public RunSummary summary() {
        return summary;
    }
}
