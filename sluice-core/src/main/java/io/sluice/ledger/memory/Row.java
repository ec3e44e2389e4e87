package io.sluice.ledger.memory;

import io.sluice.spi.Completion;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.time.Instant;

/**
 * One split's entry in the memory ledger, the same fields as a row of the SQLite ledger's {@code splits} table.
 * Immutable: each transition returns the next row, and the ledger swaps it in under its lock.
 *
 * @param seq    registration order, for "oldest first"
 * @param token  the fencing token of the latest grant (0 before the first)
 * @param result what the split produced once done, else null
 */
record Row(
        long seq,
        Split split,
        SplitState state,
        int attempts,
        String lastError,
        String owner,
        long token,
        Instant leaseUntil,
        Instant nextRetry,
        Completion result,
        Instant updated) {

    static Row registered(long seq, Split split, Instant now) {
        return new Row(seq, split, SplitState.PENDING, 0, null, null, 0, null, null, null, now);
    }

    /** Pending, failed with its retry time come, or claimed with its lease run out (the holder is presumed gone). */
    boolean claimable(Instant now) {
        return switch (state) {
            case PENDING -> true;
            case FAILED -> !nextRetry.isAfter(now);
            case CLAIMED -> !leaseUntil.isAfter(now);
            case DONE, DEAD -> false;
        };
    }

    /** The guard of every change a claim holder makes: its token is still the split's, and the split still claimed. */
    boolean heldWith(long claimToken) {
        return state == SplitState.CLAIMED && token == claimToken;
    }

    /** Claimed and its lease not run out: what {@code workers()} lists as held. */
    boolean liveAt(Instant now) {
        return state == SplitState.CLAIMED && leaseUntil.isAfter(now);
    }

    Row granted(String newOwner, long newToken, Instant until, Instant now) {
        return new Row(
                seq, split, SplitState.CLAIMED, attempts + 1, lastError, newOwner, newToken, until, null, result, now);
    }

    Row renewed(Instant until, Instant now) {
        return new Row(seq, split, state, attempts, lastError, owner, token, until, nextRetry, result, now);
    }

    Row completed(Completion completion, Instant now) {
        return new Row(seq, split, SplitState.DONE, attempts, null, owner, token, null, null, completion, now);
    }

    /** Failed until {@code retryAt}, or dead when it is null. */
    Row failed(String error, Instant retryAt, Instant now) {
        SplitState next = retryAt == null ? SplitState.DEAD : SplitState.FAILED;
        return new Row(seq, split, next, attempts, error, owner, token, null, retryAt, result, now);
    }

    /** Given back without counting the attempt. */
    Row released(Instant now) {
        return new Row(seq, split, SplitState.PENDING, attempts - 1, lastError, null, token, null, null, result, now);
    }

    /** The lease ended now, its holder known to be gone: claimable as if it had run out. */
    Row expired(Instant now) {
        Instant until = leaseUntil.isAfter(now) ? now : leaseUntil;
        return new Row(seq, split, state, attempts, lastError, owner, token, until, nextRetry, result, now);
    }

    /**
     * Sent back to pending by {@code sluice retry} or as outdated: attempts start over, a done split's result is
     * dropped; the last error stays for reference.
     */
    Row retried(Instant now) {
        return new Row(seq, split, SplitState.PENDING, 0, lastError, null, token, null, null, null, now);
    }

    SplitInfo info() {
        boolean done = result != null;
        return new SplitInfo(
                split.id(),
                state,
                attempts,
                lastError,
                owner,
                token,
                leaseUntil,
                nextRetry,
                split.bytes(),
                split.members().size(),
                done ? result.rowsIn() : 0,
                done ? result.rowsOut() : 0,
                done ? result.rejected() : 0,
                done ? result.pipelineVersion() : null,
                updated);
    }
}
