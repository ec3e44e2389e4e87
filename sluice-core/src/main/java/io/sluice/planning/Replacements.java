package io.sluice.planning;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which done splits a plan's splits replace the output of: a split whose inputs an earlier done split read, in
 * another version of the same output key ({@link OutputKey}: a sink keeps one version of a key), is a new version of
 * those inputs ({@code sluice plan} says so). Found from the ledger as a source sees it, each input's latest
 * registration in a done split (past later versions that ended dead or are not done yet: the sink still holds the done
 * one's output) and that split; no split id or fingerprint is parsed, so it holds for every source that sets output
 * keys.
 */
public final class Replacements {
    /** Keys asked of the ledger at once, so that a plan of a large listing does not make one huge look-up. */
    private static final int KEYS_PER_LOOKUP = 1_000;

    private Replacements() {}

    /**
     * A done split whose output a planned split replaces.
     *
     * @param inputs the keys of the planned split's inputs that the replaced split read (an earlier version of)
     * @param split  the replaced split's id
     * @param range  the replaced split's output is a byte range of its version, whose other ranges are replaced too
     */
    public record Replaced(List<String> inputs, String split, boolean range) {
        public Replaced {
            inputs = List.copyOf(inputs);
        }
    }

    /**
     * For each planned split that replaces the output of earlier done splits, those splits (by planned split id; a
     * split that replaces nothing is absent). An input read in byte ranges names the range registered last; a new
     * version replaces the outputs of all its ranges.
     */
    public static Map<String, List<Replaced>> of(KnownSplits known, Collection<Split> planned) {
        List<Split> keyed = planned.stream().filter(s -> s.outputKey() != null).toList();
        Map<String, KnownMember> done = latest(keyed, known::latestDone);
        Map<String, Optional<Split>> earlier = new HashMap<>();
        Map<String, List<Replaced>> out = new LinkedHashMap<>();
        for (Split s : keyed) {
            // earlier split -> the inputs of s it read
            Map<Split, List<String>> read = new LinkedHashMap<>();
            for (Member m : s.members()) {
                KnownMember k = done.get(m.key());
                if (k == null || k.splitId().equals(s.id())) continue;
                Optional<Split> e = earlier.computeIfAbsent(k.splitId(), known::split);
                if (e.isEmpty() || !replaces(s.outputKey(), e.get().outputKey())) continue;
                read.computeIfAbsent(e.get(), x -> new ArrayList<>()).add(m.key());
            }
            if (!read.isEmpty()) {
                out.put(
                        s.id(),
                        read.entrySet().stream()
                                .map(e -> new Replaced(
                                        e.getValue(),
                                        e.getKey().id(),
                                        isRange(e.getKey().outputKey())))
                                .toList());
            }
        }
        return out;
    }

    /** A sink replaces the outputs of the other versions of a key, and keeps those of its own version. */
    static boolean replaces(OutputKey newer, OutputKey older) {
        return newer != null
                && older != null
                && newer.key().equals(older.key())
                && !newer.version().equals(older.version());
    }

    private static boolean isRange(OutputKey key) {
        return key.start() > 0 || key.end() != Member.WHOLE;
    }

    /** What {@code lookup} gives for each input of these splits, asked a batch of keys at a time. */
    static Map<String, KnownMember> latest(
            Collection<Split> splits, Function<List<String>, Map<String, KnownMember>> lookup) {
        Set<String> keys = new LinkedHashSet<>();
        splits.forEach(s -> s.members().forEach(m -> keys.add(m.key())));
        Map<String, KnownMember> latest = new HashMap<>();
        List<String> batch = new ArrayList<>(KEYS_PER_LOOKUP);
        for (String k : keys) {
            batch.add(k);
            if (batch.size() == KEYS_PER_LOOKUP) {
                latest.putAll(lookup.apply(batch));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) latest.putAll(lookup.apply(batch));
        return latest;
    }
}
