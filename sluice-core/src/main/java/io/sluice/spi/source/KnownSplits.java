package io.sluice.spi.source;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Split;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the ledger already holds, as a source may see it while it proposes splits: read-only. A source never writes
 * the ledger; the framework registers what it proposes ({@code io.sluice.planning.Planner}).
 */
public interface KnownSplits {

    /** The latest registered version of each of these member keys (with its split's id and state); unknown keys are absent. */
    Map<String, KnownMember> members(Collection<String> keys);

    /** The member key that first registered this content digest, if any ({@code dedupe: content}). */
    Optional<String> digestOwner(String digest);

    /** A registered split by id, with its members, payload and output key as registered; empty when unknown. */
    Optional<Split> split(String splitId);

    /**
     * The id of every split registered, oldest first: for a source that looks for what an earlier definition of
     * itself registered under other member keys (the jdbc source, when its own key has no watermark). It lists the
     * whole ledger: call it only where a key of the source's own is unknown.
     */
    List<String> splitIds();
}
