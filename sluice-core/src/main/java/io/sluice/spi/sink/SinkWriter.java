package io.sluice.spi.sink;

/**
 * One attempt at writing one split: {@link #stage} the rows (nothing visible yet), then {@link #commit} them, or
 * {@link #abort}. Modelled on Trino's {@code ConnectorPageSink.finish/abort} and the Iceberg committer: the commit is
 * keyed by the split id and fenced by the claim's token, so it is idempotent per split id and a worker whose claim was
 * taken over cannot commit.
 *
 * <p>Guarantees every sink gives (the sink conformance kit checks them): a replay replaces; a stale token cannot
 * commit; a crash between stage and commit leaves no visible output; abort leaves nothing behind; two versions of one
 * output are never both visible.
 */
public interface SinkWriter extends AutoCloseable {

    /**
     * Writes the split's rows where no reader sees them. {@code bad} is asked once the rows are written (the reader
     * finds bad records during the same scan); it may throw to abandon the attempt.
     *
     * @return the rows staged
     */
    long stage(Rows rows, BadRows bad) throws Exception;

    /**
     * Makes the staged rows the split's output, replacing what any earlier attempt of the split (or, for a split with
     * an output key, any other version of that output) committed. Fails with
     * {@link io.sluice.spi.StaleClaimException} when {@link CommitContext#checkFence} does, leaving the output as it
     * was. Commits nothing, and returns no rows, when {@link CommitContext#inputsCurrent} says a newer version of the
     * inputs writes the output.
     */
    Written commit(CommitContext context) throws Exception;

    /** Removes what {@link #stage} wrote; the visible output stays as it was. Safe to call twice, or before staging. */
    void abort() throws Exception;

    /** Aborts, unless committed. */
    @Override
    void close() throws Exception;
}
