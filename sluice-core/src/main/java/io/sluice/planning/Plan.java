package io.sluice.planning;

import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.Skipped;
import java.util.List;

/**
 * The outcome of planning: the splits registered (or, for a preview, that would be), every input left out with the
 * reason, and notices worth a log line.
 */
public record Plan(List<Split> splits, List<Skipped> skipped, List<String> notices) {
    public static final Plan NOTHING = new Plan(List.of(), List.of(), List.of());

    public Plan {
        splits = List.copyOf(splits);
        skipped = List.copyOf(skipped);
        notices = List.copyOf(notices);
    }

    public long count(Skipped.Why why) {
        return skipped.stream().filter(s -> s.why() == why).count();
    }

    /** Inputs still being written, which become work by themselves once settled. */
    public long waiting() {
        return count(Skipped.Why.WAITING);
    }

    /** Inputs whose split is done: processed by an earlier run (or by another process), not work of this plan. */
    public long processed() {
        return skipped.stream()
                .filter(s -> s.why() == Skipped.Why.SEEN && s.split() == SplitState.DONE)
                .count();
    }
}
