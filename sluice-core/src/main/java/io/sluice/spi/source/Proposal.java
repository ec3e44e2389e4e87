package io.sluice.spi.source;

import io.sluice.spi.Split;
import java.util.List;
import java.util.Map;

/**
 * What a source proposes after listing: splits ready as they are, small units the framework packs ({@link Packing}),
 * every input left out with the reason, and notices worth a log line (a truncated log, say). Nothing of it is
 * registered yet: the framework registers it, and when another planner registered some of it first, asks again.
 *
 * @param packing how to pack {@code units}; null when there are none
 * @param ordered the splits build on each other (a log's next range continues the previous one): they are registered
 *                one at a time, in order (the packed units after the splits), and registering stops at the first one
 *                refused; false: all at once, each on its own
 * @param follows for each input key the proposal reads a version of, the fingerprint of the key's registration the
 *                source saw last ({@code PlanStore.NOTHING}: none): the ledger refuses the splits of an input
 *                another planner registered a version of since ({@code PlanStore.register(splits, follows)}); empty
 *                for a source whose splits never follow one another
 */
public record Proposal(
        List<Split> splits,
        List<Packing.Unit> units,
        Packing packing,
        List<Skipped> skipped,
        List<String> notices,
        boolean ordered,
        Map<String, String> follows) {
    public Proposal {
        follows = Map.copyOf(follows);
        splits = List.copyOf(splits);
        units = List.copyOf(units);
        skipped = List.copyOf(skipped);
        notices = List.copyOf(notices);
        if (!units.isEmpty() && packing == null) throw new IllegalArgumentException("units to pack need a packing");
    }

    /** A proposal whose splits follow nothing. */
    public Proposal(
            List<Split> splits,
            List<Packing.Unit> units,
            Packing packing,
            List<Skipped> skipped,
            List<String> notices,
            boolean ordered) {
        this(splits, units, packing, skipped, notices, ordered, Map.of());
    }

    /** Splits only. */
    public Proposal(List<Split> splits, List<Skipped> skipped) {
        this(splits, List.of(), null, skipped, List.of(), false);
    }

    /** The same proposal with one more notice. */
    public Proposal withNotice(String notice) {
        List<String> all = new java.util.ArrayList<>(notices);
        all.add(notice);
        return new Proposal(splits, units, packing, skipped, all, ordered, follows);
    }
}
