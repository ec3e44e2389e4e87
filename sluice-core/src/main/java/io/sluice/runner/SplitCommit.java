package io.sluice.runner;

import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.OutputLocks;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The commit context of one claimed split: the claim's fence, the source's check that the inputs are current, the
 * incarnation the split was claimed in, and the ledger's locks.
 *
 * @param incarnation null for what is no split's output (merged results)
 * @param attempt     the claim's attempt, 1 for the first
 * @param token       the claim's fencing token; 0 for what no claim fences
 * @param pipelineVersion the version of the pipeline committing the split; null when unknown
 */
public record SplitCommit(
        Fence fence,
        Current current,
        String incarnation,
        int attempt,
        long token,
        OutputLocks locks,
        String pipelineVersion)
        implements CommitContext {
    public SplitCommit {
        Objects.requireNonNull(fence, "fence");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(locks, "locks");
        if (attempt < 1) throw new IllegalArgumentException("attempt must be >= 1");
    }

    /** An attempt of a pipeline whose version is not known (tests, tools). */
    public SplitCommit(Fence fence, Current current, String incarnation, int attempt, long token, OutputLocks locks) {
        this(fence, current, incarnation, attempt, token, locks, null);
    }

    /** A first attempt, with no token (tests, tools). */
    public SplitCommit(Fence fence, Current current, String incarnation, OutputLocks locks) {
        this(fence, current, incarnation, 1, 0, locks);
    }

    /** Checks the claim. */
    @FunctionalInterface
    public interface Fence {
        void check() throws StaleClaimException;
    }

    /** Whether the split's inputs are still current. */
    @FunctionalInterface
    public interface Current {
        boolean get() throws IOException;
    }

    /** The context of what no claim fences (merged results): it always commits. */
    public static SplitCommit unfenced(OutputLocks locks) {
        return new SplitCommit(() -> {}, () -> true, null, locks);
    }

    @Override
    public void checkFence() throws StaleClaimException {
        fence.check();
    }

    @Override
    public boolean inputsCurrent() throws IOException {
        return current.get();
    }

    @Override
    public Held lock(String name) throws IOException {
        return locks.lock(name);
    }

    @Override
    public Optional<Held> tryLock(String name) throws IOException {
        return locks.tryLock(name);
    }
}
