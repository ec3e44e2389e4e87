package io.sluice.spi;

import java.time.Instant;

/** A split as {@code sluice status} shows it. Nullable fields are absent for states that have none. */
public record SplitInfo(
        String id,
        SplitState state,
        int attempts,
        String lastError,
        String owner,
        Instant leaseUntil,
        Instant nextRetry,
        long bytes,
        int members,
        long rowsIn,
        long rowsOut,
        Instant updated) {
}
