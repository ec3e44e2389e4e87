package io.sluice.spi.sink;

import io.sluice.spi.Split;
import java.nio.file.Path;

/**
 * A sink's capability of taking a split's output as files a step made ({@link io.sluice.spi.FileStep}), copied as
 * they are, under the same commit rules as rows: staged where no reader sees them, committed under the claim's fence,
 * replaced whole by a replay, nothing visible after an abort or a crash.
 */
public interface FileOutputs {

    /**
     * Fails, naming the option, when the sink is set up for rows in a way files cannot follow (a partition column);
     * called before any split runs. Changes nothing.
     */
    default void checkFiles() {}

    /** A writer of one attempt at one split's files, with what the attempt may use ({@link WriteContext}). */
    Writer openFiles(Split split, WriteContext context) throws Exception;

    /**
     * One attempt: a folder per input ({@link #newFolder}) for the step to write in, then {@link #stage}, then
     * {@link #commit} or {@link #abort}, then {@link #close}.
     */
    interface Writer extends AutoCloseable {
        /**
         * A new empty folder on the staging disk, for the files made from one input; nothing under it is visible.
         *
         * @param input the name the user knows the input by, for errors
         */
        Path newFolder(String input) throws Exception;

        /**
         * A folder on the staging disk for the step's own use during the attempt (a command's logs), never output:
         * removed by {@link #stage} and with what the attempt staged, even by the split's next attempt after a kill.
         */
        Path scratch() throws Exception;

        /**
         * Stages every file written under the folders given so far, each by its path relative to its folder. Fails when
         * two folders hold a file of the same path, or one holds anything but files and folders (a link).
         *
         * @return the files staged
         */
        long stage() throws Exception;

        /** As {@link SinkWriter#commit}: the staged files become the split's output, replacing an earlier attempt's. */
        Written commit(CommitContext context) throws Exception;

        /** Removes what was staged; safe to call twice. */
        void abort() throws Exception;

        /** Aborts, unless committed. */
        @Override
        void close() throws Exception;
    }
}
