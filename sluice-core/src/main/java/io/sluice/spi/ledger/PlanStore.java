package io.sluice.spi.ledger;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Split;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What planning reads and writes: the splits registered so far, and the registration of new ones. */
public interface PlanStore {

    /** The latest registered version of each of these member keys; keys never registered are absent. */
    Map<String, KnownMember> known(Collection<String> keys);

    /**
     * For each of these member keys, its latest registration whose split is done, past later ones that are not (a
     * version that ended dead, one not processed yet); keys with no done registration are absent. What a new version
     * of an input replaces in a sink that keeps one version of a key ({@code sluice plan}). A batched look-up (a
     * planner asks up to 1,000 keys at once), not a listing. A ledger that links registrations as it writes them may
     * not reach past a registration written before it kept those links (Redis, DynamoDB): the key is then absent.
     */
    Map<String, KnownMember> latestDone(Collection<String> keys);

    /** The member key that first registered this content digest, if any. */
    Optional<String> digestOwner(String sha256);

    /**
     * A registered split by id, with its members, payload and output key as registered (empty when unknown, or
     * forgotten by {@link Claims#replace} or {@link LedgerAdmin#reset}).
     */
    Optional<Split> split(String splitId);

    /**
     * The registered splits of these ids, as {@link #split} gives each (unknown and forgotten ids are absent), in a few
     * round trips rather than one per split: {@code status}, {@code retry} and a run's end look at up to 10,000 failed
     * and dead splits. The default asks {@link #split} for each; a ledger across a network batches.
     */
    default Map<String, Split> splits(Collection<String> splitIds) {
        Map<String, Split> found = new LinkedHashMap<>();
        for (String id : splitIds) split(id).ifPresent(s -> found.put(id, s));
        return found;
    }

    /**
     * The id of the split registered last (the greatest registration order), whatever its state; empty when none is
     * (a new ledger, or one {@link LedgerAdmin#reset}). A look-up, not a listing: a source asks it at each plan to
     * find what an earlier definition of itself registered (the jdbc and bigquery sources), so it costs what {@link #split} costs,
     * however many splits the ledger holds.
     */
    Optional<String> newestSplit();

    /** Stands, in {@link #register(List, Map)}'s {@code follows}, for "no registration of this key". */
    String NOTHING = "";

    /** Registers new splits atomically, without conditions on what they follow: {@link #register(List, Map)}. */
    default List<String> register(List<Split> splits) {
        return register(splits, Map.of());
    }

    /**
     * Registers new splits atomically. A split is skipped (not an error) when any of its members
     * (key, fingerprint, start) is already registered, or when a member's digest is already owned by another
     * key: that is how concurrent planners agree. Registering the same split twice is a no-op.
     *
     * <p>A split is also skipped when one of its members' keys is in {@code follows} and the key's latest registration
     * (the one {@link #known} gives, counting the splits this call registered before it) is neither the one the
     * planner saw ({@code follows} maps the key to its fingerprint, or to {@link #NOTHING} when it saw none) nor of
     * this member's fingerprint (another range of the same version). So a planner that read the ledger before another
     * one registered a later version of the input cannot register a version after the earlier one too: two planners
     * that saw different histories of an input never both register the version they found (rule 1).
     *
     * <p>"Atomically": all or none. A ledger that cannot write a whole call in one step (DynamoDB's transactions hold
     * 100 items) still registers the splits of one input together (a file's byte ranges), all or none, as another
     * process sees them: a planner takes an input's version as seen once {@link #known} reports any split of it, so
     * a version registered in part would never have its other splits registered.
     *
     * @param follows for some member keys, the fingerprint of the registration of the key the planner saw last
     * @return the ids of the splits this call registered
     */
    List<String> register(List<Split> splits, Map<String, String> follows);

    /**
     * An id of this ledger's record of the pipeline: made at first use, and made anew after {@link LedgerAdmin#reset}
     * or when the store was lost (a deleted SQLite file, a Redis without persistence that restarted). Stable otherwise,
     * and the same for every process. Sinks use it to tell outputs of an earlier record (whose splits the ledger has
     * forgotten) from their own.
     */
    String incarnation();
}
