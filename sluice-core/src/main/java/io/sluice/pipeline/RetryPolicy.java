package io.sluice.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often a failing split is tried again: {@code max} retries after the first attempt, waiting
 * {@code backoff * 2^(attempt-1)} (capped at {@code maxBackoff}) with +-20% jitter so that workers do not retry
 * in lockstep.
 */
public record RetryPolicy(int max, Duration backoff, Duration maxBackoff) {
    public RetryPolicy {
        if (max < 0) throw new IllegalArgumentException("retries.max must be >= 0");
    }

    /** When to try again after the given failed attempt (1-based), or empty when the split is dead. */
    public Optional<Instant> nextTry(int attempt, Instant now) {
        if (attempt > max) return Optional.empty();
        long base = backoff.toMillis() << Math.min(attempt - 1, 30);
        long capped = Math.min(Math.max(base, 0), maxBackoff.toMillis());
        long jitter = (long) (capped * 0.2 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
        return Optional.of(now.plusMillis(Math.max(0, capped + jitter)));
    }
}
