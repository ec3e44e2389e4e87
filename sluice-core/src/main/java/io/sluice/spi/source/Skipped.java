package io.sluice.spi.source;

import io.sluice.spi.SplitState;

/**
 * An input left out of a plan, and why. {@code settleMillis > 0} (with {@link Why#WAITING}) means it is still being
 * written and becomes work by itself once it has not changed for that long.
 *
 * @param split with {@link Why#SEEN}: the state of the split that holds the input (pending, claimed or failed:
 *              registered but not processed yet); null when it is in no split of its own
 */
public record Skipped(String key, Why why, String reason, long settleMillis, SplitState split) {

    /** SEEN: already registered in this version; WAITING: not finished yet; SKIPPED: left out by a rule. */
    public enum Why {
        SEEN,
        WAITING,
        SKIPPED
    }

    /** Registered already, in a split now in the given state (null: in none of its own, e.g. a copy of another). */
    public static Skipped seen(String key, SplitState split, String reason) {
        return new Skipped(key, Why.SEEN, reason, 0, split);
    }

    public static Skipped because(String key, String reason) {
        return new Skipped(key, Why.SKIPPED, reason, 0, null);
    }

    public static Skipped waiting(String key, String reason, long settleMillis) {
        return new Skipped(key, Why.WAITING, reason, settleMillis, null);
    }

    public boolean waiting() {
        return why == Why.WAITING;
    }
}
