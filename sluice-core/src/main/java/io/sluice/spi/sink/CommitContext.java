package io.sluice.spi.sink;

import io.sluice.spi.StaleClaimException;
import java.io.IOException;

/**
 * What a commit rests on, given by the runner for one claimed split: the claim's fencing check, whether the split's
 * inputs are still current, the ledger's incarnation, and locks held in the ledger.
 */
public interface CommitContext extends OutputLocks {

    /** Throws when the caller no longer holds the split's claim (its lease was taken over): nothing may commit then. */
    void checkFence() throws StaleClaimException;

    /**
     * Whether the split's inputs are still the versions it was planned with. A sink that replaces the other versions
     * of an output asks it under that output's lock, right before the commit: when false the split commits nothing,
     * because a newer version writes the output.
     */
    boolean inputsCurrent() throws IOException;

    /**
     * The ledger incarnation the split was claimed in: its output is known by it, so that after a reset (or a lost
     * ledger) the outputs of forgotten splits are told apart from new ones. Null for what is no split's output.
     */
    String incarnation();

    /**
     * 1 for the split's first attempt, more for a retry: a retry may find what a killed attempt left unfinished in the
     * target (multipart uploads, say) and removes it first. Not enough alone: {@code sluice retry} and {@code reset}
     * start the count over, and a new version of an input is a new split at attempt 1, so a sink that must find what a
     * killed commit left records it in the target itself (the files sink flags its manifest until the commit ends).
     */
    int attempt();

    /**
     * The claim's fencing token: greater than the token of any earlier claim of the split; 0 for what no claim
     * fences. A sink that records its commits in the target itself (a table of committed splits, a table format's
     * snapshot summary) stores it with the split id, in the same transaction as the rows, and refuses a commit whose
     * token is lower than one stored under the same {@link #incarnation}: a stale worker that passed {@link
     * #checkFence} just before losing its claim still cannot commit over its successor. Tokens start over in a new
     * ledger, so a token of another incarnation is no newer claim: that commit is replaced ({@link #newer}).
     */
    long token();

    /**
     * Whether a token stored in the target (a commit's claim token, an output lock's grant token) is newer than
     * {@code token} of {@code incarnation}: only a higher token of the same ledger incarnation is. Tokens start over in a
     * new ledger (a reset, a lost ledger, every run of the memory ledger), so refusing a higher token of another
     * incarnation would refuse the split at every retry. Replacing that commit is safe where the sink checks the fence
     * after reading the stored token and before its own commit lands: a worker of the forgotten incarnation must pass
     * its fence check against the ledger it claimed in, whose claim the reset (or the loss) ended. A stored token
     * without an incarnation (an earlier Sluice's) counts as another incarnation's.
     */
    static boolean newer(long stored, String storedIncarnation, long token, String incarnation) {
        return stored > token && java.util.Objects.equals(storedIncarnation, incarnation);
    }

    /**
     * The version of the pipeline committing the split ({@link io.sluice.spi.Completion#pipelineVersion}): its steps
     * and the sink's shape. A sink that records its commits in the target itself stores it there too, so that a split
     * committed again under another version (a rebuild, {@code sluice run --rebuild-outdated}) replaces its earlier
     * output where a replay of the same version may keep it. Null when unknown (tests, tools).
     */
    default String pipelineVersion() {
        return null;
    }
}
