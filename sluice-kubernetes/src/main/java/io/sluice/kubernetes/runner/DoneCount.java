package io.sluice.kubernetes.runner;

import io.sluice.spi.SplitInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The splits a controller saw done since it started, and their rows, counted from the ledger's done splits by split
 * id and fencing token: they only grow. The ledger's own counts drop when {@code sluice backfill} or {@code sluice
 * reset} takes done splits back (a Prometheus counter read as reset, a summary with negative rows), and a split done
 * again after a backfill, under a new claim's token, is a new completion that counts again.
 */
final class DoneCount {
    /** The token each split the ledger shows done was done under, at the last look: counted, or done before the start. */
    private Map<String, Long> known;

    private long splits;
    private long rowsIn;
    private long rowsOut;
    private long rejected;

    /** What the ledger shows done when the controller starts: not counted. */
    DoneCount(List<SplitInfo> doneAtStart) {
        known = tokens(doneAtStart);
    }

    /** Counts the splits of {@code doneNow} not done under the same token at the last look. */
    void look(List<SplitInfo> doneNow) {
        for (SplitInfo s : doneNow) {
            Long before = known.get(s.id());
            if (before != null && before == s.token()) continue;
            splits++;
            rowsIn += s.rowsIn();
            rowsOut += s.rowsOut();
            rejected += s.rejected();
        }
        // a split no longer done (taken back) is forgotten: when it is done again, that counts
        known = tokens(doneNow);
    }

    private static Map<String, Long> tokens(List<SplitInfo> done) {
        Map<String, Long> out = new HashMap<>(done.size() * 2);
        for (SplitInfo s : done) out.put(s.id(), s.token());
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
