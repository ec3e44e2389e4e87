package io.sluice.spi.sink;

import io.sluice.spi.Split;
import java.util.List;
import java.util.Optional;

/**
 * Where a pipeline's records go. A split's rows are written by a {@link SinkWriter} in two phases, stage then commit,
 * so that running the split again replaces its output and never duplicates it (contract rule 3), and a crash between
 * the two leaves no visible output.
 *
 * <p>Lifecycle: {@link #check} (also by {@code sluice validate}: changes nothing), {@link #prepare} once per run,
 * its {@link #columnCheck} with a sample of the steps' columns, then {@link #open} per split, from many threads at
 * once, then {@link #finish} once.
 */
public interface Sink {

    /** Fails early, before any split runs, when the target cannot be written; the message says what to do. Changes nothing. */
    void check() throws Exception;

    /** Creates what writing needs (folders, say), once per run after {@link #check}, before any split runs. */
    default void prepare() throws Exception {}

    /**
     * The run ended (its splits committed, failed or given back): removes what {@link #prepare} made for the run's
     * own use and no longer holds anything (an empty local staging folder, say). Best effort: it never fails the run.
     */
    default void finish() {}

    /**
     * The check of the columns this sink needs (a partition column the steps must produce, say), when it needs any. A
     * run without steps reads a sample of the input only for it: a sink that needs no column returns none.
     */
    default Optional<ColumnCheck> columnCheck() {
        return Optional.empty();
    }

    /**
     * Throws {@link io.sluice.spi.AttemptFailure#refusedValue} when a write of {@code rows} would refuse one of their
     * values, writing nothing the sink holds (its own files under {@code scratch}, which the caller removes): how the
     * runner finds the file of a pack that holds it. A sink that refuses no value, or cannot tell without writing, does
     * nothing.
     */
    default void checkValues(Rows rows, java.nio.file.Path scratch) throws Exception {}

    /**
     * A writer of one attempt at one split; the caller stages, then commits or aborts, then closes it. Local files the
     * writer needs go under {@code context.scratch()}, never the JVM's temp folder: a killed process leaves them there.
     */
    SinkWriter open(Split split, WriteContext context) throws Exception;

    /**
     * Removes whatever the split's attempts left (committed output of an attempt that failed after its commit began,
     * staged data of one that crashed), because the split is about to be forgotten and its inputs planned again in
     * other splits: no row of it may stay. Checks the fence first, under the same lock as a commit, so a split another
     * worker took over is left alone. The default suits a sink that commits a split in one transaction.
     */
    default void discard(Split split, CommitContext context) throws Exception {
        context.checkFence();
    }

    /**
     * The folder (an absolute path) or object store prefix (its {@link io.sluice.spi.storage.ObjectStore#place()},
     * endpoint included) this sink writes files under, when it writes
     * files: a source that lists the same place leaves it out, so that a pipeline never reads its own output again.
     */
    default Optional<String> outputFolder() {
        return Optional.empty();
    }

    /** The capability of taking files a step made (the {@code exec} step's output), when this sink has it. */
    default Optional<FileOutputs> fileOutputs() {
        return Optional.empty();
    }

    /** The capability of holding an aggregate's partial results, when this sink has it. */
    default Optional<PartialResults> partialResults() {
        return Optional.empty();
    }

    /**
     * What Sluice wrote for the pipeline in this sink, as {@link #deleteOutput} would remove it (paths, URLs or names
     * as the user knows them); nothing is changed.
     */
    default List<String> listOutput() throws Exception {
        throw new UnsupportedOperationException("this sink cannot list the output it wrote; remove it by hand");
    }

    /**
     * What {@link #listOutput} and {@link #deleteOutput} leave though it may be the pipeline's (it may be another's
     * too), each with why, as the user knows it.
     */
    default List<String> outputLeft() throws Exception {
        return List.of();
    }

    /**
     * Removes everything Sluice wrote for the pipeline in this sink (its outputs, bad records, partial and merged
     * results, and its own bookkeeping), and nothing else. Run it after the ledger was reset: until then a run could
     * commit more.
     *
     * @return what it removed, as {@link #listOutput} lists it
     */
    default List<String> deleteOutput() throws Exception {
        throw new UnsupportedOperationException("this sink cannot remove the output it wrote; remove it by hand");
    }
}
