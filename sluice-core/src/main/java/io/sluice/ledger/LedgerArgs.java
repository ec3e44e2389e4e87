package io.sluice.ledger;

import java.time.Duration;
import java.util.Objects;

/** Argument checks every ledger backend makes the same way. */
public final class LedgerArgs {
    private LedgerArgs() {}

    /**
     * A lease or time-to-live: zero or less would expire the moment it is granted.
     *
     * @throws IllegalArgumentException naming the argument
     */
    public static Duration requirePositive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive: " + d);
        return d;
    }

    /** The arguments of {@code Ledger.lock}: a name, an owner and a positive lease. */
    public static void requireLock(String name, String owner, Duration lease) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
    }
}
