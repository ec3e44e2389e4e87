package io.sluice.spi.source;

import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * A split cannot be read yet, and can from {@link #readyAt} on (a tailed log's bytes are in a rotation not settled
 * yet): the runner tries it again then, rather than at its retry backoff, which may run out first.
 */
public final class NotReadyYet extends IOException {
    private final Instant readyAt;

    /** @param message what is not ready, naming it, and until when */
    public NotReadyYet(String message, Instant readyAt) {
        super(message);
        this.readyAt = Objects.requireNonNull(readyAt, "readyAt");
    }

    /** When the split can be read, as far as is known now. */
    public Instant readyAt() {
        return readyAt;
    }
}
