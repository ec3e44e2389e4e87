package io.sluice.ledger.dynamodb;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The pending splits one ledger handle read in its last query, tried one by one by its claims, and when it last looked
 * for expired leases and due retries. Only a hint: an entry may already be taken, released or reset, and the
 * conditional write of the claim decides. Shared by the threads of one handle.
 *
 * <p>A handle alone takes its batch in index order (oldest first). Once it loses a race, other handles are working
 * on the same oldest splits: it tries the rest of its batch in random order, so racers spread out instead of all
 * trying the same next split, and after two lost races in a row it drops the batch (most of it is probably taken)
 * and reads a new one.
 */
final class Candidates {
    private final long dueEvery;
    private final Deque<Map<String, AttributeValue>> batch = new ArrayDeque<>();
    private int lostInARow;
    private long nextDueCheck = Long.MIN_VALUE;

    Candidates(long dueEveryMillis) {
        this.dueEvery = dueEveryMillis;
    }

    /** The next candidate, or null when the batch is used up. */
    synchronized Map<String, AttributeValue> next() {
        return batch.pollFirst();
    }

    /** A new batch, in index order, in place of what is left of the old one. */
    synchronized void refill(List<Map<String, AttributeValue>> pending) {
        batch.clear();
        batch.addAll(pending);
        lostInARow = 0;
    }

    /** The last candidate was taken by someone else. */
    synchronized void lost() {
        if (++lostInARow >= 2) {
            batch.clear();
            lostInARow = 0;
            return;
        }
        List<Map<String, AttributeValue>> rest = new ArrayList<>(batch);
        Collections.shuffle(rest);
        batch.clear();
        batch.addAll(rest);
    }

    /** The last candidate was granted. */
    synchronized void won() {
        lostInARow = 0;
    }

    /** True (once per interval) when expired leases and due retries should be looked for now. */
    synchronized boolean dueCheck(long now) {
        // (a clock set back by more than the interval must not postpone the look)
        if (now < nextDueCheck && nextDueCheck - now <= dueEvery) return false;
        nextDueCheck = now + dueEvery;
        return true;
    }

    /** Expired leases and due retries were just looked for. */
    synchronized void checkedDue(long now) {
        nextDueCheck = now + dueEvery;
    }
}
