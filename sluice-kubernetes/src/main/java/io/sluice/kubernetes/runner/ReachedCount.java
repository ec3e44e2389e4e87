package io.sluice.kubernetes.runner;

import io.sluice.spi.SplitInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The splits a controller saw reach one state (done, dead) since it started, and their rows, counted from the ledger's
 * splits in that state by split id and fencing token: they only grow. The ledger's own counts drop when a split leaves
 * the state ({@code sluice backfill} or {@code reset} takes done splits back, {@code sluice retry} sends dead ones back
 * to pending): a Prometheus counter read as reset, a summary with negative rows, or a split that died during the run
 * cancelled by one retried. A split that reaches the state again under a new claim's token counts again.
 */
final class ReachedCount {
    /** The token each split in the state was in it under, at the last look: counted, or there before the start. */
    private Map<String, Long> known;

    private long splits;
    private long rowsIn;
    private long rowsOut;
    private long rejected;

    /** The splits in the state when the controller starts: not counted. */
    ReachedCount(List<SplitInfo> atStart) {
        known = tokens(atStart);
    }

    /** Counts the splits of {@code now} (the splits in the state) not in it under the same token at the last look. */
    void look(List<SplitInfo> now) {
        for (SplitInfo s : now) {
            Long before = known.get(s.id());
            if (before != null && before == s.token()) continue;
            splits++;
            rowsIn += s.rowsIn();
            rowsOut += s.rowsOut();
            rejected += s.rejected();
        }
        // a split no longer in the state (taken back, retried) is forgotten: when it reaches it again, that counts
        known = tokens(now);
    }

    private static Map<String, Long> tokens(List<SplitInfo> splits) {
        Map<String, Long> out = new HashMap<>(splits.size() * 2);
        for (SplitInfo s : splits) out.put(s.id(), s.token());
        return out;
    }

    long splits() {
        return splits;
    }

    long rowsIn() {
        return rowsIn;
    }

    long rowsOut() {
        return rowsOut;
    }

    long rejected() {
        return rejected;
    }
}
