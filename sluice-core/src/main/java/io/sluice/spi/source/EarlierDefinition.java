package io.sluice.spi.source;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Split;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an earlier definition of a source (another table, query or where: another member key of the same source)
 * registered last: its member key, its latest registration and that split. A source whose member key is a hash of its
 * definition finds it here when the ledger's newest split is not its own: read now, its own splits would write their
 * rows beside the earlier output, since no sink replaces the output of another member key (the jdbc and bigquery
 * sources refuse to plan until the user chooses).
 *
 * @param key    the earlier definition's member key
 * @param member its latest registration
 * @param split  the split of that registration, as registered (payload included)
 */
public record EarlierDefinition(String key, KnownMember member, Split split) {

    /**
     * The earlier definition that registered the ledger's newest split, when that split is of this source's kind
     * ({@code splitIds} matches it, its group 1 being the member key) and of another member key than {@code key}; one
     * look-up ({@link KnownSplits#newestSplit}), however many splits the ledger holds. Empty when the newest split is
     * this definition's own, another kind's, or forgotten.
     */
    public static Optional<EarlierDefinition> find(KnownSplits known, String key, Pattern splitIds) {
        Optional<String> newest = known.newestSplit();
        if (newest.isEmpty()) return Optional.empty();
        Matcher m = splitIds.matcher(newest.get());
        if (!m.matches() || m.group(1).equals(key)) return Optional.empty();
        String other = m.group(1);
        KnownMember member = known.members(List.of(other)).get(other);
        if (member == null) return Optional.empty();
        return known.split(member.splitId()).map(split -> new EarlierDefinition(other, member, split));
    }

    /** {@code (split ID, STATE)}, as messages name the earlier definition's split. */
    public String where() {
        return "(split " + split.id() + ", " + member.state().label() + ")";
    }

    /** The choice that leaves the output holding what the new definition reads, once. */
    public static String deleteOutputChoice(String pipelineFile) {
        return "sluice reset " + pipelineFile + " --delete-output --yes, then run, to have the output hold what this "
                + "definition reads, once";
    }

    /**
     * The choice that reads the new definition beside the earlier output; {@code replacing}: the sinks that replace
     * the rows read again by key.
     */
    public static String keepOutputChoice(String pipelineFile, String replacing) {
        return "sluice reset " + pipelineFile + " --yes, then run, to read it keeping the earlier output (" + replacing
                + " replaces those rows; a files sink holds them twice)";
    }
}
