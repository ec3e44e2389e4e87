package io.sluice.planning;

import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.Skipped;
import java.util.List;

/**
 * The outcome of planning: the splits registered (or, for a preview, that would be), the inputs left out with the
 * reason, and notices worth a log line. Of the inputs left out because they are registered already, a large listing
 * keeps only the first in {@code skipped}; {@code seen} and {@code processed} count them all.
 *
 * @param seen      inputs already registered ({@link Skipped.Why#SEEN}), listed in {@code skipped} or not
 * @param processed of those, the ones whose split is done
 */
public record Plan(List<Split> splits, List<Skipped> skipped, List<String> notices, long seen, long processed) {
    public static final Plan NOTHING = new Plan(List.of(), List.of(), List.of());

    public Plan {
        splits = List.copyOf(splits);
        skipped = List.copyOf(skipped);
        notices = List.copyOf(notices);
    }

    /** Every input left out is in {@code skipped}. */
    public Plan(List<Split> splits, List<Skipped> skipped, List<String> notices) {
        this(
                splits,
                skipped,
                notices,
                skipped.stream().filter(s -> s.why() == Skipped.Why.SEEN).count(),
                skipped.stream()
                        .filter(s -> s.why() == Skipped.Why.SEEN && s.split() == SplitState.DONE)
                        .count());
    }

    public long count(Skipped.Why why) {
        return why == Skipped.Why.SEEN
                ? seen
                : skipped.stream().filter(s -> s.why() == why).count();
    }

    /** Inputs still being written, which become work by themselves once settled. */
    public long waiting() {
        return count(Skipped.Why.WAITING);
    }

    /** Inputs whose split is done: processed by an earlier run (or by another process), not work of this plan. */
    public long processed() {
        return processed;
    }

    /** How many inputs were left out, listed in {@code skipped} or only counted. */
    public long leftOut() {
        return skipped.size()
                - skipped.stream().filter(s -> s.why() == Skipped.Why.SEEN).count()
                + seen;
    }
}
