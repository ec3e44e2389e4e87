package io.sluice.engine;

import io.sluice.spi.source.LocalFiles;
import java.time.Duration;

/**
 * What naming a record of a split (the row it failed on, a bad record) may cost ({@link SplitProcessor}): the split has already failed, and its
 * outcome is known, so a user and the worker's claim wait only a bounded time more for the row's place.
 *
 * @param time       how long the split's records may be read again, numbered, and their lines counted: past it the
 *                   error keeps the step's own words and says the row was not located
 * @param countBytes the most bytes before a byte range of a local file read to count its lines (else the record is
 *                   named by its byte); those of an object in a store are never downloaded for it
 */
record LocateBudget(Duration time, long countBytes) {
    /**
     * 30 s: a split of the default size (128 MB) or a pack of exports is read again well within it, on one thread;
     * a split of many GB is not, and its failure is not held back by more than that. 256 MB of a local disk have their
     * lines counted in about a second.
     */
    static final LocateBudget DEFAULT = new LocateBudget(Duration.ofSeconds(30), 256L << 20);

    /**
     * Whether a record of a part is named by its line in the file (the lines before the part counted within {@link
     * #countBytes}, never downloaded from a store), else by the byte where it starts.
     */
    boolean countsLines(LocalFiles.LineShift shift) {
        return shift.startByte() == 0 || (!shift.remote() && shift.startByte() <= countBytes);
    }
}
