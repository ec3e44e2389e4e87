package io.sluice.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A lease on one split. Only the holder of the current fencing {@code token} may complete or fail it.
 *
 * @param attempt 1 for the first try of the split, 2 for the first retry, ...
 */
public record Claim(Split split, String owner, long token, Instant leaseUntil, int attempt) {
    public Claim {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(leaseUntil, "leaseUntil");
        if (attempt < 1) throw new IllegalArgumentException("attempt must be >= 1");
    }

    public String splitId() {
        return split.id();
    }
}
