package io.sluice.spi.source;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Split;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * What the ledger already holds, as a source may see it while it proposes splits: read-only. A source never writes
 * the ledger; the framework registers what it proposes ({@code io.sluice.planning.Planner}).
 */
public interface KnownSplits {
    /** An empty ledger: before a pipeline's first run, or for a check that has no ledger to read. */
    KnownSplits NONE = new KnownSplits() {
        @Override
        public Map<String, KnownMember> members(Collection<String> keys) {
            return Map.of();
        }

        @Override
        public Map<String, KnownMember> latestDone(Collection<String> keys) {
            return Map.of();
        }

        @Override
        public Optional<String> digestOwner(String digest) {
            return Optional.empty();
        }

        @Override
        public Optional<Split> split(String splitId) {
            return Optional.empty();
        }

        @Override
        public Optional<String> newestSplit() {
            return Optional.empty();
        }
    };

    /** The latest registered version of each of these member keys (with its split's id and state); unknown keys are absent. */
    Map<String, KnownMember> members(Collection<String> keys);

    /**
     * For each of these member keys, its latest registration whose split is done, past later versions that are not
     * ({@code PlanStore.latestDone}): what a new version of the input replaces. Keys never done are absent.
     */
    Map<String, KnownMember> latestDone(Collection<String> keys);

    /** The member key that first registered this content digest, if any ({@code dedupe: content}). */
    Optional<String> digestOwner(String digest);

    /** A registered split by id, with its members, payload and output key as registered; empty when unknown. */
    Optional<Split> split(String splitId);

    /**
     * Registered splits by id, as {@link #split}; unknown ids are absent. A default asks {@link #split} for each; a
     * ledger's view asks for many in a few round trips ({@code PlanStore.splits}).
     */
    default Map<String, Split> splits(Collection<String> splitIds) {
        Map<String, Split> out = new java.util.LinkedHashMap<>();
        for (String id : splitIds) split(id).ifPresent(s -> out.put(id, s));
        return out;
    }

    /**
     * The id of the split registered last, if any ({@code PlanStore.newestSplit}): for a source that looks for what an
     * earlier definition of itself registered under other member keys (the jdbc and bigquery sources, through {@link EarlierDefinition}). A look-up, not a listing.
     */
    Optional<String> newestSplit();
}
