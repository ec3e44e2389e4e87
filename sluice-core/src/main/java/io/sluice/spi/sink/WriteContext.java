package io.sluice.spi.sink;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a writer of one split may use.
 *
 * @param scratch an empty folder of this split's attempt, for local files the rows pass through before the commit
 *                (a staging CSV, a Parquet file to load); under the engine's spill path, not the JVM's temp folder, so
 *                that what a killed process left is found and removed. The framework removes it after the writer is
 *                closed
 * @param token   the fencing token of the attempt's claim ({@link CommitContext#token()}), known before anything is
 *                staged: what a writer leaves where other attempts of the split look (a staging folder in the output)
 *                it may name by it, so that an attempt removes only what attempts with older tokens left, never a
 *                newer attempt's work. 0 where no claim fences the write (tests, tools)
 */
public record WriteContext(Path scratch, long token) {
    public WriteContext {
        Objects.requireNonNull(scratch, "scratch");
        if (token < 0) throw new IllegalArgumentException("token must be >= 0");
    }

    /** A write no claim fences (tests, tools). */
    public WriteContext(Path scratch) {
        this(scratch, 0);
    }
}
