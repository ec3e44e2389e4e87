package io.sluice.planning;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.ledger.PlanStore;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Failed and dead splits that are replaced: a newer version of every one of their inputs was registered last and is
 * done, in a split whose output replaces theirs ({@link io.sluice.spi.OutputKey}: a sink keeps one version of a key).
 * Nothing is left to do for them, so they count neither for a run's exit code nor for {@code retry}; {@code status}
 * shows them apart. Found from what the ledger records (each input's latest registration, a split's output key), no
 * state of its own: a replaced split stays failed or dead in the ledger, so its claim rules are unchanged.
 */
public final class Superseded {
    /** Failed and dead splits looked at: past that many, the others count as failed or dead. */
    static final int MOST = 10_000;

    private Superseded() {}

    /**
     * A replaced split, as status shows it.
     *
     * @param by the done splits that replace it
     */
    public record Replaced(SplitInfo split, List<String> by) {
        public Replaced {
            by = List.copyOf(by);
        }
    }

    /** The failed and dead splits that are replaced, oldest first. */
    public static List<Replaced> of(Ledger ledger) {
        return among(ledger, ledger.splits(EnumSet.of(SplitState.FAILED, SplitState.DEAD), MOST));
    }

    /**
     * The ledger's counts at a run's end, with the dead splits counted from the same listing as the replaced ones, and
     * how many of them are replaced. From two reads, a split that died and was replaced between them could cancel one
     * dead and not replaced in the exit code. Past {@link #MOST} dead splits, the count stays the ledger's.
     */
    public static Ended ended(Ledger ledger, Map<SplitState, Long> counts) {
        if (counts.getOrDefault(SplitState.DEAD, 0L) == 0) return new Ended(counts, 0);
        List<SplitInfo> dead = ledger.splits(EnumSet.of(SplitState.DEAD), MOST);
        Map<SplitState, Long> consistent = new EnumMap<>(SplitState.class);
        consistent.putAll(counts);
        if (dead.size() < MOST) consistent.put(SplitState.DEAD, (long) dead.size());
        return new Ended(consistent, among(ledger, dead).size());
    }

    /** The splits by state at a run's end, and of the dead ones those replaced. */
    public record Ended(Map<SplitState, Long> counts, long replaced) {
        public Ended {
            counts = Map.copyOf(counts);
        }
    }

    /** Of these splits, those replaced. */
    public static List<Replaced> among(PlanStore ledger, List<SplitInfo> infos) {
        // batched look-ups, not one per split: status may look at thousands of dead splits in a network ledger
        Map<String, Split> splits =
                new HashMap<>(ledger.splits(infos.stream().map(SplitInfo::id).toList()));
        List<Split> keyed =
                splits.values().stream().filter(s -> s.outputKey() != null).toList();
        Map<String, KnownMember> latest = Replacements.latest(keyed, ledger::known);
        // the done splits registered last for their inputs, whose output keys tell whether they replace
        Set<String> newer = new LinkedHashSet<>();
        latest.values().stream()
                .filter(k -> k.state() == SplitState.DONE && !splits.containsKey(k.splitId()))
                .forEach(k -> newer.add(k.splitId()));
        splits.putAll(ledger.splits(newer));
        List<Replaced> out = new ArrayList<>();
        for (SplitInfo info : infos) {
            Split s = splits.get(info.id());
            if (s == null || s.outputKey() == null) continue;
            by(s, latest, splits).ifPresent(by -> out.add(new Replaced(info, by)));
        }
        return out;
    }

    /** The done splits that replace this one, when each of its inputs was registered last in one of them. */
    private static Optional<List<String>> by(Split s, Map<String, KnownMember> latest, Map<String, Split> splits) {
        Set<String> by = new LinkedHashSet<>();
        for (Member m : s.members()) {
            KnownMember k = latest.get(m.key());
            // registered last in this very split (no newer version), or a newer version not done yet
            if (k == null || k.splitId().equals(s.id()) || k.state() != SplitState.DONE) return Optional.empty();
            Split newer = splits.get(k.splitId());
            // an output that stays beside this one's (the next chunk of a tailed log) replaces nothing
            if (newer == null || !Replacements.replaces(newer.outputKey(), s.outputKey())) return Optional.empty();
            by.add(k.splitId());
        }
        return Optional.of(new ArrayList<>(by));
    }
}
